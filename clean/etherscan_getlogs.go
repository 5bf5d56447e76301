package clean

import (
	"context"
	"encoding/json"
	"math/big"
	"strings"
	"time"

	"memepipe/canonical"
	"memepipe/evm"
)

func init() { Register(getLogsParser{}) }

// getLogsParser reads module=logs&action=getLogs for a token's Uniswap V2
// pair: Swap (trades), Mint and Burn (liquidity added and removed), Sync
// (reserves) and the pair's own Transfer events (LP tokens: burned or
// locked LP is a rug-pull signal). Transfer events of the token contract
// itself become transfers with their real log index. Other pair events
// (Approval) are skipped; a log from any other contract is an error, as
// it means the request was not the one this parser expects.
type getLogsParser struct{}

func (getLogsParser) Source() string { return "etherscan.getlogs" }

type logRow struct {
	Address          string   `json:"address"`
	Topics           []string `json:"topics"`
	Data             string   `json:"data"`
	BlockNumber      string   `json:"blockNumber"`
	TimeStamp        string   `json:"timeStamp"`
	LogIndex         string   `json:"logIndex"`
	TransactionHash  string   `json:"transactionHash"`
	TransactionIndex string   `json:"transactionIndex"`
}

// lpDecimals: Uniswap V2 LP tokens always have 18 decimals.
const lpDecimals = 18

func (getLogsParser) Parse(ctx context.Context, in Input, emit Emit) error {
	chain := in.chain()
	side, sideErr := in.pairContext(chain)
	if sideErr == nil && side.pair == "" {
		// No pair in the watchlist: the request's address is the pair.
		if a := in.query("address"); a != "" {
			side.pair, _ = evm.ChecksumAddress(a)
		}
	}
	return in.etherscanResult(ctx, func(dec *json.Decoder, path string) error {
		var r logRow
		if err := dec.Decode(&r); err != nil {
			return in.jsonErr(path, err)
		}
		addr, err := in.address(path+".address", r.Address)
		if err != nil {
			return err
		}
		if len(r.Topics) == 0 {
			return in.errAtf(path+".topics", "no topics (anonymous events are not pair events)")
		}
		topic0 := strings.ToLower(r.Topics[0])
		var h logHeader
		if h.block, err = evm.ParseHexUint64(r.BlockNumber); err != nil {
			return in.errAt(path+".blockNumber", err)
		}
		secs, err := evm.ParseHexUint64(r.TimeStamp)
		if err != nil {
			return in.errAt(path+".timeStamp", err)
		}
		if h.ts, err = unixTime(secs); err != nil {
			return in.errAt(path+".timeStamp", err)
		}
		if h.logIndex, err = evm.ParseHexUint64(r.LogIndex); err != nil {
			return in.errAt(path+".logIndex", err)
		}
		if h.txIndex, err = evm.ParseHexUint64(r.TransactionIndex); err != nil {
			return in.errAt(path+".transactionIndex", err)
		}
		if h.tx, err = in.txHash(path+".transactionHash", r.TransactionHash); err != nil {
			return err
		}
		h.chain, h.addr = chain, addr

		if sideErr == nil && strings.EqualFold(addr, side.token) {
			if topic0 != evm.TopicTransfer {
				return nil // the token's other events (Approval, OwnershipTransferred)
			}
			row, err := in.transferLog(path, r, h, side.token, side.tokenDecimals)
			if err != nil {
				return err
			}
			return emit(row)
		}
		if sideErr == nil && side.pair != "" && !strings.EqualFold(addr, side.pair) {
			return in.errAtf(path+".address", "log from %s, which is neither the pair %s nor the token %s", addr, side.pair, side.token)
		}
		switch topic0 {
		case evm.TopicTransfer:
			row, err := in.transferLog(path, r, h, addr, lpDecimals)
			if err != nil {
				return err
			}
			return emit(row)
		case evm.TopicSwap, evm.TopicMint, evm.TopicBurn, evm.TopicSync:
		default:
			return nil // Approval and other pair events carry no trade data
		}
		if sideErr != nil {
			return in.errAt(path, sideErr)
		}
		switch topic0 {
		case evm.TopicSwap:
			row, ok, err := in.swapLog(path, r, h, side)
			if err != nil || !ok {
				return err
			}
			return emit(row)
		case evm.TopicMint, evm.TopicBurn:
			row, err := in.liquidityLog(path, r, h, side, topic0 == evm.TopicBurn)
			if err != nil {
				return err
			}
			return emit(row)
		default: // Sync
			w, err := in.logWords(path, r, 1, 2)
			if err != nil {
				return err
			}
			tok, quo := w[0], w[1]
			if !side.tokenIs0 {
				tok, quo = quo, tok
			}
			return emit(canonical.PairReserve{
				Chain: chain, TxHash: h.tx, LogIndex: h.logIndex, BlockNumber: h.block, TS: h.ts,
				PairAddress: addr, Token: addressTokenKey(chain, side.token),
				ReserveTokenRaw: tok.String(), ReserveToken: evm.FormatUnits(tok, side.tokenDecimals),
				ReserveQuoteRaw: quo.String(), ReserveQuote: evm.FormatUnits(quo, side.quoteDecimals),
				ReserveQuoteFloat: evm.UnitsFloat(quo, side.quoteDecimals),
			})
		}
	})
}

type logHeader struct {
	chain, addr, tx          string
	block, logIndex, txIndex int64
	ts                       time.Time
}

