package sim

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"
)

// Window is how far back the market reaches from the time the Sim was built.
const Window = 30 * 24 * time.Hour

// afterHours is how long past the build time the market keeps going, so a
// long-running server has data to serve.
const afterHours = 7 * 24

// EventKind names a kind of injected event.
type EventKind string

const (
	KindPumpAndDump   EventKind = "pump_and_dump"
	KindRugPull       EventKind = "rug_pull"
	KindWhaleTransfer EventKind = "whale_transfer"
	KindWashTrading   EventKind = "wash_trading"
	KindBotBurst      EventKind = "bot_burst"
	KindHoneypot      EventKind = "honeypot"
)

// Rug methods.
const (
	RugLPRemoval = "lp_removal"
	RugDevDump   = "dev_dump"
)

// token is one synthetic ERC-20 and its market.
type token struct {
	idx         int
	Symbol      string
	Name        string
	Slug        string
	Address     string // lower case
	Pair        string // lower case
	Creator     string // lower case
	Decimals    int
	Supply      *big.Int // base units
	supplyF     float64  // whole tokens
	YahooTicker string
	Website     string

	token0     bool // the token sorts before WETH, so it is the pair's token0
	launch     int64
	poolShare  float64
	keepShare  float64  // share of supply the creator keeps
	team       []string // team wallets
	teamAmt    []*big.Int
	initWETH   float64
	activity   float64 // organic buys per hour at maturity
	tweetRate  float64 // organic tweets per hour at maturity
	verified   bool
	honeypot   bool
	renounce   bool // renounces ownership and burns LP at launch
	source     string
	events     []*event
	deadAfter  int64 // activity collapses after this time (rug); 0 = never
	honeySells []honeySell
	admin      []adminCall

	once sync.Once
	sk   *skeleton
}

type honeySell struct {
	at    int64
	share float64
}

type adminCall struct {
	at      int64
	sig     string // canonical signature for the method id
	display string // Etherscan's functionName
	arg     string // one 32-byte word of input
}

// event is one injected event; fields are used by kind.
type event struct {
	id    int
	kind  EventKind
	tok   *token
	start int64
	end   int64

	// pump_and_dump
	wallets   []string
	weights   []float64
	multiple  float64
	buyBlocks int
	dumpAt    []int64
	promoFrom int64
	promoN    int
	bots      int

	// rug_pull
	method string
	share  float64
	pieces int

	// whale_transfer
	from, to string
	teamIdx  int

	// wash_trading
	loops []int64
	washA string
	washB string
	washW float64

	// Filled by the skeleton pass (record mode), read by detail passes.
	bought []*big.Int
	stats  map[string]any
}

// market holds the static plan of the world; it is immutable after build
// except for the lazily built skeletons (guarded by each token's Once).
type market struct {
	k       hasher
	start   int64 // first hour of the window (unix s, hour aligned)
	built   int64 // hour the Sim was built in (end of the 30-day window)
	hours   int
	tokens  []*token
	bySym   map[string][]*token
	byAddr  map[string]*token // token and pair addresses, lower case
	events  []*event
	ethUSD  []float64
	authors []user
}

func (m *market) hourOf(t int64) int { return int(math.Floor(float64(t-m.start) / 3600)) }

func (m *market) hourStart(h int) int64 { return m.start + int64(h)*3600 }

func (m *market) ethAt(t int64) float64 {
	h := m.hourOf(t)
	if h < 0 {
		h = 0
	}
	if h >= len(m.ethUSD) {
		h = len(m.ethUSD) - 1
	}
	return m.ethUSD[h]
}

