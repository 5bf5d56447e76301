// Package watchlist names the tokens memepipe follows and how each source
// finds them: contract and DEX pair on chain, Yahoo ticker, search query,
// fundamentals pages. Config fills it; the demo fills it from the simulator.
package watchlist

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Token is one watched token. A symbol alone does not identify a token (two
// different "PEPE" exist): (Chain, Address) does, and Symbol is for people.
type Token struct {
	Symbol   string `json:"symbol" koanf:"symbol" yaml:"symbol"`
	Name     string `json:"name,omitempty" koanf:"name" yaml:"name,omitempty"`
	Chain    string `json:"chain" koanf:"chain" yaml:"chain"`       // e.g. "ethereum"
	Address  string `json:"address" koanf:"address" yaml:"address"` // ERC-20 contract, 0x...
	Decimals int    `json:"decimals" koanf:"decimals" yaml:"decimals"`
	// Pair is the token's main DEX pair (Uniswap V2 style) whose Swap,
	// Mint and Burn events carry trades and liquidity.
	Pair string `json:"pair,omitempty" koanf:"pair" yaml:"pair,omitempty"`
	// QuoteSymbol is the pair's other side (WETH, USDC).
	QuoteSymbol string `json:"quote_symbol,omitempty" koanf:"quote_symbol" yaml:"quote_symbol,omitempty"`
	// YahooTicker is the Yahoo Finance symbol (DOGE-USD); empty when the
	// token is not listed there, as most new meme tokens are not.
	YahooTicker string `json:"yahoo_ticker,omitempty" koanf:"yahoo_ticker" yaml:"yahoo_ticker,omitempty"`
	// Query is the X search query; default "$SYMBOL OR #SYMBOL -is:retweet".
	Query string `json:"query,omitempty" koanf:"query" yaml:"query,omitempty"`
	// Pages are fundamentals pages to scrape, by site name (see source/scrape).
	Pages map[string]string `json:"pages,omitempty" koanf:"pages" yaml:"pages,omitempty"`
	// LaunchBlock is the block the token was created in, where known: the
	// on-chain collectors start there instead of at block 0.
	LaunchBlock uint64 `json:"launch_block,omitempty" koanf:"launch_block" yaml:"launch_block,omitempty"`
}

var addressRE = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// SearchQuery is the X query for the token.
func (t Token) SearchQuery() string {
	if t.Query != "" {
		return t.Query
	}
	return fmt.Sprintf("($%s OR #%s) -is:retweet", t.Symbol, t.Symbol)
}

// Key identifies the token in stores and raw keys: chain:address in lower
// case, or the symbol when no address is known.
func (t Token) Key() string {
	if t.Address == "" {
		return strings.ToUpper(t.Symbol)
	}
	return strings.ToLower(t.Chain + ":" + t.Address)
}

// Validate reports every problem with the token, joined.
func (t Token) Validate() error {
	var errs []error
	if strings.TrimSpace(t.Symbol) == "" {
		errs = append(errs, errors.New("symbol is empty"))
	}
	if t.Address != "" && !addressRE.MatchString(t.Address) {
		errs = append(errs, fmt.Errorf("address %q is not a 0x-prefixed 20-byte hex address", t.Address))
	}
	if t.Pair != "" && !addressRE.MatchString(t.Pair) {
		errs = append(errs, fmt.Errorf("pair %q is not a 0x-prefixed 20-byte hex address", t.Pair))
	}
	if t.Address != "" && t.Chain == "" {
		errs = append(errs, errors.New("address given without chain"))
	}
	if t.Decimals < 0 || t.Decimals > 77 {
		errs = append(errs, fmt.Errorf("decimals %d out of range 0..77", t.Decimals))
	}
	if len(t.SearchQuery()) > 512 {
		errs = append(errs, fmt.Errorf("search query is %d characters; X allows 512", len(t.SearchQuery())))
	}
	return errors.Join(errs...)
}

// List is a watchlist.
type List []Token

// Validate checks every token and that no (chain, address) repeats.
func (l List) Validate() error {
	var errs []error
	seen := map[string]int{}
	for i, t := range l {
		if err := t.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("tokens[%d] (%s): %w", i, t.Symbol, err))
		}
		if j, ok := seen[t.Key()]; ok {
			errs = append(errs, fmt.Errorf("tokens[%d] (%s): same token as tokens[%d]", i, t.Symbol, j))
		}
		seen[t.Key()] = i
	}
	return errors.Join(errs...)
}

// BySymbol returns the tokens with the given symbol (case-insensitive): more
// than one when a symbol is shared.
func (l List) BySymbol(sym string) []Token {
	var out []Token
	for _, t := range l {
		if strings.EqualFold(t.Symbol, sym) {
			out = append(out, t)
		}
	}
	return out
}

// ByAddress returns the token with the chain and contract address.
func (l List) ByAddress(chain, addr string) (Token, bool) {
	for _, t := range l {
		if strings.EqualFold(t.Chain, chain) && strings.EqualFold(t.Address, addr) {
			return t, true
		}
	}
	return Token{}, false
}