// logWords checks the topic count and splits the data into words.
func (in Input) logWords(path string, r logRow, topics, words int) ([]*big.Int, error) {
	if len(r.Topics) != topics {
		return nil, in.errAtf(path+".topics", "%d topics, want %d for this event", len(r.Topics), topics)
	}
	w, err := evm.DataWords(r.Data, words)
	if err != nil {
		return nil, in.errAt(path+".data", err)
	}
	return w, nil
}

func (in Input) topicAddress(path string, r logRow, i int) (string, error) {
	a, err := evm.TopicAddress(r.Topics[i])
	if err != nil {
		return "", in.errAt(path+".topics["+itoa(i)+"]", err)
	}
	return a, nil
}

func (in Input) transferLog(path string, r logRow, h logHeader, token string, decimals int) (canonical.Transfer, error) {
	w, err := in.logWords(path, r, 3, 1)
	if err != nil {
		return canonical.Transfer{}, err
	}
	from, err := in.topicAddress(path, r, 1)
	if err != nil {
		return canonical.Transfer{}, err
	}
	to, err := in.topicAddress(path, r, 2)
	if err != nil {
		return canonical.Transfer{}, err
	}
	return canonical.Transfer{
		Chain: h.chain, TxHash: h.tx, LogIndex: h.logIndex, BlockNumber: h.block, TxIndex: h.txIndex, TS: h.ts,
		TokenAddress: token, Token: addressTokenKey(h.chain, token), FromAddress: from, ToAddress: to,
		ValueRaw: w[0].String(), Value: evm.FormatUnits(w[0], decimals), ValueFloat: evm.UnitsFloat(w[0], decimals),
		Decimals: decimals, Source: in.Source,
	}, nil
}

// swapLog decodes Swap(sender, amount0In, amount1In, amount0Out,
// amount1Out, to). The side comes from the token's net flow: out of the
// pair is a buy, into it a sell. A swap that moves no net token (possible
// with flash swaps) is not a trade of the token and gives no row.
func (in Input) swapLog(path string, r logRow, h logHeader, s pairSide) (canonical.Swap, bool, error) {
	w, err := in.logWords(path, r, 3, 4)
	if err != nil {
		return canonical.Swap{}, false, err
	}
	sender, err := in.topicAddress(path, r, 1)
	if err != nil {
		return canonical.Swap{}, false, err
	}
	to, err := in.topicAddress(path, r, 2)
	if err != nil {
		return canonical.Swap{}, false, err
	}
	tIn, qIn, tOut, qOut := w[0], w[1], w[2], w[3]
	if !s.tokenIs0 {
		tIn, qIn, tOut, qOut = w[1], w[0], w[3], w[2]
	}
	netToken := new(big.Int).Sub(tOut, tIn)
	netQuote := new(big.Int).Sub(qIn, qOut)
	var sideName string
	switch netToken.Sign() {
	case 0:
		return canonical.Swap{}, false, nil
	case 1:
		sideName = "buy"
	default:
		sideName = "sell"
		netToken.Neg(netToken)
		netQuote.Neg(netQuote)
	}
	// Quote normally flows the other way; a fee-on-transfer token can
	// make it odd, and the magnitude is still the traded amount.
	netQuote.Abs(netQuote)
	sw := canonical.Swap{
		Chain: h.chain, TxHash: h.tx, LogIndex: h.logIndex, BlockNumber: h.block, TxIndex: h.txIndex, TS: h.ts,
		PairAddress: h.addr, Token: addressTokenKey(h.chain, s.token), Side: sideName,
		AmountTokenRaw: netToken.String(), AmountToken: evm.FormatUnits(netToken, s.tokenDecimals),
		AmountTokenFloat: evm.UnitsFloat(netToken, s.tokenDecimals),
		AmountQuoteRaw:   netQuote.String(), AmountQuote: evm.FormatUnits(netQuote, s.quoteDecimals),
		AmountQuoteFloat: evm.UnitsFloat(netQuote, s.quoteDecimals),
		Sender:           sender, Trader: to,
	}
	if sw.AmountTokenFloat > 0 {
		sw.Price = sw.AmountQuoteFloat / sw.AmountTokenFloat
	}
	return sw, true, nil
}

// liquidityLog decodes Mint(sender, amount0, amount1) and
// Burn(sender, amount0, amount1, to).
func (in Input) liquidityLog(path string, r logRow, h logHeader, s pairSide, burn bool) (canonical.LiquidityEvent, error) {
	topics := 2
	if burn {
		topics = 3
	}
	w, err := in.logWords(path, r, topics, 2)
	if err != nil {
		return canonical.LiquidityEvent{}, err
	}
	sender, err := in.topicAddress(path, r, 1)
	if err != nil {
		return canonical.LiquidityEvent{}, err
	}
	ev := canonical.LiquidityEvent{
		Chain: h.chain, TxHash: h.tx, LogIndex: h.logIndex, BlockNumber: h.block, TxIndex: h.txIndex, TS: h.ts,
		PairAddress: h.addr, Token: addressTokenKey(h.chain, s.token), Kind: "mint", Sender: sender,
	}
	if burn {
		ev.Kind = "burn"
		if ev.ToAddress, err = in.topicAddress(path, r, 2); err != nil {
			return canonical.LiquidityEvent{}, err
		}
	}
	tok, quo := w[0], w[1]
	if !s.tokenIs0 {
		tok, quo = quo, tok
	}
	ev.AmountTokenRaw, ev.AmountToken = tok.String(), evm.FormatUnits(tok, s.tokenDecimals)
	ev.AmountQuoteRaw, ev.AmountQuote = quo.String(), evm.FormatUnits(quo, s.quoteDecimals)
	return ev, nil
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
