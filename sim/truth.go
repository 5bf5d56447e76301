package sim

import (
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"memepipe/pipeline"
)

// Truth is the ground truth of the market over an interval: every token's
// labels and every injected event that overlaps the interval. Addresses
// are lower case, as Etherscan returns them.
type Truth struct {
	Seed   int64        `json:"seed"`
	Start  time.Time    `json:"start"`
	End    time.Time    `json:"end"`
	Tokens []TokenTruth `json:"tokens"`
	Events []Event      `json:"events"`
}

// TokenTruth is one token's identity and labels.
type TokenTruth struct {
	Symbol      string    `json:"symbol"`
	Name        string    `json:"name"`
	Address     string    `json:"address"`
	Pair        string    `json:"pair"`
	Creator     string    `json:"creator"`
	Decimals    int       `json:"decimals"`
	YahooTicker string    `json:"yahoo_ticker,omitempty"`
	LaunchedAt  time.Time `json:"launched_at"`
	LaunchBlock uint64    `json:"launch_block"`
	Verified    bool      `json:"verified"`
	Labels      []string  `json:"labels"`
}

// Event is one injected event.
type Event struct {
	ID         int            `json:"id"`
	Token      string         `json:"token"`
	Address    string         `json:"address"`
	Kind       EventKind      `json:"kind"`
	Start      time.Time      `json:"start"`
	End        time.Time      `json:"end"`
	StartBlock uint64         `json:"start_block"`
	EndBlock   uint64         `json:"end_block"`
	Details    map[string]any `json:"details"`
}

// Truth returns the ground truth for events overlapping iv; the zero
// interval means the whole market window.
func (s *Sim) Truth(iv pipeline.Interval) Truth {
	if iv.IsZero() {
		iv = pipeline.Interval{Start: time.Unix(s.m.start, 0).UTC(), End: time.Unix(s.m.start+int64(s.m.hours)*3600, 0).UTC()}
	}
	tr := Truth{Seed: s.opts.Seed, Start: iv.Start.UTC(), End: iv.End.UTC(), Tokens: []TokenTruth{}, Events: []Event{}}
	for _, t := range s.m.tokens {
		tr.Tokens = append(tr.Tokens, TokenTruth{
			Symbol: t.Symbol, Name: t.Name, Address: t.Address, Pair: t.Pair, Creator: t.Creator,
			Decimals: t.Decimals, YahooTicker: t.YahooTicker,
			LaunchedAt: time.Unix(t.launch, 0).UTC(), LaunchBlock: blockAtOrAfter(t.launch),
			Verified: t.verified, Labels: t.labels(),
		})
	}
	for _, ev := range s.m.events {
		if ev.end <= iv.Start.Unix() || ev.start >= iv.End.Unix() {
			continue
		}
		s.m.skel(ev.tok) // fills the event's measured details
		tr.Events = append(tr.Events, s.eventTruth(ev))
	}
	sort.SliceStable(tr.Events, func(a, b int) bool { return tr.Events[a].Start.Before(tr.Events[b].Start) })
	return tr
}

func (s *Sim) eventTruth(ev *event) Event {
	d := map[string]any{}
	for k, v := range ev.stats {
		d[k] = v
	}
	switch ev.kind {
	case KindPumpAndDump:
		d["wallets"] = ev.wallets
		d["buy_blocks"] = ev.buyBlocks
		d["target_multiple"] = round2(ev.multiple)
		d["promo_start"] = time.Unix(ev.promoFrom, 0).UTC()
		d["promo_tweets"] = ev.promoN
		d["bot_accounts"] = ev.bots
	case KindRugPull:
		d["method"] = ev.method
		d["creator"] = ev.tok.Creator
	case KindWhaleTransfer:
		d["from"] = ev.from
		d["to"] = ev.to
	case KindWashTrading:
		d["wallets"] = []string{ev.washA, ev.washB}
		d["loops"] = len(ev.loops)
	case KindBotBurst:
		d["tweets"] = ev.promoN
		d["bot_accounts"] = ev.bots
	case KindHoneypot:
		d["owner"] = ev.tok.Creator
		d["owner_sells"] = len(ev.tok.honeySells)
	}
	return Event{
		ID: ev.id, Token: ev.tok.Symbol, Address: ev.tok.Address, Kind: ev.kind,
		Start: time.Unix(ev.start, 0).UTC(), End: time.Unix(ev.end, 0).UTC(),
		StartBlock: blockAtOrAfter(ev.start), EndBlock: blockAtOrBefore(ev.end),
		Details: d,
	}
}

// JSON is the truth as indented JSON (map keys sorted, so it is stable).
func (t Truth) JSON() ([]byte, error) { return json.MarshalIndent(t, "", "  ") }

func (s *Sim) truthHandler(w http.ResponseWriter, r *http.Request) {
	var iv pipeline.Interval
	q := r.URL.Query()
	if a, b := q.Get("start"), q.Get("end"); a != "" && b != "" {
		st, err1 := time.Parse(time.RFC3339, a)
		en, err2 := time.Parse(time.RFC3339, b)
		if err1 != nil || err2 != nil || !en.After(st) {
			http.Error(w, "sim: start and end must be RFC 3339 times with end after start", http.StatusBadRequest)
			return
		}
		iv = pipeline.Interval{Start: st, End: en}
	}
	writeJSON(w, http.StatusOK, s.Truth(iv))
}
