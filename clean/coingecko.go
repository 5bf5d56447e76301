package clean

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"memepipe/canonical"
	"memepipe/evm"
)

func init() {
	Register(coinGeckoCoinParser{})
	Register(coinGeckoMarketChartParser{})
}

// coinGeckoPlatforms maps CoinGecko asset platform ids to watchlist chains.
var coinGeckoPlatforms = map[string]string{
	"ethereum":            "ethereum",
	"binance-smart-chain": "bsc",
	"polygon-pos":         "polygon",
	"arbitrum-one":        "arbitrum",
	"optimistic-ethereum": "optimism",
	"base":                "base",
	"avalanche":           "avalanche",
	"xdai":                "gnosis",
	"solana":              "solana",
}

// coinGeckoCoinParser reads /coins/{id} and
// /coins/{platform}/contract/{address}: fundamentals (market cap, FDV,
// supplies, links, genesis date) and a USD quote.
type coinGeckoCoinParser struct{}

func (coinGeckoCoinParser) Source() string { return "coingecko.coin" }

type coinBody struct {
	ID              string            `json:"id"`
	Symbol          string            `json:"symbol"`
	AssetPlatformID *string           `json:"asset_platform_id"`
	Platforms       map[string]string `json:"platforms"`
	ContractAddress string            `json:"contract_address"`
	GenesisDate     *string           `json:"genesis_date"`
	LastUpdated     string            `json:"last_updated"`
	Links           struct {
		Homepage          []string `json:"homepage"`
		TwitterScreenName string   `json:"twitter_screen_name"`
		TelegramChannel   string   `json:"telegram_channel_identifier"`
	} `json:"links"`
	MarketData *struct {
		CurrentPrice      map[string]json.Number `json:"current_price"`
		MarketCap         map[string]json.Number `json:"market_cap"`
		FDV               map[string]json.Number `json:"fully_diluted_valuation"`
		TotalVolume       map[string]json.Number `json:"total_volume"`
		CirculatingSupply *json.Number           `json:"circulating_supply"`
		TotalSupply       *json.Number           `json:"total_supply"`
		LastUpdated       string                 `json:"last_updated"`
	} `json:"market_data"`
	Error  string `json:"error"`
	Status *struct {
		ErrorCode    int    `json:"error_code"`
		ErrorMessage string `json:"error_message"`
	} `json:"status"`
}

func (coinGeckoCoinParser) Parse(ctx context.Context, in Input, emit Emit) error {
	var c coinBody
	if err := in.decodeWhole(&c); err != nil {
		return err
	}
	if err := in.coinGeckoError(c.Error, c.Status); err != nil {
		return err
	}
	if c.ID == "" {
		return in.errAtf("$.id", "missing: not a CoinGecko coin object")
	}
	token, err := in.coinGeckoToken(c)
	if err != nil {
		return err
	}
	fetched := in.FetchedAt
	if fetched.IsZero() {
		return in.errAtf("$", "fetched_at is unknown (snapshot rows are keyed by it): give the raw object's metadata")
	}
	f := canonical.Fundamentals{Token: token, Source: in.Source, FetchedAt: fetched.UTC()}
	for _, h := range c.Links.Homepage {
		if h = strings.TrimSpace(h); h != "" {
			f.Website = h
			break
		}
	}
	if s := strings.TrimSpace(c.Links.TwitterScreenName); s != "" {
		f.Twitter = "https://twitter.com/" + s
	}
	if s := strings.TrimSpace(c.Links.TelegramChannel); s != "" {
		f.Telegram = "https://t.me/" + s
	}
	if c.GenesisDate != nil && *c.GenesisDate != "" {
		d, err := time.Parse("2006-01-02", *c.GenesisDate)
		if err != nil {
			return in.errAtf("$.genesis_date", "%q is not a date", clip(*c.GenesisDate, 30))
		}
		f.LaunchedAt = canonical.Time(d)
	}
	md := c.MarketData
	if md != nil {
		var err error
		if f.MarketCap, err = in.cgNum("$.market_data.market_cap.usd", md.MarketCap["usd"]); err != nil {
			return err
		}
		if f.FDV, err = in.cgNum("$.market_data.fully_diluted_valuation.usd", md.FDV["usd"]); err != nil {
			return err
		}
		if f.CirculatingSupply, err = in.cgNumPtr("$.market_data.circulating_supply", md.CirculatingSupply); err != nil {
			return err
		}
		if f.TotalSupply, err = in.cgNumPtr("$.market_data.total_supply", md.TotalSupply); err != nil {
			return err
		}
	}
	if err := emit(f); err != nil {
		return err
	}
	if md == nil {
		return nil
	}
	q := canonical.Quote{Token: token, Source: in.Source, FetchedAt: fetched.UTC(), Currency: "USD",
		MarketCap: f.MarketCap, CirculatingSupply: f.CirculatingSupply}
	if q.Price, err = in.cgNum("$.market_data.current_price.usd", md.CurrentPrice["usd"]); err != nil {
		return err
	}
	if q.Volume24h, err = in.cgNum("$.market_data.total_volume.usd", md.TotalVolume["usd"]); err != nil {
		return err
	}
	if t, err := time.Parse(time.RFC3339Nano, firstNonEmpty(md.LastUpdated, c.LastUpdated)); err == nil {
		q.MarketTime = canonical.Time(t)
	}
	if q.Price == nil {
		return nil
	}
	return emit(q)
}