var (
	namePrefix = []string{"Baby", "Mega", "Turbo", "Based", "Giga", "Super", "Little", "Golden", "Dark", "Happy", "Angry", "Lucky", "Cyber", "Moon", "Rocket", "Degen", "Sir", "Smol", "Chad", "Zen"}
	nameCore   = []string{"Pepe", "Doge", "Shiba", "Wojak", "Floki", "Bonk", "Frog", "Kitty", "Elon", "Hamster", "Penguin", "Otter", "Ape", "Bull", "Mog", "Toad", "Brett", "Goat", "Llama", "Panda", "Dragon", "Corgi", "Duck", "Sloth", "Bunny", "Whale", "Turtle", "Moose", "Koala", "Gecko"}
	nameSuffix = []string{"Inu", "Coin", "AI", "Token", "X", "Classic", "Moon", "", "", ""}
)

func buildMarket(seed uint64, n int, now time.Time) *market {
	k := hasher{seed: seed}
	built := now.UTC().Truncate(time.Hour).Unix()
	m := &market{
		k:      k,
		start:  built - int64(Window/time.Second),
		built:  built,
		bySym:  map[string][]*token{},
		byAddr: map[string]*token{},
	}
	m.hours = int(Window/time.Hour) + afterHours

	// ETH/USD: an hourly geometric random walk around 3,000.
	er := k.rng("eth")
	m.ethUSD = make([]float64, m.hours+1)
	p := 2600 + 800*er.Float64()
	for h := range m.ethUSD {
		m.ethUSD[h] = math.Round(p*100) / 100
		p *= math.Exp(0.006 * er.NormFloat64())
	}
	m.authors = makeAuthors(k, 4000, m.start)

	r := k.rng("tokens")
	used := map[string]bool{}
	for i := 0; i < n; i++ {
		t := &token{idx: i}
		for {
			pre := namePrefix[r.IntN(len(namePrefix))]
			core := nameCore[r.IntN(len(nameCore))]
			suf := nameSuffix[r.IntN(len(nameSuffix))]
			name := strings.TrimSpace(pre + " " + core + " " + suf)
			sym := symbolFor(r, pre, core, suf)
			if used[sym] || used[name] {
				continue
			}
			used[sym], used[name] = true, true
			t.Name, t.Symbol = name, sym
			break
		}
		t.Slug = strings.ToLower(strings.ReplaceAll(t.Name, " ", "-"))
		t.Address = k.addr("token", i)
		t.Pair = k.addr("pair", i)
		t.Creator = k.addr("creator", i)
		t.token0 = t.Address < addrWETH
		t.Decimals = 18
		if r.Float64() < 0.15 {
			t.Decimals = 9
		}
		supplies := []float64{1e9, 1e12, 420.69e12, 69e9, 100e6, 1e15}
		t.supplyF = supplies[r.IntN(len(supplies))]
		t.Supply = toUnits(t.supplyF, t.Decimals)
		t.Website = "https://" + strings.ToLower(t.Symbol) + ".example"
		t.verified = true
		t.renounce = true
		t.poolShare = 0.80 + 0.12*r.Float64()
		t.keepShare = 0.01 + 0.03*r.Float64()
		t.initWETH = math.Exp(math.Log(8) + 0.7*r.NormFloat64())
		t.initWETH = math.Max(2, math.Min(60, t.initWETH))
		t.activity = 4 + 18*r.Float64()
		t.tweetRate = 1.5 + 5*r.Float64()
		m.tokens = append(m.tokens, t)
		m.bySym[strings.ToUpper(t.Symbol)] = append(m.bySym[strings.ToUpper(t.Symbol)], t)
		m.byAddr[t.Address] = t
		m.byAddr[t.Pair] = t
	}
	m.plan(r)
	for _, t := range m.tokens {
		t.source = sourceFor(k, t)
	}
	return m
}

func symbolFor(r *rand.Rand, pre, core, suf string) string {
	c := strings.ToUpper(core)
	switch r.IntN(4) {
	case 0:
		return c
	case 1:
		return strings.ToUpper(pre[:1]) + c
	case 2:
		if suf != "" && suf != "X" {
			return c + strings.ToUpper(suf[:1])
		}
		return c + "X"
	default:
		s := strings.ToUpper(pre) + c
		if len(s) > 9 {
			s = s[:9]
		}
		return s
	}
}

