package clean

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"memepipe/canonical"
)

func init() {
	Register(yahooChartParser{})
	Register(yahooQuoteSummaryParser{})
	Register(yahooQuoteParser{})
}

// yahooError is the error object of Yahoo's envelopes.
type yahooError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// yahooUpstream classifies a Yahoo error object. "No fundamentals data
// found" (holder modules of crypto tickers, HTTP 404) is an empty result.
func (in Input) yahooUpstream(e *yahooError) (empty bool, err error) {
	desc := strings.ToLower(e.Description)
	switch {
	case strings.Contains(desc, "no fundamentals data found"):
		return true, nil
	case strings.Contains(desc, "crumb"), strings.Contains(desc, "cookie"):
		// The collector refreshes the cookie and crumb and retries.
		return false, in.upstream(UpstreamUnavailable, e.Code+": "+e.Description)
	case e.Code == "Unauthorized" || e.Code == "Forbidden":
		return false, in.upstream(UpstreamAuth, e.Code+": "+e.Description)
	case e.Code == "Too Many Requests":
		return false, in.upstream(UpstreamRateLimited, e.Code+": "+e.Description)
	case e.Code == "Not Found" || e.Code == "Bad Request":
		return false, in.upstream(UpstreamRequest, e.Code+": "+e.Description)
	}
	return false, in.upstream(UpstreamOther, e.Code+": "+e.Description)
}

// yahooToken finds the token a Yahoo body is about: the context token
// (checked against the body's ticker), else the watchlist token with that
// Yahoo ticker, else the ticker itself as a symbol-only key.
func (in Input) yahooToken(path, ticker string) (string, error) {
	if in.Token != nil {
		if in.Token.YahooTicker != "" && ticker != "" && !strings.EqualFold(in.Token.YahooTicker, ticker) {
			return "", in.errAtf(path, "body is for %s, the token's Yahoo ticker is %s", ticker, in.Token.YahooTicker)
		}
		return in.Token.Key(), nil
	}
	for _, t := range in.Watchlist {
		if t.YahooTicker != "" && strings.EqualFold(t.YahooTicker, ticker) {
			return t.Key(), nil
		}
	}
	if ticker == "" {
		return "", in.errAtf(path, "the body names no ticker; give the token")
	}
	return strings.ToUpper(ticker), nil
}

// yahooChartParser reads /v8/finance/chart/{ticker}: OHLCV bars plus
// split and dividend events.
type yahooChartParser struct{}

func (yahooChartParser) Source() string { return "yahoo.chart" }

type chartBody struct {
	Chart *struct {
		Result []chartResult `json:"result"`
		Error  *yahooError   `json:"error"`
	} `json:"chart"`
	Finance *struct {
		Error *yahooError `json:"error"`
	} `json:"finance"`
}

type chartResult struct {
	Meta struct {
		Symbol          string `json:"symbol"`
		Currency        string `json:"currency"`
		DataGranularity string `json:"dataGranularity"`
	} `json:"meta"`
	Timestamp  []int64 `json:"timestamp"`
	Indicators struct {
		Quote []struct {
			Open   []*json.Number `json:"open"`
			High   []*json.Number `json:"high"`
			Low    []*json.Number `json:"low"`
			Close  []*json.Number `json:"close"`
			Volume []*json.Number `json:"volume"`
		} `json:"quote"`
		AdjClose []struct {
			AdjClose []*json.Number `json:"adjclose"`
		} `json:"adjclose"`
	} `json:"indicators"`
	Events struct {
		Dividends map[string]struct {
			Amount json.Number `json:"amount"`
			Date   int64       `json:"date"`
		} `json:"dividends"`
		Splits map[string]struct {
			Date        int64       `json:"date"`
			Numerator   json.Number `json:"numerator"`
			Denominator json.Number `json:"denominator"`
			SplitRatio  string      `json:"splitRatio"`
		} `json:"splits"`
	} `json:"events"`
}

