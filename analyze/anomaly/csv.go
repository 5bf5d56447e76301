package anomaly

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Report summarises one CSV input: rows read, rows used, rows skipped by
// reason, the first few bad rows with their line numbers, and events found.
type Report struct {
	Source   string         `json:"source"`
	Rows     int            `json:"rows"`
	Used     int            `json:"used"`
	Skipped  int            `json:"skipped"`
	Reasons  map[string]int `json:"reasons,omitempty"`
	Examples []string       `json:"examples,omitempty"`
	Events   int            `json:"events"`
	// Reversed is true when the file was newest-first (Coinbase candles)
	// and had to be buffered and replayed oldest-first.
	Reversed bool `json:"reversed,omitempty"`
}

const maxExamples = 10

func (r *Report) skip(line int, err error) {
	r.Skipped++
	if r.Reasons == nil {
		r.Reasons = map[string]int{}
	}
	reason := err.Error()
	var re *RowError
	if errors.As(err, &re) {
		reason = re.Reason
	}
	r.Reasons[reason]++
	if len(r.Examples) < maxExamples {
		r.Examples = append(r.Examples, fmt.Sprintf("%s line %d: %v", r.Source, line, err))
	}
}

// String is a one-line summary for logs and stderr.
func (r Report) String() string {
	var parts []string
	keys := make([]string, 0, len(r.Reasons))
	for k := range r.Reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, r.Reasons[k]))
	}
	s := fmt.Sprintf("%s: %d rows, %d used, %d skipped", r.Source, r.Rows, r.Used, r.Skipped)
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s + fmt.Sprintf(", %d events", r.Events)
}

// header maps lower-cased, trimmed column names to indexes.
type header map[string]int

func readHeader(cr *csv.Reader, source string) (header, error) {
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file, no header", source)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", source, err)
	}
	h := header{}
	for i, name := range rec {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		if _, dup := h[name]; !dup {
			h[name] = i
		}
	}
	return h, nil
}

// find returns the index of the first of names present, or -1.
func (h header) find(names ...string) int {
	for _, n := range names {
		if i, ok := h[n]; ok {
			return i
		}
	}
	return -1
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05-07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05.999999999",
	"01/02/2006",
}

// ParseTime reads the time formats price and trade exports use: ISO dates
// and date-times with or without zone (taken as UTC), and Unix epochs in
// seconds or milliseconds.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, badRow("unparseable time", "empty")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "-/:") {
		switch {
		case f > 1e14: // microseconds
			return time.UnixMicro(int64(f)).UTC(), nil
		case f > 1e11: // milliseconds
			return time.UnixMilli(int64(f)).UTC(), nil
		case f > 0:
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
		}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, badRow("unparseable time", "%q", s)
}

// parseNum reads a number; empty, "null", "nan" and "-" are missing (NaN).
// Thousands separators are not accepted: a comma is the field separator.
func parseNum(s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "null", "nan", "none", "-", "n/a":
		return math.NaN(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN(), fmt.Errorf("not a number: %q", s)
	}
	return f, nil
}

// BarReader reads OHLCV bars from CSV, finding columns by header name, so
// it takes Yahoo's export (Date,Open,High,Low,Close,Adj Close,Volume), the
// yfinance order (Date,Adj Close,Close,High,Low,Open,Volume), the plain
// ts,open,high,low,close,volume and Coinbase's time,low,high,open,close,volume.
// Close is the raw close, not Adj Close (crypto has no dividends; the two
// are equal in Yahoo's crypto files).
type BarReader struct {
	rows
	iTS, iOpen, iHigh, iLow, iClose, iVol int
}

// rows reads CSV records and counts lines: what the bar and trade readers
// share. A malformed record is a bad row (skipped, reported); any other read
// error names the source and ends the file.
type rows struct {
	cr     *csv.Reader
	source string
	line   int
}

func (r *rows) next() ([]string, error) {
	rec, err := r.cr.Read()
	r.line++
	if err == nil || err == io.EOF {
		return rec, err
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, badRow("malformed csv", "%v", pe.Err)
	}
	return nil, fmt.Errorf("%s: %w", r.source, err)
}

// NewBarReader reads the header of r; source names the input in errors.
func NewBarReader(r io.Reader, source string) (*BarReader, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	h, err := readHeader(cr, source)
	if err != nil {
		return nil, err
	}
	br := &BarReader{rows: rows{cr: cr, source: source, line: 1},
		iTS:    h.find("ts", "time", "timestamp", "date", "datetime", "open_time"),
		iOpen:  h.find("open", "o"),
		iHigh:  h.find("high", "h"),
		iLow:   h.find("low", "l"),
		iClose: h.find("close", "c", "adj close", "adj_close"),
		iVol:   h.find("volume", "vol", "v"),
	}
	var missing []string
	for name, i := range map[string]int{"time": br.iTS, "open": br.iOpen, "high": br.iHigh, "low": br.iLow, "close": br.iClose, "volume": br.iVol} {
		if i < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("%s: not an OHLCV bar file: no %s column (want ts/date, open, high, low, close, volume)", source, strings.Join(missing, ", "))
	}
	return br, nil
}

