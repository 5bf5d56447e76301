package sim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// obj is a JSON object whose keys keep their order, as Yahoo's do.
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func yahooError(w http.ResponseWriter, status int, root, code, desc string) {
	writeJSON(w, status, obj{{root, obj{{"result", nil}, {"error", obj{{"code", code}, {"description", desc}}}}}})
}

func (s *Sim) yahooLimited(w http.ResponseWriter) bool {
	if s.limits.yahooAllow(s.opts.Now()) {
		return false
	}
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	fmt.Fprint(w, "Too Many Requests\r\n")
	return true
}

// yahooCookie stands in for fc.yahoo.com: a 404 page that sets the A3
// session cookie.
func (s *Sim) yahooCookie(w http.ResponseWriter, r *http.Request) {
	if s.yahooLimited(w) {
		return
	}
	n := s.cookieSeq.Add(1)
	h := s.m.k.sum("cookie", n)
	val := "d=AQABBN" + base64.RawURLEncoding.EncodeToString(h[:18]) + "&S=AQAAA" + base64.RawURLEncoding.EncodeToString(h[18:30])
	http.SetCookie(w, &http.Cookie{Name: "A3", Value: val, Path: "/", MaxAge: 31557600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Yahoo</title></head><body><h1>404 Not Found</h1></body></html>\n")
}

func (s *Sim) crumbFor(cookie string) string {
	h := s.m.k.sum("crumb", cookie)
	return base64.RawURLEncoding.EncodeToString(h[:9])[:11]
}

func (s *Sim) yahooCrumb(w http.ResponseWriter, r *http.Request) {
	if s.yahooLimited(w) {
		return
	}
	c, err := r.Cookie("A3")
	if err != nil || c.Value == "" {
		yahooError(w, http.StatusUnauthorized, "finance", "Unauthorized", "Invalid Cookie")
		return
	}
	crumb := s.crumbFor(c.Value)
	w.Header().Set("Content-Type", "text/plain;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(crumb)))
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, crumb)
}

func (s *Sim) byTicker(ticker string) *token {
	for _, t := range s.m.tokens {
		if t.YahooTicker != "" && strings.EqualFold(t.YahooTicker, ticker) {
			return t
		}
	}
	return nil
}

var chartIntervals = map[string]int64{
	"1m": 60, "2m": 120, "5m": 300, "15m": 900, "30m": 1800, "60m": 3600, "90m": 5400, "1h": 3600,
	"1d": 86400, "5d": 5 * 86400, "1wk": 7 * 86400, "1mo": 30 * 86400, "3mo": 90 * 86400,
}

var chartRanges = map[string]int64{
	"1d": 86400, "5d": 5 * 86400, "1mo": 30 * 86400, "3mo": 90 * 86400, "6mo": 182 * 86400, "1y": 365 * 86400,
}

// yahooChart serves /v8/finance/chart/{ticker}.
func (s *Sim) yahooChart(w http.ResponseWriter, r *http.Request) {
	if s.yahooLimited(w) {
		return
	}
	ticker := r.PathValue("ticker")
	t := s.byTicker(ticker)
	if t == nil {
		yahooError(w, http.StatusNotFound, "chart", "Not Found", "No data found, symbol may be delisted")
		return
	}
	q := r.URL.Query()
	iv := q.Get("interval")
	if iv == "" {
		iv = "1d"
	}
	step, ok := chartIntervals[iv]
	if !ok {
		yahooError(w, http.StatusUnprocessableEntity, "chart", "Unprocessable Entity", "Invalid input - interval="+iv+" is not supported. Valid intervals: [1m, 2m, 5m, 15m, 30m, 60m, 90m, 1h, 4h, 1d, 5d, 1wk, 1mo, 3mo]")
		return
	}
	now := s.now()
	p2 := now
	p1 := now - 30*86400
	if v := q.Get("range"); v != "" {
		if d, ok := chartRanges[v]; ok {
			p1 = now - d
		}
	}
	if v := q.Get("period1"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			yahooError(w, http.StatusBadRequest, "chart", "Bad Request", "Invalid input - period1="+v+" is not a valid epoch time")
			return
		}
		p1 = n
	}
	if v := q.Get("period2"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			yahooError(w, http.StatusBadRequest, "chart", "Bad Request", "Invalid input - period2="+v+" is not a valid epoch time")
			return
		}
		p2 = n
	}
	if p2 < p1 {
		yahooError(w, http.StatusBadRequest, "chart", "Bad Request", "Invalid input - start date cannot be after end date. startDate = "+i64toa(p1)+", endDate = "+i64toa(p2))
		return
	}
	if iv == "1m" {
		if p2-p1 > 7*86400 {
			yahooError(w, http.StatusUnprocessableEntity, "chart", "Unprocessable Entity", "1m data not available for startTime="+i64toa(p1)+" and endTime="+i64toa(p2)+". Only 7 days worth of 1m granularity data are allowed to be fetched per request.")
			return
		}
		if p1 < now-30*86400 {
			yahooError(w, http.StatusUnprocessableEntity, "chart", "Unprocessable Entity", "1m data not available for startTime="+i64toa(p1)+" and endTime="+i64toa(p2)+". The requested range must be within the last 30 days.")
			return
		}
	}

	// Bars start on interval boundaries (UTC days for 1d and longer); the
	// bar holding period2 is included, as Yahoo does, if it has started.
	var ts []int64
	var open, high, low, close, adj []any
	var vol []any
	launchDay := t.launch - t.launch%86400
	first := p1 - p1%step
	if first < t.launch-t.launch%step {
		first = t.launch - t.launch%step
	}
	for b := first; b <= p2 && b <= now; b += step {
		if b+step <= t.launch {
			continue
		}
		bar := s.span(t, b, b+step)
		if !bar.launched {
			continue
		}
		eth := s.m.ethAt(b)
		ts = append(ts, b)
		if s.m.k.float01("ynull", t.idx, b, step) < 0.01 {
			open, high, low, close, adj, vol = append(open, nil), append(high, nil), append(low, nil), append(close, nil), append(adj, nil), append(vol, nil)
			continue
		}
		o, hi, lo, c := f32(bar.open*eth), f32(bar.high*eth), f32(bar.low*eth), f32(bar.close*eth)
		open, high, low, close, adj = append(open, o), append(high, hi), append(low, lo), append(close, c), append(adj, c)
		vol = append(vol, int64(math.Round(bar.volWETH*eth)))
	}
	cur, _ := s.current(t)
	ethNow := s.m.ethAt(now)
	dayStart := now - now%86400
	day := s.span(t, dayStart, now+1)
	whole := s.span(t, s.m.start, now+1)
	prev := s.priceBefore(t, p1)
	meta := obj{
		{"currency", "USD"},
		{"symbol", t.YahooTicker},
		{"exchangeName", "CCC"},
		{"fullExchangeName", "CCC"},
		{"instrumentType", "CRYPTOCURRENCY"},
		{"firstTradeDate", launchDay},
		{"regularMarketTime", now},
		{"hasPrePostMarketData", false},
		{"gmtoffset", 0},
		{"timezone", "UTC"},
		{"exchangeTimezoneName", "UTC"},
		{"regularMarketPrice", round6(cur * ethNow)},
		{"fiftyTwoWeekHigh", round6(whole.high * ethNow)},
		{"fiftyTwoWeekLow", round6(whole.low * ethNow)},
		{"regularMarketDayHigh", round6(day.high * ethNow)},
		{"regularMarketDayLow", round6(day.low * ethNow)},
		{"regularMarketVolume", int64(math.Round(day.volWETH * ethNow))},
		{"longName", t.Name + " USD"},
		{"shortName", t.Name + " USD"},
		{"chartPreviousClose", round6(prev * s.m.ethAt(p1))},
		{"priceHint", priceHint(cur * ethNow)},
		{"currentTradingPeriod", obj{
			{"pre", obj{{"timezone", "UTC"}, {"start", dayStart}, {"end", dayStart}, {"gmtoffset", 0}}},
			{"regular", obj{{"timezone", "UTC"}, {"start", dayStart}, {"end", dayStart + 86340}, {"gmtoffset", 0}}},
			{"post", obj{{"timezone", "UTC"}, {"start", dayStart + 86340}, {"end", dayStart + 86340}, {"gmtoffset", 0}}},
		}},
		{"dataGranularity", iv},
		{"range", q.Get("range")},
		{"validRanges", []string{"1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"}},
	}
	result := obj{{"meta", meta}}
	if len(ts) > 0 {
		result = append(result,
			kv{"timestamp", ts},
			kv{"indicators", obj{
				{"quote", []obj{{{"open", open}, {"low", low}, {"volume", vol}, {"close", close}, {"high", high}}}},
				{"adjclose", []obj{{{"adjclose", adj}}}},
			}})
	} else {
		result = append(result, kv{"indicators", obj{{"quote", []obj{{}}}, {"adjclose", []obj{{}}}}})
	}
	writeJSON(w, http.StatusOK, obj{{"chart", obj{{"result", []obj{result}}, {"error", nil}}}})
}

