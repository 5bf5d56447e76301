package tokenview

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"memepipe/analytics"
)

// Chart is a series laid out for an SVG: coordinates in the SVG's user
// units, paths ready for <path d=…>. The page's template draws it, so the
// charts are plain server-rendered markup: no script, no CDN.
type Chart struct {
	Width, Height int
	// The plot area: left, top, width, height.
	X0, Y0, W, H int
	// Line is the series' path; Band the closed path of each bucket's low
	// to high range ("" when every bucket is one value).
	Line, Band string
	// Bars are volume bars, scaled to the right axis.
	Bars []Rect
	// ZeroY is the y of a zero line (sentiment), -1 for none.
	ZeroY                   int
	XTicks, YTicks, Y2Ticks []Tick
	Markers                 []Marker
	// Points is how many points the line has; Empty is true with none.
	Points int
	Empty  bool
}

// Tick is an axis label at a position (X for the time axis, Y for values).
type Tick struct {
	Pos   float64
	Label string
}

// Rect is a bar.
type Rect struct {
	X, Y, W, H float64
	Title      string
}

// Marker is an anomaly on the price chart.
type Marker struct {
	X, Y     float64
	Color    string
	Severity string
	Title    string
}

// Chart geometry: wide enough for a week of hourly points, short enough
// for three charts on a screen.
const (
	chartWidth  = 760
	chartHeight = 220
	padLeft     = 64
	padRight    = 56
	padTop      = 12
	padBottom   = 26
)

func newChart() Chart {
	return Chart{Width: chartWidth, Height: chartHeight, X0: padLeft, Y0: padTop,
		W: chartWidth - padLeft - padRight, H: chartHeight - padTop - padBottom, ZeroY: -1}
}

// layout builds the view's three charts.
func (v *View) layout() {
	v.PriceChart = priceChart(v.Price, v.Anomalies, v.From, v.To)
	v.SentimentChart = sentimentChart(v.Sentiment, v.From, v.To)
	v.ScoreChart = scoreChart(v.Scores, v.From, v.To)
}

type scale struct {
	c        *Chart
	from, to time.Time
	lo, hi   float64
}

func (s scale) x(t time.Time) float64 {
	d := s.to.Sub(s.from)
	if d <= 0 {
		return float64(s.c.X0)
	}
	return float64(s.c.X0) + float64(t.Sub(s.from))/float64(d)*float64(s.c.W)
}

func (s scale) y(v float64) float64 {
	f := (v - s.lo) / (s.hi - s.lo)
	return float64(s.c.Y0) + float64(s.c.H)*(1-f)
}

func priceChart(pts []Point, anomalies []analytics.Anomaly, from, to time.Time) Chart {
	c := newChart()
	c.XTicks = timeTicks(&c, from, to)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		lo, hi = math.Min(lo, p.Lo), math.Max(hi, p.Hi)
	}
	if len(pts) == 0 {
		c.Empty = true
		lo, hi = 0, 1
	}
	lo, hi = pad(lo, hi)
	s := scale{c: &c, from: from, to: to, lo: lo, hi: hi}
	c.YTicks = valueTicks(s, lo, hi)
	c.Line = linePath(s, pts, func(p Point) float64 { return p.V })
	c.Points = len(pts)
	banded := false
	for _, p := range pts {
		if p.Hi > p.Lo {
			banded = true
			break
		}
	}
	if banded && len(pts) > 1 {
		var b strings.Builder
		for i, p := range pts {
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&b, "%s%.1f,%.1f ", cmd, s.x(p.T), s.y(p.Hi))
		}
		for i := len(pts) - 1; i >= 0; i-- {
			fmt.Fprintf(&b, "L%.1f,%.1f ", s.x(pts[i].T), s.y(pts[i].Lo))
		}
		b.WriteString("Z")
		c.Band = b.String()
	}
	// Anomalies sit on the price line at their time (the nearest point's
	// price), or along the top when there is no price to sit on.
	for _, a := range anomalies {
		if a.TS.Before(from) || !a.TS.Before(to) {
			continue
		}
		m := Marker{X: s.x(a.TS), Y: float64(c.Y0) + 6, Severity: a.Severity, Color: severityColor(a.Severity),
			Title: fmt.Sprintf("%s (%s, score %.2f) at %s", a.Kind, a.Severity, a.Score, a.TS.UTC().Format("2006-01-02 15:04 UTC"))}
		if len(pts) > 0 {
			m.Y = s.y(nearest(pts, a.TS).V)
		}
		c.Markers = append(c.Markers, m)
	}
	return c
}

