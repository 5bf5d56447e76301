// Package canonical defines the rows of memepipe's canonical store: one Go
// type per table, whatever source the row came from. The analytics and the
// team's backend read these, never raw API shapes.
//
// Conventions, shared by every table:
//   - JSON tags are the column names; `memepipe parse` prints rows as JSON
//     lines with an added "table" field (MarshalLine).
//   - Times are UTC. Addresses are EIP-55 checksummed; hashes lower-case hex.
//   - Token amounts keep three forms: *_raw, the exact uint256 as a decimal
//     string; the amount in token units as an exact decimal string
//     (raw / 10^decimals, no exponent, no trailing zeros); and *_float, the
//     nearest float64 for analytics that do arithmetic. Only the first two
//     are exact; never round-trip an amount through the float.
//   - Optional numbers are pointers: null means "the source did not say",
//     never zero.
//   - `token` columns hold watchlist.Token.Key(): "chain:0xaddress" in lower
//     case, or the upper-case symbol for a token with no contract address.
//   - Every row has a natural key (KeyParts, Key): upserting by it is what
//     makes cleaning an interval twice leave the same rows.
package canonical

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Row is one canonical row.
type Row interface {
	// Table is the table the row belongs to.
	Table() string
	// KeyParts are the natural key's column values, in key order. An empty
	// part is a missing key value (the not-null check fails on it).
	KeyParts() []string
	// Key is KeyParts joined with "|": unique within Table.
	Key() string
}

// Table names.
const (
	TableTokens           = "tokens"
	TableTweets           = "tweets"
	TablePriceBars        = "price_bars"
	TableCorporateActions = "corporate_actions"
	TableQuotes           = "quotes"
	TableHolderBreakdowns = "holder_breakdowns"
	TableTransfers        = "transfers"
	TableTransactions     = "transactions"
	TableSwaps            = "swaps"
	TableLiquidityEvents  = "liquidity_events"
	TablePairReserves     = "pair_reserves"
	TableContracts        = "contracts"
	TableFundamentals     = "fundamentals"
)

// Tables lists every canonical table, in the order a store creates them.
var Tables = []string{
	TableTokens, TableTweets, TablePriceBars, TableCorporateActions, TableQuotes,
	TableHolderBreakdowns, TableTransfers, TableTransactions, TableSwaps,
	TableLiquidityEvents, TablePairReserves, TableContracts, TableFundamentals,
}

func joinKey(parts ...string) string { return strings.Join(parts, "|") }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ts formats a key time: RFC 3339 in UTC with nanoseconds, empty when unset.
func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// MarshalLine renders r as one JSON object with a leading "table" field and
// the row's columns, the line format of `memepipe parse`.
func MarshalLine(r Row) ([]byte, error) {
	// No HTML escaping: tweet text keeps "&" and "<" readable.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	body := bytes.TrimRight(buf.Bytes(), "\n")
	table, _ := json.Marshal(r.Table())
	out := make([]byte, 0, len(body)+len(table)+10)
	out = append(out, `{"table":`...)
	out = append(out, table...)
	if len(body) > 2 {
		out = append(out, ',')
	}
	out = append(out, body[1:]...)
	return out, nil
}

// F64 returns a pointer to v, for optional numeric columns.
func F64(v float64) *float64 { return &v }

// I64 returns a pointer to v, for optional integer columns.
func I64(v int64) *int64 { return &v }

// Time returns a pointer to t in UTC, or nil for the zero time.
func Time(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