// f32 rounds to float32 precision, as Yahoo's bar values are.
func f32(x float64) float64 { return float64(float32(x)) }

func round6(x float64) float64 {
	if x == 0 {
		return 0
	}
	d := math.Pow(10, 6-math.Ceil(math.Log10(math.Abs(x))))
	return math.Round(x*d) / d
}

func priceHint(p float64) int {
	switch {
	case p >= 1:
		return 2
	case p <= 0:
		return 2
	default:
		return min(12, int(math.Ceil(-math.Log10(p)))+3)
	}
}

// Modules the simulator can answer for a crypto ticker; the holder and
// ownership modules exist only for equities, so they are "not found".
var yahooKnownModules = map[string]bool{
	"assetProfile": true, "balanceSheetHistory": true, "balanceSheetHistoryQuarterly": true, "calendarEvents": true,
	"cashflowStatementHistory": true, "cashflowStatementHistoryQuarterly": true, "defaultKeyStatistics": true,
	"earnings": true, "earningsHistory": true, "earningsTrend": true, "financialData": true, "fundOwnership": true,
	"fundPerformance": true, "fundProfile": true, "incomeStatementHistory": true, "incomeStatementHistoryQuarterly": true,
	"indexTrend": true, "industryTrend": true, "insiderHolders": true, "insiderTransactions": true,
	"institutionOwnership": true, "majorDirectHolders": true, "majorHoldersBreakdown": true,
	"netSharePurchaseActivity": true, "price": true, "quoteType": true, "recommendationTrend": true,
	"secFilings": true, "sectorTrend": true, "summaryDetail": true, "summaryProfile": true, "topHoldings": true,
	"upgradeDowngradeHistory": true,
}

