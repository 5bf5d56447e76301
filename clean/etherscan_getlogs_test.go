package clean

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"memepipe/canonical"
	"memepipe/evm"
	"memepipe/pipeline"
	"memepipe/watchlist"
)

// No public recording of a pair's getLogs was found; these logs follow
// Etherscan's getLogs wire format (hex quantities, "0x" for zero,
// 32-byte topics, ABI-encoded data) for the PEPE/WETH Uniswap V2 pair.
const (
	pepe     = "0x6982508145454Ce325dDbE47a25d4ec3d2311933"
	pepePair = "0xA43fe16908251ee70EF74718545e4FE6C5cCEc9f"
	router   = "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"
	trader   = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
)

var pepeToken = &watchlist.Token{Symbol: "PEPE", Chain: "ethereum", Address: pepe, Decimals: 18, Pair: pepePair, QuoteSymbol: "WETH"}

func word(v string) string {
	n, ok := new(big.Int).SetString(v, 10)
	if !ok {
		panic(v)
	}
	return fmt.Sprintf("%064x", n)
}

func addrTopic(a string) string { return "0x000000000000000000000000" + strings.ToLower(a[2:]) }

func logJSON(address string, topics []string, data string, block, logIndex int) string {
	li := fmt.Sprintf("0x%x", logIndex)
	if logIndex == 0 {
		li = "0x" // Etherscan prints zero as "0x"
	}
	return fmt.Sprintf(`{"address":%q,"topics":["%s"],"data":"0x%s","blockNumber":"0x%x","blockHash":"0x%s","timeStamp":"0x%x","gasPrice":"0x3b9aca00","gasUsed":"0x1d4c0","logIndex":%q,"transactionHash":"0x%064x","transactionIndex":"0x%x"}`,
		strings.ToLower(address), strings.Join(topics, `","`), data, block, strings.Repeat("cd", 32), 1681000000+block, li, block*1000+logIndex, logIndex/3)
}

func pairLogsBody() string {
	logs := []string{
		// Mint: 1,000,000 PEPE and 2 WETH added (PEPE < WETH: token0).
		logJSON(pepePair, []string{evm.TopicMint, addrTopic(router)}, word("1000000000000000000000000")+word("2000000000000000000"), 100, 0),
		// Sync after the mint.
		logJSON(pepePair, []string{evm.TopicSync}, word("1000000000000000000000000")+word("2000000000000000000"), 100, 1),
		// LP tokens minted to the creator: a Transfer of the pair itself.
		logJSON(pepePair, []string{evm.TopicTransfer, addrTopic(evm.ZeroAddress), addrTopic(trader)}, word("44721359549995793"), 100, 2),
		// Buy: 0.1 WETH in (amount1In), 47,000 PEPE out (amount0Out).
		logJSON(pepePair, []string{evm.TopicSwap, addrTopic(router), addrTopic(trader)}, word("0")+word("100000000000000000")+word("47000000000000000000000")+word("0"), 101, 5),
		// Sell: 10,000 PEPE in (amount0In), 0.021 WETH out (amount1Out).
		logJSON(pepePair, []string{evm.TopicSwap, addrTopic(router), addrTopic(router)}, word("10000000000000000000000")+word("0")+word("0")+word("21000000000000000"), 102, 7),
		// Approval on the pair: no trade data, skipped.
		logJSON(pepePair, []string{evm.EventTopic("Approval(address,address,uint256)"), addrTopic(trader), addrTopic(router)}, word("1"), 103, 1),
		// Burn: the creator pulls the liquidity.
		logJSON(pepePair, []string{evm.TopicBurn, addrTopic(router), addrTopic(trader)}, word("900000000000000000000000")+word("1800000000000000000"), 104, 3),
	}
	return `{"status":"1","message":"OK","result":[` + strings.Join(logs, ",") + `]}`
}

