package canonical

import (
	"time"

	"memepipe/evm"
	"memepipe/watchlist"
)

// Token is a watched token (table tokens), written from the watchlist so
// that every `token` column joins to something. Key: token.
type Token struct {
	Token       string `json:"token" col:"key"` // watchlist.Token.Key()
	Symbol      string `json:"symbol"`
	Name        string `json:"name"`
	Chain       string `json:"chain"`
	Address     string `json:"address"` // EIP-55, empty for address-less tokens
	Decimals    int    `json:"decimals"`
	Pair        string `json:"pair"`
	QuoteSymbol string `json:"quote_symbol"`
	YahooTicker string `json:"yahoo_ticker"`
}

func (r Token) Table() string      { return TableTokens }
func (r Token) KeyParts() []string { return []string{r.Token} }
func (r Token) Key() string        { return joinKey(r.KeyParts()...) }

// PriceBar is one OHLCV bar (table price_bars). Key: token, bar_interval,
// ts. A bar with any null in the source arrays is dropped by the parser,
// so every price here is a real observation.
type PriceBar struct {
	Token       string    `json:"token" col:"key"`
	BarInterval string    `json:"bar_interval" col:"key"` // Yahoo's granularity: 1m, 5m, 1h, 1d...
	TS          time.Time `json:"ts" col:"key"`           // bar open time, UTC
	Open        float64   `json:"open"`
	High        float64   `json:"high"`
	Low         float64   `json:"low"`
	Close       float64   `json:"close"`
	// AdjClose is the split- and dividend-adjusted close; null where the
	// source gives none (intraday bars).
	AdjClose *float64 `json:"adj_close"`
	Volume   float64  `json:"volume"`
	Currency string   `json:"currency"`
	Source   string   `json:"source"`
}

func (r PriceBar) Table() string { return TablePriceBars }
func (r PriceBar) KeyParts() []string {
	return []string{r.Token, r.BarInterval, ts(r.TS)}
}
func (r PriceBar) Key() string { return joinKey(r.KeyParts()...) }

// CorporateAction is a split or dividend (table corporate_actions). Key:
// token, kind, ts.
//
// These are a table of their own, not columns of price_bars: Yahoo reports
// them in a separate "events" object keyed by their own timestamps, which
// need not coincide with a bar (an event can fall on a bar that was dropped
// for nulls, or outside the bars returned), and they are sparse. Analytics
// that need unadjusted returns join them by (token, ts).
type CorporateAction struct {
	Token string    `json:"token" col:"key"`
	Kind  string    `json:"kind" col:"key"` // "split" or "dividend"
	TS    time.Time `json:"ts" col:"key"`
	// Dividend amount per share, in Currency (dividends only).
	Amount *float64 `json:"amount"`
	// Split ratio numerator:denominator (splits only), e.g. 4:1.
	Numerator   *float64 `json:"numerator"`
	Denominator *float64 `json:"denominator"`
	SplitRatio  string   `json:"split_ratio"`
	Currency    string   `json:"currency"`
	Source      string   `json:"source"`
}

func (r CorporateAction) Table() string      { return TableCorporateActions }
func (r CorporateAction) KeyParts() []string { return []string{r.Token, r.Kind, ts(r.TS)} }
func (r CorporateAction) Key() string        { return joinKey(r.KeyParts()...) }

// Quote is a price snapshot (table quotes). Key: token, source, fetched_at.
//
// The key is (token, fetched_at); source is added because Yahoo,
// CoinGecko, DexScreener and scraped pages all give quotes for one token
// and may share a second. FetchedAt is the time the quote describes: the
// raw object's fetched_at for snapshot endpoints, the point's own time for
// series (CoinGecko market_chart).
type Quote struct {
	Token             string     `json:"token" col:"key"`
	Source            string     `json:"source" col:"key"`
	FetchedAt         time.Time  `json:"fetched_at" col:"key"`
	Price             *float64   `json:"price"`
	MarketCap         *float64   `json:"market_cap"`
	Volume24h         *float64   `json:"volume_24h"`
	CirculatingSupply *float64   `json:"circulating_supply"`
	Currency          string     `json:"currency"`
	MarketTime        *time.Time `json:"market_time"` // the source's own quote time, when given
}

func (r Quote) Table() string      { return TableQuotes }
func (r Quote) KeyParts() []string { return []string{r.Token, r.Source, ts(r.FetchedAt)} }
func (r Quote) Key() string        { return joinKey(r.KeyParts()...) }

// HolderBreakdown is Yahoo's majorHoldersBreakdown (table
// holder_breakdowns). Key: token, fetched_at. Fractions are 0..1.
type HolderBreakdown struct {
	Token                string    `json:"token" col:"key"`
	FetchedAt            time.Time `json:"fetched_at" col:"key"`
	InsidersPct          *float64  `json:"insiders_pct"`
	InstitutionsPct      *float64  `json:"institutions_pct"`
	InstitutionsFloatPct *float64  `json:"institutions_float_pct"`
	InstitutionsCount    *int64    `json:"institutions_count"`
}

func (r HolderBreakdown) Table() string      { return TableHolderBreakdowns }
func (r HolderBreakdown) KeyParts() []string { return []string{r.Token, ts(r.FetchedAt)} }
func (r HolderBreakdown) Key() string        { return joinKey(r.KeyParts()...) }

// Fundamentals are a token's market and project facts from one source
// (table fundamentals). Key: token, source, fetched_at.
type Fundamentals struct {
	Token             string     `json:"token" col:"key"`
	Source            string     `json:"source" col:"key"` // coingecko, dexscreener, coinmarketcap...
	FetchedAt         time.Time  `json:"fetched_at" col:"key"`
	MarketCap         *float64   `json:"market_cap"`
	FDV               *float64   `json:"fdv"`
	CirculatingSupply *float64   `json:"circulating_supply"`
	TotalSupply       *float64   `json:"total_supply"`
	HoldersCount      *int64     `json:"holders_count"`
	LiquidityUSD      *float64   `json:"liquidity_usd"`
	Website           string     `json:"website"`
	Twitter           string     `json:"twitter"`
	Telegram          string     `json:"telegram"`
	LaunchedAt        *time.Time `json:"launched_at"`
}

func (r Fundamentals) Table() string      { return TableFundamentals }
func (r Fundamentals) KeyParts() []string { return []string{r.Token, r.Source, ts(r.FetchedAt)} }
func (r Fundamentals) Key() string        { return joinKey(r.KeyParts()...) }

// TokenRow is the tokens row of a watchlist token.
func TokenRow(t watchlist.Token) Token {
	addr := t.Address
	if c, err := evm.ChecksumAddress(addr); err == nil {
		addr = c
	}
	pair := t.Pair
	if c, err := evm.ChecksumAddress(pair); err == nil {
		pair = c
	}
	return Token{
		Token: t.Key(), Symbol: t.Symbol, Name: t.Name, Chain: t.Chain, Address: addr,
		Decimals: t.Decimals, Pair: pair, QuoteSymbol: t.QuoteSymbol, YahooTicker: t.YahooTicker,
	}
}