func (s *Sim) yahooQuoteSummary(w http.ResponseWriter, r *http.Request) {
	if s.yahooLimited(w) {
		return
	}
	q := r.URL.Query()
	c, err := r.Cookie("A3")
	crumb := q.Get("crumb")
	if err != nil || crumb == "" || crumb != s.crumbFor(c.Value) {
		yahooError(w, http.StatusUnauthorized, "finance", "Unauthorized", "Invalid Crumb")
		return
	}
	ticker := r.PathValue("ticker")
	mods := q.Get("modules")
	if strings.TrimSpace(mods) == "" {
		yahooError(w, http.StatusBadRequest, "quoteSummary", "Bad Request", "Missing value for the \"modules\" argument")
		return
	}
	t := s.byTicker(ticker)
	if t == nil {
		yahooError(w, http.StatusNotFound, "quoteSummary", "Not Found", "Quote not found for symbol: "+strings.ToUpper(ticker))
		return
	}
	formatted := q.Get("formatted") != "false"
	result := obj{}
	for _, m := range strings.Split(mods, ",") {
		m = strings.TrimSpace(m)
		if !yahooKnownModules[m] {
			yahooError(w, http.StatusBadRequest, "quoteSummary", "Bad Request", "Invalid Module: "+m)
			return
		}
		if v := s.yahooModule(t, m); v != nil {
			if formatted {
				v = formatObj(v)
			}
			result = append(result, kv{m, v})
		}
	}
	if len(result) == 0 {
		yahooError(w, http.StatusNotFound, "quoteSummary", "Not Found", "No fundamentals data found for any of the summaryTypes="+mods)
		return
	}
	writeJSON(w, http.StatusOK, obj{{"quoteSummary", obj{{"result", []obj{result}}, {"error", nil}}}})
}

