package sim

import (
	"math"
	"net/http"
	"strconv"
	"strings"
)

type dexTxns struct {
	Buys  int `json:"buys"`
	Sells int `json:"sells"`
}

type dexToken struct {
	Address string `json:"address"`
	Name    string `json:"name"`
	Symbol  string `json:"symbol"`
}

type dexLink struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

type dexSocial struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type dexInfo struct {
	ImageURL string      `json:"imageUrl"`
	Websites []dexLink   `json:"websites"`
	Socials  []dexSocial `json:"socials"`
}

type dexPair struct {
	ChainID       string              `json:"chainId"`
	DexID         string              `json:"dexId"`
	URL           string              `json:"url"`
	PairAddress   string              `json:"pairAddress"`
	BaseToken     dexToken            `json:"baseToken"`
	QuoteToken    dexToken            `json:"quoteToken"`
	PriceNative   string              `json:"priceNative"`
	PriceUsd      string              `json:"priceUsd"`
	Txns          dexWindows[dexTxns] `json:"txns"`
	Volume        dexWindows[float64] `json:"volume"`
	PriceChange   dexWindows[float64] `json:"priceChange"`
	Liquidity     dexLiquidity        `json:"liquidity"`
	Fdv           float64             `json:"fdv"`
	PairCreatedAt int64               `json:"pairCreatedAt"`
	Info          *dexInfo            `json:"info,omitempty"`
}

// dexWindows holds a value per window, in DexScreener's key order.
type dexWindows[T any] struct {
	M5  T `json:"m5"`
	H1  T `json:"h1"`
	H6  T `json:"h6"`
	H24 T `json:"h24"`
}

func (d *dexWindows[T]) at(k string) *T {
	switch k {
	case "m5":
		return &d.M5
	case "h1":
		return &d.H1
	case "h6":
		return &d.H6
	}
	return &d.H24
}

type dexLiquidity struct {
	Usd   float64 `json:"usd"`
	Base  float64 `json:"base"`
	Quote float64 `json:"quote"`
}

type dexResponse struct {
	SchemaVersion string    `json:"schemaVersion"`
	Pairs         []dexPair `json:"pairs"`
}

// dexPairs serves /latest/dex/pairs/{chainId}/{pairAddresses}: up to 30
// comma-separated pairs; unknown pairs are left out, and none at all is
// "pairs": null.
func (s *Sim) dexPairs(w http.ResponseWriter, r *http.Request) {
	chain := r.PathValue("chain")
	resp := dexResponse{SchemaVersion: "1.0.0"}
	addrs := strings.Split(r.PathValue("pairs"), ",")
	if len(addrs) > 30 {
		addrs = addrs[:30]
	}
	if chain == "ethereum" {
		for _, a := range addrs {
			a = strings.ToLower(strings.TrimSpace(a))
			t := s.m.byAddr[a]
			if t == nil || t.Pair != a || s.now() < t.launch {
				continue
			}
			resp.Pairs = append(resp.Pairs, s.dexPair(t))
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Sim) dexPair(t *token) dexPair {
	now := s.now()
	eth := s.m.ethAt(now)
	cur, st := s.current(t)
	p := dexPair{
		ChainID:       "ethereum",
		DexID:         "uniswap",
		URL:           "https://dexscreener.com/ethereum/" + t.Pair,
		PairAddress:   ChecksumAddress(t.Pair),
		BaseToken:     dexToken{Address: ChecksumAddress(t.Address), Name: t.Name, Symbol: t.Symbol},
		QuoteToken:    dexToken{Address: ChecksumAddress(addrWETH), Name: "Wrapped Ether", Symbol: "WETH"},
		PriceNative:   sig(cur, 4),
		PriceUsd:      sig(cur*eth, 4),
		PairCreatedAt: (t.launch + int64(secsPerBlock*(len(t.team)+1))) * 1000,
	}
	for _, win := range []struct {
		k string
		d int64
	}{{"m5", 300}, {"h1", 3600}, {"h6", 6 * 3600}, {"h24", 86400}} {
		b := s.span(t, now-win.d, now+1)
		*p.Txns.at(win.k) = dexTxns{Buys: b.buys, Sells: b.sells}
		*p.Volume.at(win.k) = round2(b.volWETH * eth)
		chg := 0.0
		if b.open > 0 {
			chg = (cur/b.open - 1) * 100
		}
		*p.PriceChange.at(win.k) = round2(chg)
	}
	base := fromUnits(st.rTok, t.Decimals)
	quote := fromUnits(st.rWeth, 18)
	p.Liquidity = dexLiquidity{Usd: round2(2 * quote * eth), Base: math.Round(base), Quote: round2(quote)}
	p.Fdv = math.Round(t.supplyF * cur * eth)
	p.Info = &dexInfo{
		ImageURL: "https://dd.dexscreener.com/ds-data/tokens/ethereum/" + t.Address + ".png",
		Websites: []dexLink{{Label: "Website", URL: t.Website}},
		Socials: []dexSocial{
			{Type: "twitter", URL: "https://x.com/" + t.Symbol},
			{Type: "telegram", URL: "https://t.me/" + strings.ToLower(t.Symbol) + "_portal"},
		},
	}
	return p
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// sig formats x with n significant digits in plain decimal, as
// DexScreener's price strings are ("0.000005396").
func sig(x float64, n int) string {
	if x == 0 {
		return "0"
	}
	e := int(math.Floor(math.Log10(math.Abs(x))))
	dec := n - 1 - e
	if dec < 0 {
		dec = 0
	}
	return strconv.FormatFloat(x, 'f', dec, 64)
}