func (in Input) cgNum(path string, n json.Number) (*float64, error) {
	v, err := numberFloat(n)
	if err != nil {
		return nil, in.errAt(path, err)
	}
	return v, nil
}

func (in Input) cgNumPtr(path string, n *json.Number) (*float64, error) {
	if n == nil {
		return nil, nil
	}
	return in.cgNum(path, *n)
}

// coinGeckoError classifies CoinGecko's error bodies: {"error": "coin not
// found"} and {"status": {"error_code": 429, "error_message": ...}}.
func (in Input) coinGeckoError(msg string, status *struct {
	ErrorCode    int    `json:"error_code"`
	ErrorMessage string `json:"error_message"`
}) error {
	if status != nil && status.ErrorCode != 0 {
		kind := UpstreamOther
		switch {
		case status.ErrorCode == 429:
			kind = UpstreamRateLimited
		case status.ErrorCode == 401 || status.ErrorCode == 403 || status.ErrorCode == 10002 || status.ErrorCode == 10010:
			kind = UpstreamAuth
		case status.ErrorCode >= 400 && status.ErrorCode < 500:
			kind = UpstreamRequest
		}
		return in.upstream(kind, strconv.Itoa(status.ErrorCode)+": "+status.ErrorMessage)
	}
	if msg != "" {
		return in.upstream(UpstreamRequest, msg)
	}
	return nil
}

// coinGeckoToken is the token a coin object describes. With a context
// token that has a contract, the coin must list that contract on the
// token's chain: a coin matched by symbol only is the wrong-PEPE trap.
func (in Input) coinGeckoToken(c coinBody) (string, error) {
	if t := in.Token; t != nil {
		if t.Address != "" {
			for platform, addr := range c.Platforms {
				if chain, ok := coinGeckoPlatforms[platform]; ok && strings.EqualFold(chain, t.Chain) {
					if !strings.EqualFold(addr, t.Address) {
						return "", in.errAtf("$.platforms."+platform, "coin %q is contract %s on %s, not the token's %s", c.ID, addr, chain, t.Address)
					}
					return t.Key(), nil
				}
			}
			if c.ContractAddress != "" && !strings.EqualFold(c.ContractAddress, t.Address) {
				return "", in.errAtf("$.contract_address", "coin %q is contract %s, not the token's %s", c.ID, c.ContractAddress, t.Address)
			}
		}
		return t.Key(), nil
	}
	// No context: the coin's own platform contract, preferring the
	// platform the response was asked for.
	if c.AssetPlatformID != nil {
		if chain, ok := coinGeckoPlatforms[*c.AssetPlatformID]; ok {
			if a := c.Platforms[*c.AssetPlatformID]; a != "" {
				if _, err := evm.ChecksumAddress(a); err == nil {
					for _, t := range in.Watchlist {
						if strings.EqualFold(t.Chain, chain) && strings.EqualFold(t.Address, a) {
							return t.Key(), nil
						}
					}
					return addressTokenKey(chain, a), nil
				}
			}
		}
	}
	return strings.ToUpper(c.Symbol), nil
}