// yahooModule builds one module for a crypto ticker, or nil when Yahoo has
// no such data for crypto.
func (s *Sim) yahooModule(t *token, m string) obj {
	now := s.now()
	eth := s.m.ethAt(now)
	cur, _ := s.current(t)
	price := round6(cur * eth)
	dayStart := now - now%86400
	day := s.span(t, dayStart, now+1)
	prevClose := round6(s.priceBefore(t, dayStart) * s.m.ethAt(dayStart-1))
	h24 := s.span(t, now-86400, now+1)
	vol24 := int64(math.Round(h24.volWETH * eth))
	tenDay := s.span(t, now-10*86400, now+1)
	avg10 := int64(math.Round(tenDay.volWETH * eth / 10))
	whole := s.span(t, s.m.start, now+1)
	avgAll := int64(math.Round(whole.volWETH * eth / math.Max(1, float64(now-max(s.m.start, t.launch))/86400)))
	circ := int64(t.supplyF)
	mcap := int64(math.Round(float64(circ) * cur * eth))
	short := t.Name + " USD"
	switch m {
	case "price":
		chg := price - prevClose
		pct := 0.0
		if prevClose > 0 {
			pct = chg / prevClose
		}
		return obj{
			{"maxAge", 1}, {"regularMarketChangePercent", round6(pct)}, {"regularMarketChange", round6(chg)},
			{"regularMarketTime", now}, {"priceHint", priceHint(price)}, {"regularMarketPrice", price},
			{"regularMarketDayHigh", round6(day.high * eth)}, {"regularMarketDayLow", round6(day.low * eth)},
			{"regularMarketVolume", vol24}, {"averageDailyVolume10Day", avg10}, {"averageDailyVolume3Month", avgAll},
			{"regularMarketPreviousClose", prevClose}, {"regularMarketSource", "FREE_REALTIME"},
			{"regularMarketOpen", prevClose}, {"exchange", "CCC"}, {"exchangeName", "CCC"},
			{"exchangeDataDelayedBy", 0}, {"marketState", "REGULAR"}, {"quoteType", "CRYPTOCURRENCY"},
			{"symbol", t.YahooTicker}, {"underlyingSymbol", nil}, {"shortName", short}, {"longName", short},
			{"currency", "USD"}, {"quoteSourceName", "CoinMarketCap"}, {"currencySymbol", "$"},
			{"fromCurrency", t.Symbol}, {"toCurrency", "USD=X"}, {"lastMarket", "CoinMarketCap"},
			{"volume24Hr", vol24}, {"volumeAllCurrencies", vol24}, {"circulatingSupply", circ}, {"marketCap", mcap},
		}
	case "summaryDetail":
		return obj{
			{"maxAge", 1}, {"priceHint", priceHint(price)}, {"previousClose", prevClose}, {"open", prevClose},
			{"dayLow", round6(day.low * eth)}, {"dayHigh", round6(day.high * eth)},
			{"regularMarketPreviousClose", prevClose}, {"regularMarketOpen", prevClose},
			{"regularMarketDayLow", round6(day.low * eth)}, {"regularMarketDayHigh", round6(day.high * eth)},
			{"volume", vol24}, {"regularMarketVolume", vol24}, {"averageVolume", avgAll},
			{"averageVolume10days", avg10}, {"averageDailyVolume10Day", avg10}, {"marketCap", mcap},
			{"fiftyTwoWeekLow", round6(whole.low * eth)}, {"fiftyTwoWeekHigh", round6(whole.high * eth)},
			{"fiftyDayAverage", round6((whole.open + whole.close) / 2 * eth)}, {"twoHundredDayAverage", round6((whole.open + whole.close) / 2 * eth)},
			{"currency", "USD"}, {"fromCurrency", t.Symbol}, {"toCurrency", "USD=X"}, {"lastMarket", "CoinMarketCap"},
			{"coinMarketCapLink", "https://coinmarketcap.com/currencies/" + t.Slug}, {"volume24Hr", vol24},
			{"volumeAllCurrencies", vol24}, {"circulatingSupply", circ}, {"algorithm", nil},
			{"startDate", t.launch - t.launch%86400}, {"tradeable", false},
		}
	case "quoteType":
		return obj{
			{"exchange", "CCC"}, {"quoteType", "CRYPTOCURRENCY"}, {"symbol", t.YahooTicker},
			{"underlyingSymbol", t.YahooTicker}, {"shortName", short}, {"longName", short},
			{"firstTradeDateEpochUtc", t.launch - t.launch%86400}, {"timeZoneFullName", "UTC"},
			{"timeZoneShortName", "UTC"}, {"uuid", uuidOf(s.m.k.sum("uuid", t.idx))},
			{"messageBoardId", "finmb_" + t.Symbol + "_CCC"}, {"gmtOffSetMilliseconds", 0}, {"maxAge", 1},
		}
	case "assetProfile", "summaryProfile":
		return obj{
			{"companyOfficers", []any{}}, {"name", t.Name},
			{"startDate", time.Unix(t.launch, 0).UTC().Format("2006-01-02")},
			{"description", fmt.Sprintf("%s (%s) is a meme token on Ethereum launched in %s. More information can be found at %s.", t.Name, t.Symbol, time.Unix(t.launch, 0).UTC().Format("January 2006"), t.Website)},
			{"executiveTeam", []any{}}, {"maxAge", 86400},
		}
	}
	return nil
}

