// Package clean turns raw API responses into canonical rows: one parser per
// raw shape, registered by the source name the collectors write into the
// raw zone (twitter.search, yahoo.chart, etherscan.tokentx, ...).
//
// Parsers are pure: the same body and context give the same rows, which is
// what makes re-cleaning idempotent. They stream (rows go to an emit
// callback as they are decoded), and a body is all-or-nothing: when Parse
// returns an error, the caller discards every row of that object (Parse
// below does; a store writes one object per transaction and rolls back).
package clean

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"memepipe/canonical"
	"memepipe/evm"
	"memepipe/watchlist"
)

// Input is one raw object to parse, with the context the parse needs.
type Input struct {
	// Source is the raw source name, e.g. "etherscan.tokentx".
	Source string
	// Key is the raw-zone key (or file path); errors name it.
	Key string
	// Body is the response body, already decompressed.
	Body io.Reader
	// FetchedAt is when the response was fetched (raw metadata). Snapshot
	// rows (quotes, fundamentals, contracts) are keyed by it, so it must
	// come from the raw object, never from the clock.
	FetchedAt time.Time
	// URL is the request URL with secrets removed; some bodies do not name
	// what they describe (getsourcecode's address, Etherscan's chainid).
	URL string
	// Token is the watchlist token the object was collected for, if any.
	Token *watchlist.Token
	// Watchlist maps cashtags and tickers to tokens.
	Watchlist watchlist.List
	// Quote is the other side of the token's DEX pair, for pair events
	// (etherscan.getlogs); by default it is looked up from the token's
	// quote_symbol among the well-known quote tokens (KnownQuote).
	Quote *QuoteToken
}

// Emit receives each row as it is decoded. An error from Emit stops the
// parse and is returned as is.
type Emit func(canonical.Row) error

// Parser parses one raw shape.
type Parser interface {
	// Source is the raw source name the parser reads.
	Source() string
	// Parse decodes in.Body and emits canonical rows. On error the rows
	// already emitted must be discarded by the caller.
	Parse(ctx context.Context, in Input, emit Emit) error
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Parser{}
)

// Register adds p under p.Source(); a second parser for one source panics
// (a programming error caught at init).
func Register(p Parser) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[p.Source()]; dup {
		panic("clean: parser registered twice for " + p.Source())
	}
	registry[p.Source()] = p
}

// ParserFor returns the parser for a raw source name.
func ParserFor(source string) (Parser, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	p, ok := registry[source]
	return p, ok
}

// Sources lists the registered source names, sorted.
func Sources() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]string, 0, len(registry))
	for s := range registry {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Parse parses in with the parser registered for in.Source and returns
// all its rows, or none and the error.
func Parse(ctx context.Context, in Input) ([]canonical.Row, error) {
	p, ok := ParserFor(in.Source)
	if !ok {
		return nil, fmt.Errorf("clean: no parser for source %q (have %s)", in.Source, strings.Join(Sources(), ", "))
	}
	var rows []canonical.Row
	err := p.Parse(ctx, in, func(r canonical.Row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// tokenKey is the context token's key, or "".
func (in Input) tokenKey() string {
	if in.Token == nil {
		return ""
	}
	return in.Token.Key()
}

// query returns a query parameter of the request URL (case-insensitive
// name, as Etherscan accepts both startblock and startBlock).
func (in Input) query(name string) string {
	if in.URL == "" {
		return ""
	}
	u, err := url.Parse(in.URL)
	if err != nil {
		return ""
	}
	for k, v := range u.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// chain is the chain the object's on-chain rows belong to: the context
// token's, else the URL's Etherscan v2 chainid, else "ethereum", the chain
// Etherscan's v1 API (no chainid) served.
func (in Input) chain() string {
	if in.Token != nil && in.Token.Chain != "" {
		return strings.ToLower(in.Token.Chain)
	}
	if id := in.query("chainid"); id != "" {
		if name, ok := evm.ChainName(id); ok {
			return name
		}
		return "chain-" + id
	}
	return "ethereum"
}

// addressTokenKey is the token key of a contract: the watchlist token's
// Key() when watched, which is the same string by construction.
func addressTokenKey(chain, address string) string {
	return strings.ToLower(chain + ":" + address)
}

// checkContext verifies that the context token, when it has a contract
// address, is the token the body describes: rows are never attached to a
// token on the strength of a symbol alone.
func (in Input) contextMatches(chain, address string) bool {
	if in.Token == nil || in.Token.Address == "" {
		return true
	}
	return strings.EqualFold(in.Token.Chain, chain) && strings.EqualFold(in.Token.Address, address)
}