func sentimentChart(pts []SentimentPoint, from, to time.Time) Chart {
	c := newChart()
	c.XTicks = timeTicks(&c, from, to)
	c.Empty = len(pts) == 0
	c.Points = len(pts)
	// Compound scores live in [-1, 1]: a fixed axis, so two tokens' charts
	// compare at a glance.
	s := scale{c: &c, from: from, to: to, lo: -1, hi: 1}
	for _, v := range []float64{-1, -0.5, 0, 0.5, 1} {
		c.YTicks = append(c.YTicks, Tick{Pos: s.y(v), Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	c.ZeroY = int(math.Round(s.y(0)))
	maxVol := 0
	for _, p := range pts {
		maxVol = max(maxVol, p.Volume)
	}
	if maxVol > 0 {
		// Volume bars rise from the bottom to at most 40% of the plot, on
		// the right axis.
		vh := 0.4 * float64(c.H)
		bw := math.Max(1, math.Min(float64(c.W)/float64(len(pts))-0.5, 12))
		bottom := float64(c.Y0 + c.H)
		for _, p := range pts {
			h := vh * float64(p.Volume) / float64(maxVol)
			c.Bars = append(c.Bars, Rect{X: s.x(p.T), Y: bottom - h, W: bw, H: h,
				Title: fmt.Sprintf("%d texts from %s, compound %.2f", p.Volume, p.T.UTC().Format("2006-01-02 15:04 UTC"), p.Compound)})
		}
		for _, f := range []float64{0, 0.5, 1} {
			c.Y2Ticks = append(c.Y2Ticks, Tick{Pos: bottom - f*vh, Label: strconv.Itoa(int(math.Round(f * float64(maxVol))))})
		}
	}
	var b strings.Builder
	for i, p := range pts {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&b, "%s%.1f,%.1f ", cmd, s.x(p.T), s.y(math.Max(-1, math.Min(1, p.Compound))))
	}
	c.Line = strings.TrimSpace(b.String())
	return c
}

func scoreChart(pts []Point, from, to time.Time) Chart {
	c := newChart()
	c.Height, c.H = 140, 140-padTop-padBottom
	c.XTicks = timeTicks(&c, from, to)
	c.Empty = len(pts) == 0
	c.Points = len(pts)
	s := scale{c: &c, from: from, to: to, lo: 0, hi: 100}
	for _, v := range []float64{0, 50, 100} {
		c.YTicks = append(c.YTicks, Tick{Pos: s.y(v), Label: strconv.Itoa(int(v))})
	}
	c.Line = linePath(s, pts, func(p Point) float64 { return p.V })
	return c
}

func linePath(s scale, pts []Point, val func(Point) float64) string {
	var b strings.Builder
	for i, p := range pts {
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		fmt.Fprintf(&b, "%s%.1f,%.1f ", cmd, s.x(p.T), s.y(val(p)))
	}
	if len(pts) == 1 {
		// One point draws nothing as a line: a short tick shows it.
		fmt.Fprintf(&b, "l4,0")
	}
	return strings.TrimSpace(b.String())
}

func nearest(pts []Point, t time.Time) Point {
	i := sort.Search(len(pts), func(i int) bool { return !pts[i].T.Before(t) })
	switch {
	case i == len(pts):
		return pts[len(pts)-1]
	case i == 0:
		return pts[0]
	}
	if t.Sub(pts[i-1].T) < pts[i].T.Sub(t) {
		return pts[i-1]
	}
	return pts[i]
}

// pad widens [lo, hi] by 5% each side, and a flat series to ±5% of its
// value, so the line never sits on the frame.
func pad(lo, hi float64) (float64, float64) {
	if hi <= lo {
		d := math.Abs(lo) * 0.05
		if d == 0 {
			d = 1
		}
		return lo - d, hi + d
	}
	d := (hi - lo) * 0.05
	return lo - d, hi + d
}

// valueTicks puts 3-6 ticks at round values (1, 2 or 5 times a power of
// ten) in [lo, hi].
func valueTicks(s scale, lo, hi float64) []Tick {
	raw := (hi - lo) / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var out []Tick
	for v := math.Ceil(lo/step) * step; v <= hi && len(out) < 8; v += step {
		out = append(out, Tick{Pos: s.y(v), Label: fmtValue(v, step)})
	}
	return out
}

// fmtValue writes a tick value with the precision its step needs: meme
// coins trade at 0.00000123 as often as at 1,234.
func fmtValue(v, step float64) string {
	if math.Abs(v) < step/1e6 {
		return "0"
	}
	if math.Abs(v) < 1e-3 || math.Abs(v) >= 1e6 {
		return strconv.FormatFloat(v, 'e', 2, 64)
	}
	dec := max(0, int(-math.Floor(math.Log10(step))))
	return strconv.FormatFloat(v, 'f', dec, 64)
}

var tickSteps = []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour}

// timeTicks labels the time axis at round UTC times, at most 8 of them.
func timeTicks(c *Chart, from, to time.Time) []Tick {
	d := to.Sub(from)
	step := tickSteps[len(tickSteps)-1]
	for _, st := range tickSteps {
		if d/st <= 8 {
			step = st
			break
		}
	}
	s := scale{c: c, from: from, to: to}
	var out []Tick
	for t := from.UTC().Truncate(step); t.Before(to); t = t.Add(step) {
		if t.Before(from) {
			continue
		}
		label := t.Format("15:04")
		if step >= 24*time.Hour || (t.Hour() == 0 && t.Minute() == 0) {
			label = t.Format("Jan 2")
		}
		out = append(out, Tick{Pos: s.x(t), Label: label})
	}
	return out
}

func severityColor(sev string) string {
	switch sev {
	case "critical":
		return "#d0353a"
	case "warn":
		return "#f0a030"
	}
	return "#2456a6"
}