func uuidOf(h [32]byte) string {
	x := fmt.Sprintf("%x", h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// formatObj wraps numbers the way formatted=true answers do: {raw, fmt}.
func formatObj(o obj) obj {
	out := make(obj, len(o))
	for i, e := range o {
		switch v := e.v.(type) {
		case float64:
			e.v = obj{{"raw", v}, {"fmt", strconv.FormatFloat(v, 'f', 2, 64)}}
		case int64:
			e.v = obj{{"raw", v}, {"fmt", humanInt(v)}, {"longFmt", commaInt(v)}}
		}
		out[i] = e
	}
	return out
}

func humanInt(v int64) string {
	f := float64(v)
	switch {
	case math.Abs(f) >= 1e12:
		return strconv.FormatFloat(f/1e12, 'f', 2, 64) + "T"
	case math.Abs(f) >= 1e9:
		return strconv.FormatFloat(f/1e9, 'f', 2, 64) + "B"
	case math.Abs(f) >= 1e6:
		return strconv.FormatFloat(f/1e6, 'f', 2, 64) + "M"
	case math.Abs(f) >= 1e3:
		return strconv.FormatFloat(f/1e3, 'f', 2, 64) + "k"
	}
	return strconv.FormatInt(v, 10)
}

func commaInt(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
