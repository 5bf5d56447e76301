package anomaly

import (
	"time"
)

// Post is one social post about the token (a tweet), with what the burst
// detector needs about its author.
type Post struct {
	TS     time.Time
	ID     string
	Author string
	// AuthorCreatedAt is when the author's account was made; zero when
	// unknown.
	AuthorCreatedAt time.Time
}

// PostConfig tunes the post detector. Zero fields take the defaults.
type PostConfig struct {
	Token string
	// Window is the bucket posts are counted in (default 15m): bot
	// campaigns and pump promotions post dozens of times within half an
	// hour, which an hourly count dilutes.
	Window time.Duration
	// Baseline is the number of trailing windows in the robust baseline
	// (default 96: a day of 15-minute windows, quiet ones included).
	Baseline int
	// MinPosts is the least count of a burst window (default 10), ZMin its
	// robust z against the baseline (default 4).
	MinPosts int
	ZMin     float64
	// NewAccountAge: an author younger than this at posting time is a new
	// account (default 30 days). Posts by new accounts are counted apart,
	// against their own baseline: a window with at least MinNewPosts of
	// them (default 5) at a robust z of ZMin is a bot_burst. Campaigns run
	// on fresh accounts, and mixed into a token's ordinary chatter they
	// can stand out only in that count. A window whose total count stands
	// out without them (news, a listing) is a social_burst.
	NewAccountAge time.Duration
	MinNewPosts   int
	Thresholds
}

func (c PostConfig) withDefaults() PostConfig {
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
	}
	if c.NewAccountAge <= 0 {
		c.NewAccountAge = 30 * 24 * time.Hour
	}
	if c.Baseline <= 0 {
		c.Baseline = 96
	}
	if c.MinPosts <= 0 {
		c.MinPosts = 10
	}
	if c.ZMin <= 0 {
		c.ZMin = 4
	}
	if c.MinNewPosts <= 0 {
		c.MinNewPosts = 5
	}
	if c.Thresholds == (Thresholds{}) {
		c.Thresholds = DefaultThresholds
	}
	return c
}

type postWindow struct {
	idx     int64
	start   time.Time
	posts   int
	newAcct int
	authors map[string]struct{}
}

// PostDetector finds bursts of posting about one token: a window with far
// more posts than the trailing windows (robust z), the social side of bot
// campaigns and pump promotions (bot_burst when new accounts carry it,
// social_burst otherwise). Push posts in time order; Flush at the end.
type PostDetector struct {
	cfg                PostConfig
	cur                *postWindow
	base               *window // posts per window
	baseNew            *window // posts by new accounts per window
	last               time.Time
	processed, skipped int
}

// NewPostDetector returns a detector with cfg's defaults filled in.
func NewPostDetector(cfg PostConfig) *PostDetector {
	cfg = cfg.withDefaults()
	return &PostDetector{cfg: cfg, base: newWindow(cfg.Baseline), baseNew: newWindow(cfg.Baseline)}
}

// Stats reports how many posts were used and skipped.
func (d *PostDetector) Stats() (processed, skipped int) { return d.processed, d.skipped }

// Push consumes the next post and returns the events of the window it closes.
func (d *PostDetector) Push(p Post) ([]Anomaly, error) {
	if p.TS.IsZero() {
		d.skipped++
		return nil, badRow("missing time", "post %s", p.ID)
	}
	if p.TS.Before(d.last) {
		d.skipped++
		return nil, badRow("out of order", "post at %s before %s", p.TS.Format(time.RFC3339), d.last.Format(time.RFC3339))
	}
	d.last = p.TS
	d.processed++
	var out []Anomaly
	wi := p.TS.UnixNano() / int64(d.cfg.Window)
	if d.cur != nil && d.cur.idx != wi {
		out = d.close(wi)
	}
	if d.cur == nil {
		d.cur = &postWindow{idx: wi, start: time.Unix(0, wi*int64(d.cfg.Window)).UTC(), authors: map[string]struct{}{}}
	}
	d.cur.posts++
	d.cur.authors[p.Author] = struct{}{}
	if !p.AuthorCreatedAt.IsZero() && p.TS.Sub(p.AuthorCreatedAt) < d.cfg.NewAccountAge {
		d.cur.newAcct++
	}
	return out, nil
}

// Flush closes the open window.
func (d *PostDetector) Flush() []Anomaly {
	if d.cur == nil {
		return nil
	}
	return d.close(d.cur.idx + 1)
}

// close scores the finished window against the baseline, then pushes
// zeros for the empty windows up to next (at most a baseline's worth), so
// quiet time counts.
func (d *PostDetector) close(next int64) []Anomaly {
	w := d.cur
	d.cur = nil
	var out []Anomaly
	med, scale := d.base.Median(), d.base.Scale(countFloor)
	z := (float64(w.posts) - med) / scale
	medNew, scaleNew := d.baseNew.Median(), d.baseNew.Scale(countFloor)
	zNew := (float64(w.newAcct) - medNew) / scaleNew
	warm := d.base.Len() >= 4
	kind, score := "", 0.0
	switch {
	case warm && w.newAcct >= d.cfg.MinNewPosts && zNew >= d.cfg.ZMin:
		kind, score = KindBotBurst, zNew
	case warm && w.posts >= d.cfg.MinPosts && z >= d.cfg.ZMin:
		kind, score = KindSocialBurst, z
	}
	if kind != "" {
		out = append(out, Anomaly{Token: d.cfg.Token, TS: w.start, Kind: kind, Score: round(score, 3), Severity: d.cfg.Of(score),
			Evidence: map[string]any{
				"posts":               w.posts,
				"authors":             len(w.authors),
				"new_account_posts":   w.newAcct,
				"new_account_share":   round(float64(w.newAcct)/float64(w.posts), 3),
				"baseline_median":     med,
				"new_baseline_median": medNew,
				"z":                   round(z, 2),
				"new_account_z":       round(zNew, 2),
				"window_seconds":      d.cfg.Window.Seconds(),
			}})
	}
	d.base.Push(float64(w.posts))
	d.baseNew.Push(float64(w.newAcct))
	empty := min(next-w.idx-1, int64(d.cfg.Baseline))
	for range empty {
		d.base.Push(0)
		d.baseNew.Push(0)
	}
	return out
}