// coinGeckoMarketChartParser reads /coins/{id}/market_chart[/range]:
// [ms, value] series of price, market cap and volume, one quote per point.
type coinGeckoMarketChartParser struct{}

func (coinGeckoMarketChartParser) Source() string { return "coingecko.market_chart" }

func (coinGeckoMarketChartParser) Parse(ctx context.Context, in Input, emit Emit) error {
	var body struct {
		Prices       [][]json.Number `json:"prices"`
		MarketCaps   [][]json.Number `json:"market_caps"`
		TotalVolumes [][]json.Number `json:"total_volumes"`
		Error        string          `json:"error"`
		Status       *struct {
			ErrorCode    int    `json:"error_code"`
			ErrorMessage string `json:"error_message"`
		} `json:"status"`
	}
	if err := in.decodeWhole(&body); err != nil {
		return err
	}
	if err := in.coinGeckoError(body.Error, body.Status); err != nil {
		return err
	}
	if body.Prices == nil {
		return in.errAtf("$.prices", "missing: not a CoinGecko market chart")
	}
	token := in.tokenKey()
	if token == "" {
		// The body does not name the coin; the request path does.
		if i := strings.Index(in.URL, "/coins/"); i >= 0 {
			id := strings.SplitN(in.URL[i+len("/coins/"):], "/", 2)[0]
			token = strings.ToUpper(id)
		}
	}
	if token == "" {
		return in.errAtf("$", "the body names no coin; give the token or the request URL")
	}
	type point struct{ price, mcap, vol *float64 }
	points := map[int64]*point{}
	var order []int64
	read := func(name string, series [][]json.Number, set func(*point, float64)) error {
		for i, p := range series {
			path := "$." + name + "[" + strconv.Itoa(i) + "]"
			if len(p) != 2 {
				return in.errAtf(path, "want [ms, value], got %d elements", len(p))
			}
			ms, err := p[0].Int64()
			if err != nil {
				return in.errAtf(path+"[0]", "%q is not a millisecond time", string(p[0]))
			}
			if _, err := unixMilli(ms); err != nil {
				return in.errAt(path+"[0]", err)
			}
			v, err := p[1].Float64()
			if err != nil {
				return in.errAtf(path+"[1]", "%q is not a number", string(p[1]))
			}
			pt, ok := points[ms]
			if !ok {
				pt = &point{}
				points[ms] = pt
				order = append(order, ms)
			}
			set(pt, v)
		}
		return nil
	}
	if err := read("prices", body.Prices, func(p *point, v float64) { p.price = &v }); err != nil {
		return err
	}
	if err := read("market_caps", body.MarketCaps, func(p *point, v float64) { p.mcap = &v }); err != nil {
		return err
	}
	if err := read("total_volumes", body.TotalVolumes, func(p *point, v float64) { p.vol = &v }); err != nil {
		return err
	}
	for _, ms := range order {
		p := points[ms]
		if p.price == nil {
			continue // a point without a price is not a quote
		}
		if err := emit(canonical.Quote{
			Token: token, Source: in.Source, FetchedAt: time.UnixMilli(ms).UTC(),
			Price: p.price, MarketCap: p.mcap, Volume24h: p.vol, Currency: "USD",
		}); err != nil {
			return err
		}
	}
	return ctx.Err()
}