func countOf(n int, pct float64) int {
	c := int(math.Round(float64(n) * pct))
	if c < 1 {
		c = 1
	}
	return c
}

// plan assigns categories and places every event in time. Half of each
// kind (the even-ranked ones) land in the last 24 hours before the build
// time, so a demo over the last day sees every kind.
func (m *market) plan(r *rand.Rand) {
	n := len(m.tokens)
	perm := r.Perm(n)
	next := 0
	take := func(c int) []*token {
		var out []*token
		for ; c > 0 && next < n; c-- {
			out = append(out, m.tokens[perm[next]])
			next++
		}
		return out
	}
	established := take(countOf(n, 0.12))
	honeypots := take(countOf(n, 0.10))
	rugLP := take(countOf(n, 0.08))
	rugDump := take(countOf(n, 0.06))
	pumps := take(countOf(n, 0.16))
	washes := take(countOf(n, 0.08))
	organic := take(n)

	const hour = 3600
	E := m.built
	W0 := m.start
	recent := func(rank int) bool { return rank%2 == 0 }
	recentTime := func() int64 { return E - 20*hour + int64(r.IntN(17*hour)) }
	olderTime := func(lo int64) int64 {
		hi := E - 26*hour
		if lo >= hi {
			return hi
		}
		return lo + r.Int64N(hi-lo)
	}
	// launches sit early in an hour so the launch sequence fits in it.
	launchAt := func(t int64) int64 {
		if t < W0+hour {
			t = W0 + hour
		}
		return t - t%hour + 60 + int64(r.IntN(2400))
	}
	// eventAt keeps multi-transaction sequences inside one hour.
	inHour := func(t int64, room int) int64 {
		h := t - t%hour
		s := t % hour
		if s > int64(3600-room) {
			s = int64(3600 - room)
		}
		return h + s
	}
	for _, t := range organic {
		t.launch = launchAt(W0 + hour + r.Int64N(E-30*hour-W0-hour))
	}
	for _, t := range established {
		t.launch = launchAt(W0)
		t.YahooTicker = t.Symbol + "-USD"
		t.initWETH = 400 + 1600*r.Float64()
		t.activity = 30 + 40*r.Float64()
		t.tweetRate = 6 + 9*r.Float64()
		t.poolShare = 0.55 + 0.15*r.Float64()
	}
	for i, t := range honeypots {
		t.honeypot = true
		t.renounce = false
		t.keepShare = 0.10 + 0.08*r.Float64()
		t.poolShare = 0.80
		if recent(i) {
			t.launch = launchAt(E - 30*hour + int64(r.IntN(14*hour)))
		} else {
			t.launch = launchAt(W0 + hour + r.Int64N(E-4*24*hour-W0))
		}
		ev := m.addEvent(t, KindHoneypot, t.launch, m.start+int64(m.hours)*hour)
		// The owner calls the gates soon after launch, then sells regularly.
		at := t.launch + int64(1800+r.IntN(3*hour))
		t.admin = append(t.admin,
			adminCall{at: at, sig: "setTaxFee(uint256)", display: "setTaxFee(uint256 fee)", arg: word(big.NewInt(int64(25 + r.IntN(75))))},
			adminCall{at: at + int64(600+r.IntN(hour)), sig: "setBlacklist(address,bool)", display: "setBlacklist(address account, bool value)", arg: strings.Repeat("0", 24) + m.k.addr("victim", t.idx)[2:]},
		)
		for s := t.launch + int64(4*hour+r.IntN(4*hour)); s < m.start+int64(m.hours)*hour; s += int64(6*hour + r.IntN(8*hour)) {
			t.honeySells = append(t.honeySells, honeySell{at: inHour(s, 60), share: 0.04 + 0.06*r.Float64()})
		}
		ev.stats = map[string]any{"owner": ChecksumAddress(t.Creator)}
	}
	for i, t := range append(append([]*token{}, rugLP...), rugDump...) {
		method := RugLPRemoval
		if i >= len(rugLP) {
			method = RugDevDump
		}
		var tr int64
		if recent(i) {
			tr = recentTime()
		} else {
			tr = olderTime(W0 + 3*24*hour)
		}
		tr = inHour(tr, 300)
		t.launch = launchAt(tr - int64(4*hour+r.IntN(3*24*hour)))
		if t.launch > tr-3*hour {
			tr = inHour(t.launch+3*hour, 300)
		}
		t.renounce = false
		ev := m.addEvent(t, KindRugPull, tr, tr+hour)
		ev.method = method
		if method == RugLPRemoval {
			ev.share = 0.90 + 0.09*r.Float64()
			ev.end = tr + 12
			if i%3 == 1 {
				t.verified = false
			}
		} else {
			t.keepShare = 0.35 + 0.10*r.Float64()
			t.poolShare = 0.50
			ev.share = 0.85 + 0.15*r.Float64()
			ev.pieces = 3 + r.IntN(5)
			ev.end = tr + int64(ev.pieces*secsPerBlock*2)
		}
		t.deadAfter = tr
	}
	for i, t := range pumps {
		var tp int64
		if recent(i) {
			tp = recentTime()
		} else {
			tp = olderTime(W0 + 2*24*hour)
		}
		tp = tp - tp%hour + int64(r.IntN(180)) // pumps are announced for round hours
		t.launch = launchAt(tp - int64(18*hour+r.IntN(8*24*hour)))
		if t.launch > tp-6*hour {
			tp = t.launch - t.launch%hour + 8*hour + int64(r.IntN(180))
		}
		ev := m.addEvent(t, KindPumpAndDump, tp, tp+2*hour)
		nw := 15 + r.IntN(26)
		ev.buyBlocks = 2 + r.IntN(2)
		ev.multiple = 2.5 + 3.5*r.Float64()
		for j := 0; j < nw; j++ {
			ev.wallets = append(ev.wallets, m.k.addr("pumpw", ev.id, j))
			ev.weights = append(ev.weights, 0.5+r.Float64())
			ev.dumpAt = append(ev.dumpAt, tp+int64(300+r.IntN(100*60)))
		}
		ev.bought = make([]*big.Int, nw)
		ev.promoFrom = tp - int64(60*60+r.IntN(30*60))
		ev.promoN = 25 + r.IntN(36)
		ev.bots = 10 + r.IntN(20)
	}
	for i, t := range washes {
		var tw int64
		if recent(i) {
			tw = recentTime()
		} else {
			tw = olderTime(W0 + 2*24*hour)
		}
		t.launch = launchAt(tw - int64(6*hour+r.IntN(5*24*hour)))
		if t.launch > tw-3*hour {
			tw = t.launch + 3*hour
		}
		tw -= tw % hour
		ev := m.addEvent(t, KindWashTrading, tw, tw+2*hour)
		ev.washA = m.k.addr("washA", ev.id)
		ev.washB = m.k.addr("washB", ev.id)
		ev.washW = 0.3 + 1.2*r.Float64()
		nl := 12 + r.IntN(20)
		for j := 0; j < nl; j++ {
			ev.loops = append(ev.loops, inHour(tw+int64(r.IntN(2*hour)), 120))
		}
		sort.Slice(ev.loops, func(a, b int) bool { return ev.loops[a] < ev.loops[b] })
	}
	for _, t := range organic {
		if r.Float64() < 0.08 {
			t.verified = false
		}
	}
	// Team wallets: every token sends part of the supply to two or three
	// wallets at launch; whale transfers move those bags.
	for _, t := range m.tokens {
		nt := 2 + r.IntN(2)
		rest := 1 - t.poolShare - t.keepShare
		for j := 0; j < nt; j++ {
			t.team = append(t.team, m.k.addr("team", t.idx, j))
			t.teamAmt = append(t.teamAmt, toUnits(t.supplyF*rest/float64(nt), t.Decimals))
		}
	}
	// Whale transfers on ~30% of tokens, bot bursts on ~1/8 (not pumped ones,
	// whose promotion is part of the pump).
	wperm := r.Perm(n)
	for i := 0; i < countOf(n, 0.30); i++ {
		t := m.tokens[wperm[i]]
		var tw int64
		if recent(i) {
			tw = recentTime()
		} else {
			tw = olderTime(t.launch + 2*hour)
		}
		if tw < t.launch+2*hour {
			tw = t.launch + 2*hour
		}
		if t.deadAfter != 0 && tw > t.deadAfter {
			tw = t.deadAfter - 1800
		}
		if tw < t.launch+600 {
			continue
		}
		tw = inHour(tw, 60)
		ev := m.addEvent(t, KindWhaleTransfer, tw, tw+secsPerBlock)
		ev.teamIdx = 0
		ev.share = 0.6 + 0.4*r.Float64()
		ev.from = t.team[0]
		ev.to = m.k.addr("whaleto", ev.id)
	}
	bperm := r.Perm(n)
	nb := countOf(n, 0.125)
	for i := 0; i < n && nb > 0; i++ {
		t := m.tokens[bperm[i]]
		if t.hasKind(KindPumpAndDump) {
			continue
		}
		nb--
		rank := countOf(n, 0.125) - nb - 1
		var tb int64
		if recent(rank) {
			tb = recentTime()
		} else {
			tb = olderTime(t.launch + hour)
		}
		if tb < t.launch+hour {
			tb = t.launch + hour
		}
		ev := m.addEvent(t, KindBotBurst, tb, tb+int64(30*60+r.IntN(30*60)))
		ev.promoFrom = tb
		ev.promoN = 30 + r.IntN(50)
		ev.bots = 12 + r.IntN(25)
	}
	for _, t := range m.tokens {
		sort.SliceStable(t.events, func(a, b int) bool { return t.events[a].start < t.events[b].start })
	}
	sort.SliceStable(m.events, func(a, b int) bool {
		if m.events[a].start != m.events[b].start {
			return m.events[a].start < m.events[b].start
		}
		return m.events[a].id < m.events[b].id
	})
}