// Next returns the next row as a bar and its line number. A row that cannot
// be read returns an error wrapping ErrBadRow; io.EOF ends the file. Price
// and volume checks are left to Bar.Validate.
func (br *BarReader) Next() (Bar, int, error) {
	rec, err := br.next()
	if err != nil {
		return Bar{}, br.line, err
	}
	get := func(i int) string {
		if i < len(rec) {
			return rec[i]
		}
		return ""
	}
	empty := true
	for _, f := range rec {
		if strings.TrimSpace(f) != "" && f != get(br.iTS) {
			empty = false
			break
		}
	}
	if empty {
		return Bar{}, br.line, badRow("empty row", "no values")
	}
	ts, err := ParseTime(get(br.iTS))
	if err != nil {
		return Bar{}, br.line, err
	}
	b := Bar{TS: ts}
	for _, f := range []struct {
		dst  *float64
		i    int
		name string
	}{{&b.Open, br.iOpen, "open"}, {&b.High, br.iHigh, "high"}, {&b.Low, br.iLow, "low"}, {&b.Close, br.iClose, "close"}, {&b.Volume, br.iVol, "volume"}} {
		v, err := parseNum(get(f.i))
		if err != nil {
			return Bar{}, br.line, badRow("unparseable number", "%s: %v", f.name, err)
		}
		*f.dst = v
	}
	return b, br.line, nil
}

// ScanBars runs a BarDetector over a bar CSV and hands each event to emit in
// time order. Bad rows are counted in the report and skipped. A newest-first
// file (Coinbase candles) is detected from its first two readable rows and
// buffered to be replayed oldest-first: the only case that holds the file.
func ScanBars(r io.Reader, source string, cfg BarConfig, emit func(Anomaly) error) (Report, error) {
	rep := Report{Source: source}
	br, err := NewBarReader(r, source)
	if err != nil {
		return rep, err
	}
	det := NewBarDetector(cfg)
	type row struct {
		b    Bar
		line int
	}
	push := func(b Bar, line int) error {
		evs, err := det.Push(b)
		if err != nil {
			rep.skip(line, err)
			return nil
		}
		rep.Used++
		for _, a := range evs {
			rep.Events++
			if err := emit(a); err != nil {
				return err
			}
		}
		return nil
	}
	var head []row // rows before the order is known
	var buf []row  // whole file when newest-first
	order := 0     // 0 unknown, 1 ascending, -1 descending
	for {
		b, line, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !errors.Is(err, ErrBadRow) {
				return rep, err
			}
			rep.Rows++
			rep.skip(line, err)
			continue
		}
		rep.Rows++
		switch order {
		case 0:
			head = append(head, row{b, line})
			if len(head) >= 2 {
				if head[1].b.TS.Before(head[0].b.TS) {
					order = -1
					rep.Reversed = true
					buf = head
				} else {
					order = 1
					for _, h := range head {
						if err := push(h.b, h.line); err != nil {
							return rep, err
						}
					}
				}
				head = nil
			}
		case 1:
			if err := push(b, line); err != nil {
				return rep, err
			}
		case -1:
			buf = append(buf, row{b, line})
		}
	}
	if order == 0 {
		buf = head
	}
	if order == -1 {
		slices.Reverse(buf)
	}
	for _, h := range buf {
		if err := push(h.b, h.line); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// EventHeader is the CSV header DetectBarsCSV and DetectTradesCSV print.
var EventHeader = []string{"ts", "kind", "score", "severity", "token", "evidence"}

// EventWriter prints anomalies as CSV rows (see EventHeader).
type EventWriter struct {
	w   *csv.Writer
	rec []string
}

// NewEventWriter writes the header to w.
func NewEventWriter(w io.Writer) (*EventWriter, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(EventHeader); err != nil {
		return nil, err
	}
	return &EventWriter{w: cw, rec: make([]string, len(EventHeader))}, nil
}

// Write prints one event.
func (e *EventWriter) Write(a Anomaly) error {
	ev, err := json.Marshal(a.Evidence)
	if err != nil {
		return fmt.Errorf("evidence of %s at %s: %w", a.Kind, a.TS, err)
	}
	e.rec[0] = a.TS.UTC().Format(time.RFC3339)
	e.rec[1] = a.Kind
	e.rec[2] = strconv.FormatFloat(a.Score, 'f', 3, 64)
	e.rec[3] = string(a.Severity)
	e.rec[4] = a.Token
	e.rec[5] = string(ev)
	return e.w.Write(e.rec)
}

// Flush flushes the underlying writer and returns its error.
func (e *EventWriter) Flush() error {
	e.w.Flush()
	return e.w.Error()
}

// DetectBarsCSV is `memepipe anomaly detect --bars F.csv`: it reads bars
// from r and prints the events to w as CSV (ts,kind,score,severity,token,
// evidence). The report tells what was skipped and why.
func DetectBarsCSV(r io.Reader, source string, w io.Writer, cfg BarConfig) (Report, error) {
	ew, err := NewEventWriter(w)
	if err != nil {
		return Report{Source: source}, err
	}
	rep, err := ScanBars(r, source, cfg, ew.Write)
	if ferr := ew.Flush(); err == nil {
		err = ferr
	}
	return rep, err
}
