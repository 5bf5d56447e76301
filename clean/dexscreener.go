package clean

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"memepipe/canonical"
)

func init() { Register(dexScreenerPairsParser{}) }

// dexScreenerPairsParser reads DexScreener's /latest/dex/pairs,
// /latest/dex/tokens and /latest/dex/search responses ({"pairs": [...]}).
// For each base token (or only the context token) it emits fundamentals
// (liquidity summed over its pairs, FDV and market cap of the most liquid
// pair, earliest pair creation as launch, website and socials) and a USD
// quote from the most liquid pair: for new meme tokens, not on Yahoo, this
// is the market quote.
type dexScreenerPairsParser struct{}

func (dexScreenerPairsParser) Source() string { return "dexscreener.pairs" }

type dexPair struct {
	ChainID     string `json:"chainId"`
	PairAddress string `json:"pairAddress"`
	BaseToken   struct {
		Address string `json:"address"`
		Symbol  string `json:"symbol"`
	} `json:"baseToken"`
	PriceUSD  string `json:"priceUsd"`
	Volume    map[string]json.Number
	Liquidity *struct {
		USD *json.Number `json:"usd"`
	} `json:"liquidity"`
	FDV           *json.Number `json:"fdv"`
	MarketCap     *json.Number `json:"marketCap"`
	PairCreatedAt *int64       `json:"pairCreatedAt"`
	Info          *struct {
		Websites []struct {
			URL string `json:"url"`
		} `json:"websites"`
		Socials []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"socials"`
	} `json:"info"`
}

func (dexScreenerPairsParser) Parse(ctx context.Context, in Input, emit Emit) error {
	var body struct {
		SchemaVersion string            `json:"schemaVersion"`
		Pairs         []json.RawMessage `json:"pairs"`
		Pair          json.RawMessage   `json:"pair"`
	}
	if err := in.decodeWhole(&body); err != nil {
		return err
	}
	if body.Pairs == nil && body.SchemaVersion == "" {
		return in.errAtf("$", "not a DexScreener pairs response (no schemaVersion/pairs)")
	}
	if in.FetchedAt.IsZero() {
		return in.errAtf("$", "fetched_at is unknown (snapshot rows are keyed by it): give the raw object's metadata")
	}
	type group struct {
		key   string
		pairs []dexPair
		paths []string
	}
	groups := map[string]*group{}
	var order []string
	for i, raw := range body.Pairs {
		path := "$.pairs[" + strconv.Itoa(i) + "]"
		var p dexPair
		if err := json.Unmarshal(raw, &p); err != nil {
			return in.jsonErr(path, err)
		}
		if p.ChainID == "" || p.BaseToken.Address == "" {
			return in.errAtf(path, "pair without chainId or baseToken.address")
		}
		var key string
		if t := in.Token; t != nil {
			if t.Address == "" {
				if !strings.EqualFold(p.BaseToken.Symbol, t.Symbol) {
					continue
				}
			} else if !strings.EqualFold(p.ChainID, t.Chain) || !strings.EqualFold(p.BaseToken.Address, t.Address) {
				continue // another token's pair, or the token as quote
			}
			key = t.Key()
		} else {
			key = addressTokenKey(p.ChainID, p.BaseToken.Address)
		}
		g, ok := groups[key]
		if !ok {
			g = &group{key: key}
			groups[key] = g
			order = append(order, key)
		}
		g.pairs = append(g.pairs, p)
		g.paths = append(g.paths, path)
	}
	for _, key := range order {
		g := groups[key]
		f := canonical.Fundamentals{Token: key, Source: in.Source, FetchedAt: in.FetchedAt.UTC()}
		q := canonical.Quote{Token: key, Source: in.Source, FetchedAt: in.FetchedAt.UTC(), Currency: "USD"}
		best, bestLiq := -1, -1.0
		var liqSum, volSum float64
		var haveLiq, haveVol bool
		for i, p := range g.pairs {
			path := g.paths[i]
			liq := -1.0
			if p.Liquidity != nil && p.Liquidity.USD != nil {
				v, err := p.Liquidity.USD.Float64()
				if err != nil {
					return in.errAtf(path+".liquidity.usd", "%q is not a number", p.Liquidity.USD.String())
				}
				liq, liqSum, haveLiq = v, liqSum+v, true
			}
			if v, ok := p.Volume["h24"]; ok {
				f, err := v.Float64()
				if err != nil {
					return in.errAtf(path+".volume.h24", "%q is not a number", v.String())
				}
				volSum, haveVol = volSum+f, true
			}
			if liq > bestLiq || best < 0 {
				best, bestLiq = i, liq
			}
			if p.PairCreatedAt != nil && *p.PairCreatedAt > 0 {
				t, err := unixMilli(*p.PairCreatedAt)
				if err != nil {
					return in.errAt(path+".pairCreatedAt", err)
				}
				if f.LaunchedAt == nil || t.Before(*f.LaunchedAt) {
					f.LaunchedAt = &t
				}
			}
		}
		if haveLiq {
			f.LiquidityUSD = canonical.F64(liqSum)
		}
		if haveVol {
			q.Volume24h = canonical.F64(volSum)
		}
		bp, bpath := g.pairs[best], g.paths[best]
		var err error
		if f.FDV, err = in.cgNumPtr(bpath+".fdv", bp.FDV); err != nil {
			return err
		}
		if f.MarketCap, err = in.cgNumPtr(bpath+".marketCap", bp.MarketCap); err != nil {
			return err
		}
		q.MarketCap = f.MarketCap
		if bp.PriceUSD != "" {
			v, err := strconv.ParseFloat(bp.PriceUSD, 64)
			if err != nil {
				return in.errAtf(bpath+".priceUsd", "%q is not a number", clip(bp.PriceUSD, 30))
			}
			q.Price = &v
		}
		// Links: from the most liquid pair that has them.
		idx := make([]int, len(g.pairs))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return idx[a] == best && idx[b] != best })
		for _, i := range idx {
			info := g.pairs[i].Info
			if info == nil {
				continue
			}
			for _, w := range info.Websites {
				if f.Website == "" && w.URL != "" {
					f.Website = w.URL
				}
			}
			for _, s := range info.Socials {
				switch strings.ToLower(s.Type) {
				case "twitter", "x":
					if f.Twitter == "" {
						f.Twitter = s.URL
					}
				case "telegram":
					if f.Telegram == "" {
						f.Telegram = s.URL
					}
				}
			}
		}
		if err := emit(f); err != nil {
			return err
		}
		if q.Price != nil {
			if err := emit(q); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}