func (m *market) addEvent(t *token, kind EventKind, start, end int64) *event {
	ev := &event{id: len(m.events), kind: kind, tok: t, start: start, end: end}
	t.events = append(t.events, ev)
	m.events = append(m.events, ev)
	return ev
}

func (t *token) hasKind(k EventKind) bool {
	for _, e := range t.events {
		if e.kind == k {
			return true
		}
	}
	return false
}

func (t *token) event(k EventKind) *event {
	for _, e := range t.events {
		if e.kind == k {
			return e
		}
	}
	return nil
}

// labels are the token's ground-truth labels.
func (t *token) labels() []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, e := range t.events {
		switch e.kind {
		case KindRugPull:
			add("rug_pull")
		case KindHoneypot:
			add("honeypot")
		case KindPumpAndDump:
			add("pump_and_dump")
			add("bot_promoted")
		case KindWashTrading:
			add("wash_trading")
		case KindBotBurst:
			add("bot_promoted")
		case KindWhaleTransfer:
			add("whale_activity")
		}
	}
	if !t.verified {
		add("unverified_source")
	}
	if t.YahooTicker != "" {
		add("yahoo_listed")
	}
	bad := seen["rug_pull"] || seen["honeypot"] || seen["pump_and_dump"] || seen["wash_trading"]
	if !bad {
		add("organic")
	}
	sort.Strings(out)
	return out
}

func (t *token) String() string { return fmt.Sprintf("%s(%s)", t.Symbol, t.Address) }