func TestGetLogsUniswapV2Pair(t *testing.T) {
	in := Input{Source: "etherscan.getlogs", Token: pepeToken}
	rows, err := parseBody(t, in, pairLogsBody())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := parseBody(t, in, pairLogsBody())
	if len(again) != len(rows) {
		t.Fatal("second parse differs")
	}
	swaps := rowsOf[canonical.Swap](rows)
	liq := rowsOf[canonical.LiquidityEvent](rows)
	syncs := rowsOf[canonical.PairReserve](rows)
	lp := rowsOf[canonical.Transfer](rows)
	wantCount(t, "swaps", len(swaps), 2)
	wantCount(t, "liquidity events", len(liq), 2)
	wantCount(t, "reserves", len(syncs), 1)
	wantCount(t, "LP transfers", len(lp), 1)
	wantCount(t, "all rows (approval skipped)", len(rows), 6)

	buy, sell := swaps[0], swaps[1]
	eq(t, "buy side", buy.Side, "buy")
	eq(t, "buy amount_token", buy.AmountToken, "47000")
	eq(t, "buy amount_quote", buy.AmountQuote, "0.1")
	eq(t, "buy trader", buy.Trader, trader)
	eq(t, "buy sender", buy.Sender, router)
	eq(t, "buy pair", buy.PairAddress, pepePair)
	eq(t, "buy token", buy.Token, "ethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933")
	eq(t, "buy block", buy.BlockNumber, int64(101))
	eq(t, "buy log_index", buy.LogIndex, int64(5))
	eq(t, "buy ts", buy.TS, mustTime("2023-04-09T00:28:21Z"))
	if buy.Price < 2.1276e-6 || buy.Price > 2.1277e-6 {
		t.Errorf("buy price = %v WETH per PEPE, want 0.1/47000", buy.Price)
	}
	eq(t, "sell side", sell.Side, "sell")
	eq(t, "sell amount_token", sell.AmountToken, "10000")
	eq(t, "sell amount_quote", sell.AmountQuote, "0.021")
	eq(t, "sell amount_quote_raw", sell.AmountQuoteRaw, "21000000000000000")

	eq(t, "mint kind", liq[0].Kind, "mint")
	eq(t, "mint token", liq[0].AmountToken, "1000000")
	eq(t, "mint quote", liq[0].AmountQuote, "2")
	eq(t, "mint log index 0x", liq[0].LogIndex, int64(0))
	eq(t, "burn kind", liq[1].Kind, "burn")
	eq(t, "burn to", liq[1].ToAddress, trader)
	eq(t, "burn token", liq[1].AmountToken, "900000")
	eq(t, "sync token reserve", syncs[0].ReserveToken, "1000000")
	eq(t, "sync quote reserve", syncs[0].ReserveQuote, "2")
	eq(t, "LP token", lp[0].TokenAddress, pepePair)
	eq(t, "LP from zero", lp[0].FromAddress, evm.ZeroAddress)
	eq(t, "LP value", lp[0].Value, "0.044721359549995793")
	eq(t, "LP log index", lp[0].LogIndex, int64(2))
}

func TestGetLogsTokenIsToken1(t *testing.T) {
	// A token whose address sorts above WETH is token1: the same Swap
	// words then read the other way round.
	tok := &watchlist.Token{Symbol: "HIGH", Chain: "ethereum", Address: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", Decimals: 9, Pair: pepePair, QuoteSymbol: "WETH"}
	body := `{"status":"1","message":"OK","result":[` +
		logJSON(pepePair, []string{evm.TopicSwap, addrTopic(router), addrTopic(trader)}, word("500000000000000000")+word("0")+word("0")+word("123456789000"), 200, 4) + `]}`
	rows, err := parseBody(t, Input{Source: "etherscan.getlogs", Token: tok}, body)
	if err != nil {
		t.Fatal(err)
	}
	s := rowsOf[canonical.Swap](rows)[0]
	eq(t, "side", s.Side, "buy")
	eq(t, "amount_token (9 decimals)", s.AmountToken, "123.456789")
	eq(t, "amount_quote", s.AmountQuote, "0.5")
}

func TestGetLogsBadInput(t *testing.T) {
	// Without the token, buys cannot be told from sells: an error, no rows.
	_, err := parseBody(t, Input{Source: "etherscan.getlogs"}, pairLogsBody())
	wantClass(t, err, pipeline.ClassPermanent, "etherscan.getlogs", "$.result[0]", "tell buys from sells")

	// A Swap whose data has three words instead of four.
	bad := `{"status":"1","message":"OK","result":[` +
		logJSON(pepePair, []string{evm.TopicSwap, addrTopic(router), addrTopic(trader)}, word("1")+word("2")+word("3"), 101, 5) + `]}`
	_, err = parseBody(t, Input{Source: "etherscan.getlogs", Token: pepeToken}, bad)
	wantClass(t, err, pipeline.ClassPermanent, "$.result[0].data", "has 192 hex digits, want 256")

	// A log from an unrelated contract.
	other := `{"status":"1","message":"OK","result":[` +
		logJSON("0xdAC17F958D2ee523a2206206994597C13D831ec7", []string{evm.TopicSync}, word("1")+word("2"), 101, 5) + `]}`
	_, err = parseBody(t, Input{Source: "etherscan.getlogs", Token: pepeToken}, other)
	wantClass(t, err, pipeline.ClassPermanent, "$.result[0].address", "neither the pair")

	// A bad hex quantity.
	hexBad := strings.Replace(pairLogsBody(), `"blockNumber":"0x64"`, `"blockNumber":"100"`, 1)
	_, err = parseBody(t, Input{Source: "etherscan.getlogs", Token: pepeToken}, hexBad)
	wantClass(t, err, pipeline.ClassPermanent, "$.result[0].blockNumber", "not a 0x hex quantity")

	// "No records found" is an empty page.
	rows, err := parseBody(t, Input{Source: "etherscan.getlogs", Token: pepeToken}, `{"status":"0","message":"No records found","result":[]}`)
	if err != nil || len(rows) != 0 {
		t.Errorf("no records: %d rows, %v", len(rows), err)
	}
}