// Parse emits one bar per timestamp whose open, high, low, close, volume
// (and adjclose, when the series exists) are all present. Yahoo fills
// gaps (halts, thin crypto minutes) with null; such a bar is dropped, never
// filled with zeros, which would read as a crash to 0.
func (yahooChartParser) Parse(ctx context.Context, in Input, emit Emit) error {
	var body chartBody
	if err := in.decodeWhole(&body); err != nil {
		return err
	}
	if body.Chart == nil {
		if body.Finance != nil && body.Finance.Error != nil {
			_, err := in.yahooUpstream(body.Finance.Error)
			return err
		}
		return in.errAtf("$", "not a Yahoo chart response (no chart object)")
	}
	if body.Chart.Error != nil {
		if empty, err := in.yahooUpstream(body.Chart.Error); empty || err != nil {
			return err
		}
	}
	for ri, res := range body.Chart.Result {
		path := "$.chart.result[" + strconv.Itoa(ri) + "]"
		token, err := in.yahooToken(path+".meta.symbol", res.Meta.Symbol)
		if err != nil {
			return err
		}
		interval := firstNonEmpty(res.Meta.DataGranularity, in.query("interval"))
		if interval == "" {
			return in.errAtf(path+".meta.dataGranularity", "missing, and the request URL gives no interval")
		}
		n := len(res.Timestamp)
		q := res.Indicators.Quote
		if n > 0 && len(q) != 1 {
			return in.errAtf(path+".indicators.quote", "%d series, want 1", len(q))
		}
		var adj []*json.Number
		if len(res.Indicators.AdjClose) > 0 {
			adj = res.Indicators.AdjClose[0].AdjClose
		}
		if n > 0 {
			for name, arr := range map[string][]*json.Number{
				"open": q[0].Open, "high": q[0].High, "low": q[0].Low, "close": q[0].Close, "volume": q[0].Volume,
			} {
				if len(arr) != n {
					return in.errAtf(path+".indicators.quote[0]."+name, "%d values for %d timestamps", len(arr), n)
				}
			}
			if adj != nil && len(adj) != n {
				return in.errAtf(path+".indicators.adjclose[0].adjclose", "%d values for %d timestamps", len(adj), n)
			}
		}
	bars:
		for i := 0; i < n; i++ {
			vals := [5]float64{}
			for j, arr := range [][]*json.Number{q[0].Open, q[0].High, q[0].Low, q[0].Close, q[0].Volume} {
				if arr[i] == nil {
					continue bars
				}
				f, err := arr[i].Float64()
				if err != nil {
					return in.errAtf(path+".indicators.quote[0]["+strconv.Itoa(i)+"]", "%q is not a number", string(*arr[i]))
				}
				vals[j] = f
			}
			ts, err := unixTime(res.Timestamp[i])
			if err != nil {
				return in.errAt(path+".timestamp["+strconv.Itoa(i)+"]", err)
			}
			bar := canonical.PriceBar{
				Token: token, BarInterval: interval, TS: ts,
				Open: vals[0], High: vals[1], Low: vals[2], Close: vals[3], Volume: vals[4],
				Currency: res.Meta.Currency, Source: in.Source,
			}
			if adj != nil {
				if adj[i] == nil {
					continue
				}
				f, err := adj[i].Float64()
				if err != nil {
					return in.errAtf(path+".indicators.adjclose[0].adjclose["+strconv.Itoa(i)+"]", "%q is not a number", string(*adj[i]))
				}
				bar.AdjClose = &f
			}
			if err := emit(bar); err != nil {
				return err
			}
		}
		var actions []canonical.CorporateAction
		for k, d := range res.Events.Dividends {
			amt, err := numberFloat(d.Amount)
			if err != nil || amt == nil {
				return in.errAtf(path+".events.dividends."+k+".amount", "%q is not a number", string(d.Amount))
			}
			ts, err := eventTime(k, d.Date)
			if err != nil {
				return in.errAt(path+".events.dividends."+k+".date", err)
			}
			actions = append(actions, canonical.CorporateAction{
				Token: token, Kind: "dividend", TS: ts, Amount: amt,
				Currency: res.Meta.Currency, Source: in.Source,
			})
		}
		for k, s := range res.Events.Splits {
			num, err1 := numberFloat(s.Numerator)
			den, err2 := numberFloat(s.Denominator)
			if err1 != nil || err2 != nil || num == nil || den == nil || *num <= 0 || *den <= 0 {
				return in.errAtf(path+".events.splits."+k, "split %q is not a positive ratio", s.SplitRatio)
			}
			ts, err := eventTime(k, s.Date)
			if err != nil {
				return in.errAt(path+".events.splits."+k+".date", err)
			}
			actions = append(actions, canonical.CorporateAction{
				Token: token, Kind: "split", TS: ts,
				Numerator: num, Denominator: den, SplitRatio: s.SplitRatio, Source: in.Source,
			})
		}
		sort.Slice(actions, func(i, j int) bool {
			if !actions[i].TS.Equal(actions[j].TS) {
				return actions[i].TS.Before(actions[j].TS)
			}
			return actions[i].Kind < actions[j].Kind
		})
		for _, a := range actions {
			if err := emit(a); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// eventTime is an event's date, or its map key when the date is missing.
func eventTime(key string, date int64) (time.Time, error) {
	if date == 0 {
		date, _ = strconv.ParseInt(key, 10, 64)
	}
	return unixTime(date)
}

// yahooQuoteSummaryParser reads /v10/finance/quoteSummary/{ticker} with
// the price, summaryDetail, majorHoldersBreakdown and institutionOwnership
// modules: a quote from price (or summaryDetail) and a holder breakdown
// from majorHoldersBreakdown. institutionOwnership (the top institutions)
// has no canonical table and gives no rows.
type yahooQuoteSummaryParser struct{}

func (yahooQuoteSummaryParser) Source() string { return "yahoo.quotesummary" }

type yahooRaw struct {
	// Values come plain with formatted=false, or as {"raw": x, "fmt": "..."}
	// objects otherwise; both are accepted.
	v *float64
}

func (y *yahooRaw) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == "{}" {
		return nil
	}
	if strings.HasPrefix(s, "{") {
		var o struct {
			Raw *float64 `json:"raw"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		y.v = o.Raw
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	y.v = &f
	return nil
}

type quoteSummaryBody struct {
	QuoteSummary *struct {
		Result []struct {
			Price *struct {
				Symbol             string   `json:"symbol"`
				Currency           string   `json:"currency"`
				RegularMarketPrice yahooRaw `json:"regularMarketPrice"`
				RegularMarketTime  yahooRaw `json:"regularMarketTime"`
				MarketCap          yahooRaw `json:"marketCap"`
				Volume24Hr         yahooRaw `json:"volume24Hr"`
				RegularMarketVol   yahooRaw `json:"regularMarketVolume"`
				CirculatingSupply  yahooRaw `json:"circulatingSupply"`
			} `json:"price"`
			SummaryDetail *struct {
				Currency          string   `json:"currency"`
				MarketCap         yahooRaw `json:"marketCap"`
				Volume24Hr        yahooRaw `json:"volume24Hr"`
				Volume            yahooRaw `json:"volume"`
				CirculatingSupply yahooRaw `json:"circulatingSupply"`
				PreviousClose     yahooRaw `json:"previousClose"`
			} `json:"summaryDetail"`
			MajorHoldersBreakdown *struct {
				InsidersPercentHeld          yahooRaw `json:"insidersPercentHeld"`
				InstitutionsPercentHeld      yahooRaw `json:"institutionsPercentHeld"`
				InstitutionsFloatPercentHeld yahooRaw `json:"institutionsFloatPercentHeld"`
				InstitutionsCount            yahooRaw `json:"institutionsCount"`
			} `json:"majorHoldersBreakdown"`
			QuoteType *struct {
				Symbol string `json:"symbol"`
			} `json:"quoteType"`
		} `json:"result"`
		Error *yahooError `json:"error"`
	} `json:"quoteSummary"`
	Finance *struct {
		Error *yahooError `json:"error"`
	} `json:"finance"`
}

// tickerFromURL is the {ticker} of /quoteSummary/{ticker} or /chart/{ticker}.
func (in Input) tickerFromURL() string {
	i := strings.LastIndex(in.URL, "/")
	if i < 0 {
		return ""
	}
	t := in.URL[i+1:]
	if j := strings.IndexAny(t, "?#"); j >= 0 {
		t = t[:j]
	}
	return t
}

func (yahooQuoteSummaryParser) Parse(ctx context.Context, in Input, emit Emit) error {
	var body quoteSummaryBody
	if err := in.decodeWhole(&body); err != nil {
		return err
	}
	if body.QuoteSummary == nil {
		if body.Finance != nil && body.Finance.Error != nil {
			_, err := in.yahooUpstream(body.Finance.Error)
			return err
		}
		return in.errAtf("$", "not a Yahoo quoteSummary response (no quoteSummary object)")
	}
	if body.QuoteSummary.Error != nil {
		if empty, err := in.yahooUpstream(body.QuoteSummary.Error); empty || err != nil {
			return err
		}
	}
	for i, res := range body.QuoteSummary.Result {
		path := "$.quoteSummary.result[" + strconv.Itoa(i) + "]"
		ticker := in.tickerFromURL()
		if res.Price != nil && res.Price.Symbol != "" {
			ticker = res.Price.Symbol
		} else if res.QuoteType != nil && res.QuoteType.Symbol != "" {
			ticker = res.QuoteType.Symbol
		}
		if res.Price == nil && res.SummaryDetail == nil && res.MajorHoldersBreakdown == nil {
			continue // only modules without a canonical table
		}
		token, err := in.yahooToken(path, ticker)
		if err != nil {
			return err
		}
		if in.FetchedAt.IsZero() {
			return in.errAtf(path, "fetched_at is unknown (snapshot rows are keyed by it): give the raw object's metadata")
		}
		fetched := in.FetchedAt.UTC()
		if res.Price != nil || res.SummaryDetail != nil {
			q := canonical.Quote{Token: token, Source: in.Source, FetchedAt: fetched}
			if p := res.Price; p != nil {
				q.Price, q.MarketCap, q.CirculatingSupply, q.Currency = p.RegularMarketPrice.v, p.MarketCap.v, p.CirculatingSupply.v, p.Currency
				q.Volume24h = p.Volume24Hr.v
				if q.Volume24h == nil {
					q.Volume24h = p.RegularMarketVol.v
				}
				if t := p.RegularMarketTime.v; t != nil {
					if mt, err := unixFloat(*t); err == nil {
						q.MarketTime = canonical.Time(mt)
					}
				}
			}
			if d := res.SummaryDetail; d != nil {
				q.MarketCap = orF(q.MarketCap, d.MarketCap.v)
				q.Volume24h = orF(q.Volume24h, d.Volume24Hr.v, d.Volume.v)
				q.CirculatingSupply = orF(q.CirculatingSupply, d.CirculatingSupply.v)
				q.Currency = firstNonEmpty(q.Currency, d.Currency)
			}
			if err := emit(q); err != nil {
				return err
			}
		}
		if h := res.MajorHoldersBreakdown; h != nil {
			hb := canonical.HolderBreakdown{
				Token: token, FetchedAt: fetched,
				InsidersPct: h.InsidersPercentHeld.v, InstitutionsPct: h.InstitutionsPercentHeld.v,
				InstitutionsFloatPct: h.InstitutionsFloatPercentHeld.v,
			}
			if c := h.InstitutionsCount.v; c != nil {
				hb.InstitutionsCount = canonical.I64(int64(*c))
			}
			if err := emit(hb); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

func orF(vals ...*float64) *float64 {
	for _, v := range vals {
		if v != nil {
			return v
		}
	}
	return nil
}

// yahooQuoteParser reads /v7/finance/quote?symbols=...: one quote per
// symbol that maps to a token.
type yahooQuoteParser struct{}

func (yahooQuoteParser) Source() string { return "yahoo.quote" }

func (yahooQuoteParser) Parse(ctx context.Context, in Input, emit Emit) error {
	var body struct {
		QuoteResponse *struct {
			Result []struct {
				Symbol             string   `json:"symbol"`
				Currency           string   `json:"currency"`
				RegularMarketPrice yahooRaw `json:"regularMarketPrice"`
				RegularMarketTime  yahooRaw `json:"regularMarketTime"`
				MarketCap          yahooRaw `json:"marketCap"`
				Volume24Hr         yahooRaw `json:"volume24Hr"`
				RegularMarketVol   yahooRaw `json:"regularMarketVolume"`
				CirculatingSupply  yahooRaw `json:"circulatingSupply"`
			} `json:"result"`
			Error *yahooError `json:"error"`
		} `json:"quoteResponse"`
		Finance *struct {
			Error *yahooError `json:"error"`
		} `json:"finance"`
	}
	if err := in.decodeWhole(&body); err != nil {
		return err
	}
	if body.QuoteResponse == nil {
		if body.Finance != nil && body.Finance.Error != nil {
			_, err := in.yahooUpstream(body.Finance.Error)
			return err
		}
		return in.errAtf("$", "not a Yahoo quote response (no quoteResponse object)")
	}
	if e := body.QuoteResponse.Error; e != nil {
		if empty, err := in.yahooUpstream(e); empty || err != nil {
			return err
		}
	}
	for i, r := range body.QuoteResponse.Result {
		path := "$.quoteResponse.result[" + strconv.Itoa(i) + "]"
		sub := in
		if in.Token != nil && in.Token.YahooTicker != "" && !strings.EqualFold(in.Token.YahooTicker, r.Symbol) {
			continue // a multi-symbol quote: other symbols are other tokens' rows
		}
		token, err := sub.yahooToken(path+".symbol", r.Symbol)
		if err != nil {
			return err
		}
		if in.FetchedAt.IsZero() {
			return in.errAtf(path, "fetched_at is unknown (snapshot rows are keyed by it): give the raw object's metadata")
		}
		q := canonical.Quote{
			Token: token, Source: in.Source, FetchedAt: in.FetchedAt.UTC(), Currency: r.Currency,
			Price: r.RegularMarketPrice.v, MarketCap: r.MarketCap.v, CirculatingSupply: r.CirculatingSupply.v,
			Volume24h: orF(r.Volume24Hr.v, r.RegularMarketVol.v),
		}
		if t := r.RegularMarketTime.v; t != nil {
			if mt, err := unixFloat(*t); err == nil {
				q.MarketTime = canonical.Time(mt)
			}
		}
		if err := emit(q); err != nil {
			return err
		}
	}
	return ctx.Err()
}
