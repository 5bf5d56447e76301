package clean

import (
	"fmt"
	"strings"

	"memepipe/evm"
)

// QuoteToken is the other side of a token's DEX pair (WETH, USDC).
type QuoteToken struct {
	Address  string
	Decimals int
}

// knownQuotes are the quote tokens meme pairs trade against, by chain and
// symbol, so that a watchlist naming only quote_symbol is enough to tell
// which side of a Uniswap V2 pair is the token (token0 is the lower
// address).
var knownQuotes = map[string]map[string]QuoteToken{
	"ethereum": {
		"WETH": {"0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", 18},
		"USDC": {"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", 6},
		"USDT": {"0xdac17f958d2ee523a2206206994597c13d831ec7", 6},
		"DAI":  {"0x6b175474e89094c44da98b954eedeac495271d0f", 18},
	},
	"bsc": {
		"WBNB": {"0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c", 18},
		"BUSD": {"0xe9e7cea3dedca5984780bafc599bd69add087d56", 18},
		"USDT": {"0x55d398326f99059ff775485246999027b3197955", 18},
	},
	"base": {
		"WETH": {"0x4200000000000000000000000000000000000006", 18},
		"USDC": {"0x833589fcd6edb6e08f4c7c32d4f71b54bda02913", 6},
	},
	"arbitrum": {
		"WETH": {"0x82af49447d8a07e3bd95bd0d56f35241523fbab1", 18},
	},
	"polygon": {
		"WMATIC": {"0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270", 18},
	},
	"avalanche": {
		"WAVAX": {"0xb31f66aa3c1e785363f0875a1b74e27b85fd66c7", 18},
	},
}

// KnownQuote returns the quote token of a chain by symbol.
func KnownQuote(chain, symbol string) (QuoteToken, bool) {
	q, ok := knownQuotes[strings.ToLower(chain)][strings.ToUpper(symbol)]
	if !ok {
		return QuoteToken{}, false
	}
	q.Address, _ = evm.ChecksumAddress(q.Address)
	return q, true
}

// pairSide is what decoding a pair's events needs to know.
type pairSide struct {
	pair          string // EIP-55
	token         string // EIP-55
	tokenIs0      bool
	tokenDecimals int
	quoteDecimals int
}

// pairContext works out the watched token's side of its pair: from
// in.Quote, else from the watchlist's quote_symbol on the token's chain.
func (in Input) pairContext(chain string) (pairSide, error) {
	t := in.Token
	if t == nil || t.Address == "" {
		return pairSide{}, fmt.Errorf("pair events need the watched token (its address and decimals) to tell buys from sells")
	}
	q := in.Quote
	if q == nil {
		if known, ok := KnownQuote(chain, t.QuoteSymbol); ok {
			q = &known
		}
	}
	if q == nil {
		return pairSide{}, fmt.Errorf("quote token %q on %s is unknown: give its address and decimals", t.QuoteSymbol, chain)
	}
	token, err := evm.ChecksumAddress(t.Address)
	if err != nil {
		return pairSide{}, fmt.Errorf("token address: %w", err)
	}
	quote, err := evm.ChecksumAddress(q.Address)
	if err != nil {
		return pairSide{}, fmt.Errorf("quote address: %w", err)
	}
	if strings.EqualFold(token, quote) {
		return pairSide{}, fmt.Errorf("token and quote are the same contract %s", token)
	}
	ps := pairSide{
		token: token, tokenDecimals: t.Decimals, quoteDecimals: q.Decimals,
		// Uniswap V2 orders a pair's tokens by address: token0 < token1.
		tokenIs0: strings.ToLower(token) < strings.ToLower(quote),
	}
	if t.Pair != "" {
		if ps.pair, err = evm.ChecksumAddress(t.Pair); err != nil {
			return pairSide{}, fmt.Errorf("pair address: %w", err)
		}
	}
	return ps, nil
}
