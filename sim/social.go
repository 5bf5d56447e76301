package sim

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"memepipe/evm"
)

// twitterEpochMS is the snowflake epoch: an X id's top bits are the
// creation time in ms since then.
const twitterEpochMS = 1288834974657

type user struct {
	id          uint64
	username    string
	name        string
	description string
	created     int64
	followers   int
	following   int
	tweets      int
	listed      int
	verified    bool
	bot         bool
}

type tweet struct {
	id        uint64
	ms        int64
	author    *user
	text      string
	lang      string
	rtOf      uint64
	tok       *token
	likes     int
	retweets  int
	replies   int
	quotes    int
	views     int
	cashtags  []entity
	hashtags  []entity
	mentions  []entity
	lowerText string
}

type entity struct {
	start, end int
	tag        string
}

var (
	handleA = []string{"crypto", "degen", "moon", "alpha", "chart", "based", "gm", "wagmi", "whale", "frog", "ape", "satoshi", "defi", "onchain", "bag", "dip", "pump", "hodl", "memecoin", "gem"}
	handleB = []string{"king", "lord", "hunter", "wizard", "guy", "maxi", "trader", "chad", "anon", "dao", "labs", "capital", "watcher", "sniper", "farmer", "enjoyer", "szn", "bro", "queen", "monk"}
	firstNm = []string{"Alex", "Sam", "Chris", "Jordan", "Taylor", "Max", "Leo", "Mia", "Nina", "Omar", "Ivan", "Yuki", "Ana", "Ben", "Kai", "Zoe", "Ravi", "Lena", "Tom", "Eva"}
	bios    = []string{"trading memes since 2017", "not financial advice", "onchain sleuth | DYOR", "building on ethereum", "charts, coffee, chaos", "professional bag holder", "DeFi degen. nfa.", "early is everything", "just here for the memes", "web3 • trading • markets"}
)

func makeAuthors(k hasher, n int, start int64) []user {
	r := k.rng("authors")
	out := make([]user, n)
	for i := range out {
		u := &out[i]
		u.id = 10_000_000 + k.u64("uid", i)%1_800_000_000_000_000_000
		u.username = fmt.Sprintf("%s_%s%d", handleA[r.IntN(len(handleA))], handleB[r.IntN(len(handleB))], r.IntN(10000))
		u.name = firstNm[r.IntN(len(firstNm))] + " " + strings.ToUpper(string(rune('A'+r.IntN(26)))) + "."
		if r.Float64() < 0.3 {
			u.name += " 🐸"
		}
		u.description = bios[r.IntN(len(bios))]
		u.created = start - int64(86400*(60+r.IntN(4000)))
		u.followers = int(math.Exp(5 + 1.8*r.NormFloat64()))
		u.following = 50 + r.IntN(2000)
		u.tweets = 100 + r.IntN(40000)
		u.listed = u.followers / 200
		u.verified = r.Float64() < 0.03
	}
	return out
}

func (m *market) botUser(ev *event, j int) *user {
	r := m.k.rng("bot", ev.id, j)
	u := &user{bot: true}
	u.id = 1_600_000_000_000_000_000 + m.k.u64("botid", ev.id, j)%200_000_000_000_000_000
	u.username = fmt.Sprintf("%s%s%d", []string{"gem", "moon", "pump", "alpha", "x100"}[r.IntN(5)], []string{"calls", "shill", "signal", "hunter", "alerts"}[r.IntN(5)], 1000+r.IntN(90000))
	u.name = []string{"Crypto Gems 💎", "Alpha Caller", "Moon Signals 🚀", "100x Hunter", "Gem Alerts"}[r.IntN(5)]
	u.description = "🚀 early calls | 💎 100x gems | DM for promo"
	u.created = ev.start - int64(86400+r.IntN(20*86400))
	u.followers = r.IntN(40)
	u.following = 200 + r.IntN(3000)
	u.tweets = 5 + r.IntN(200)
	return u
}

var (
	tplBull = []string{
		"{C} looking strong 🚀 next leg up incoming",
		"just aped more {C}, this is the one 💎🙌",
		"{C} chart is beautiful, higher lows all day 📈",
		"LFG {C} 🔥🔥 wagmi",
		"{C} to the moon 🌕 not selling a single bag",
		"holders of {C} are gonna make it. hodl 💪",
		"bought the dip on {C}, easy money",
		"{C} community is insane, devs keep shipping. bullish",
		"{C} breaking out 📈 up {PCT}% and still early",
		"if you're not in {C} yet ngmi",
		"{C} is a gem 💎 low mcap, strong holders",
		"loaded my bags with {C} 🐸 see you at ATH",
		"{C} volume is pumping, something big coming 👀",
		"quietly accumulating {C}. patience pays",
		"{C} up {PCT}% and still undervalued imo",
		"crashing? nah, {C} just gave us a discount. buying the dip 🛒",
	}
	tplBear = []string{
		"{C} dumping hard 📉 glad I sold",
		"{C} looks like a rug to me. be careful",
		"devs of {C} went quiet... not a good sign",
		"{C} down {PCT}% today. rekt 😭",
		"selling my {C}, chart is dead",
		"{C} is a scam, avoid ⚠️",
		"can't believe I bought {C} at the top 🤡",
		"{C} liquidity looks thin, stay away",
		"whales dumping {C} on retail again",
		"{C} bleeding out, bearish 🐻",
		"ngmi with {C}. cutting my losses",
	}
	tplNeutral = []string{
		"anyone watching {C}? what's the play",
		"{C} price at {PRICE} right now",
		"new on uniswap: {C}. DYOR",
		"what's the contract for {C}?",
		"{C} holder count keeps growing, interesting",
		"thoughts on {C} vs the other frog coins?",
		"{C} trading sideways today",
		"anyone have the tokenomics for {C}?",
		"{C} chart update: consolidating around {PRICE}",
	}
	tplRug = []string{
		"{C} just got rugged. liquidity gone 💀",
		"dev pulled the LP on {C}. rug confirmed, stay away",
		"{C} rug pull. price went to zero in one block 😡",
		"RIP {C} holders. another rug 🪦",
	}
	tplDump = []string{
		"dev wallet just dumped {C} on everyone 📉 rugged",
		"{C} creator sold the whole bag. -{PCT}% in minutes",
	}
	tplHoney = []string{
		"can't sell {C}, transaction keeps failing. honeypot?? 🚩",
		"{C} is a honeypot. buys work, sells revert. avoid",
		"tried to sell {C} 3 times, reverted every time ⚠️",
	}
	tplPumped = []string{
		"{C} just did a {X}x 🚀🚀🚀 who's still in",
		"{C} dumped right after the pump. classic p&d 📉",
	}
	tplPromo = []string{
		"🚀🚀 {C} is about to EXPLODE 🚀🚀 next 100x gem, get in before {TIME} UTC!! #{S} 💎",
		"🔥 {C} PUMP at {TIME} UTC 🔥 don't miss it, 100x incoming #{S} #gem",
		"{C} 💎 next 1000x gem 💎 buy before {TIME} UTC 🚀 #{S} #crypto",
	}
	promoTail = []string{"", " t.me/{S}pump", " 🚀", " 💰💰", " NFA", " join now", " !!!", " 🔥🔥"}
)

// tweetsHour are the tweets about the token created in hour h, oldest first.
func (s *Sim) tweetsHour(t *token, h int) []*tweet {
	if h < 0 || h >= s.m.hours {
		return nil
	}
	key := cacheKey{kind: 't', tok: t.idx, hour: h}
	if v, ok := s.cache.get(key); ok {
		return v.([]*tweet)
	}
	tw := s.m.genTweets(t, h)
	s.cache.put(key, tw)
	return tw
}

func (m *market) genTweets(t *token, h int) []*tweet {
	hs := m.hourStart(h)
	he := hs + 3600
	var out []*tweet
	seq := 0
	mk := func(ms int64, au *user, text string) *tweet {
		tw := &tweet{ms: ms, author: au, text: text, lang: "en", tok: t}
		tw.id = uint64(ms-twitterEpochMS)<<22 | uint64(t.idx%1024)<<12 | uint64(seq%4096)
		seq++
		out = append(out, tw)
		return tw
	}
	// Promotion from bot accounts (pump preludes and bot bursts) may start
	// before launch is visible; organic talk only after launch.
	for _, ev := range t.events {
		var from, to int64
		switch ev.kind {
		case KindPumpAndDump:
			from, to = ev.promoFrom, ev.start-600
		case KindBotBurst:
			from, to = ev.start, ev.end
		default:
			continue
		}
		if to <= hs || from >= he {
			continue
		}
		r := m.k.rng("promo", ev.id)
		tpl := tplPromo[r.IntN(len(tplPromo))]
		at := time.Unix(ev.start, 0).UTC()
		if ev.kind == KindBotBurst {
			at = at.Add(2 * time.Hour)
		}
		for i := 0; i < ev.promoN; i++ {
			ms := from*1000 + r.Int64N((to-from)*1000)
			j := r.IntN(ev.bots)
			tail := promoTail[r.IntN(len(promoTail))]
			if ms < hs*1000 || ms >= he*1000 {
				continue
			}
			text := render(tpl+tail, t, 0, 0, at.Format("15:04"))
			tw := mk(ms, m.botUser(ev, j), text)
			tw.likes, tw.retweets = r.IntN(3), r.IntN(5)
		}
	}
	if he <= t.launch {
		return finishTweets(out)
	}
	r := m.k.rng("tw", t.idx, h)
	sk := m.skel(t)
	bar := sk.bars[h]
	ret := 0.0
	if bar.open > 0 {
		ret = bar.close/bar.open - 1
	}
	usd := bar.close * m.ethAt(hs)
	age := math.Max(0, float64(hs-t.launch)/3600)
	lam := t.tweetRate * (1 + 3*math.Exp(-age/36)) * (1 + math.Min(3, 4*math.Abs(ret)))
	dead := t.deadAfter != 0 && hs >= t.deadAfter
	if dead {
		lam = 0.3
	}
	minMS := hs * 1000
	if t.launch > hs {
		minMS = (t.launch + 60) * 1000
	}
	span := he*1000 - minMS
	pick := func() *user {
		u := r.Float64()
		return &m.authors[int(float64(len(m.authors))*u*u)]
	}
	n := poisson(r, lam)
	for i := 0; i < n; i++ {
		ms := minMS + r.Int64N(span)
		bull := 0.5 + math.Max(-0.35, math.Min(0.35, 2*ret))
		if t.honeypot && age > 6 && r.Float64() < 0.25 {
			mk(ms, pick(), render(tplHoney[r.IntN(len(tplHoney))], t, ret, usd, ""))
			continue
		}
		var tpl string
		switch u := r.Float64(); {
		case u < 0.2:
			tpl = tplNeutral[r.IntN(len(tplNeutral))]
		case u < 0.2+0.8*bull:
			tpl = tplBull[r.IntN(len(tplBull))]
		default:
			tpl = tplBear[r.IntN(len(tplBear))]
		}
		mk(ms, pick(), render(tpl, t, ret, usd, ""))
	}
	// Reactions to events: rugs and pumps get talked about.
	for _, ev := range t.events {
		switch ev.kind {
		case KindRugPull:
			if ev.start < he && ev.start+6*3600 > hs {
				er := m.k.rng("rugtalk", ev.id, h)
				k := poisson(er, 6)
				tpls := tplRug
				if ev.method == RugDevDump {
					tpls = tplDump
				}
				for i := 0; i < k; i++ {
					ms := max(ev.start*1000+60_000, hs*1000) + er.Int64N(3_000_000)
					if ms >= he*1000 {
						continue
					}
					mk(ms, pick(), render(tpls[er.IntN(len(tpls))], t, -0.9, usd, ""))
				}
			}
		case KindPumpAndDump:
			if ev.start < he && ev.start+3*3600 > hs {
				er := m.k.rng("pumptalk", ev.id, h)
				k := poisson(er, 8)
				for i := 0; i < k; i++ {
					ms := max(ev.start*1000+120_000, hs*1000) + er.Int64N(3_000_000)
					if ms >= he*1000 {
						continue
					}
					tpl := tplPumped[0]
					if ms > (ev.start+3600)*1000 {
						tpl = tplPumped[1]
					}
					text := strings.ReplaceAll(tpl, "{X}", strconv.Itoa(int(math.Round(ev.multiple))))
					mk(ms, pick(), render(text, t, -0.5, usd, ""))
				}
			}
		}
	}
	// Retweets of this hour's originals.
	origs := len(out)
	for i := 0; i < origs; i++ {
		if r.Float64() >= 0.12 {
			continue
		}
		o := out[i]
		ms := o.ms + 1000 + r.Int64N(600_000)
		if ms >= he*1000 {
			continue
		}
		text := "RT @" + o.author.username + ": " + o.text
		if rs := []rune(text); len(rs) > 140 {
			text = string(rs[:139]) + "…"
		}
		var au *user
		if o.author.bot {
			au = o.author
		} else {
			au = pick()
		}
		rt := mk(ms, au, text)
		rt.rtOf = o.id
	}
	for _, tw := range out {
		if tw.author.bot {
			continue
		}
		er := m.k.rng("metrics", tw.id)
		f := float64(tw.author.followers)
		tw.likes = int(f * 0.01 * math.Exp(er.NormFloat64()))
		tw.retweets = tw.likes / (3 + er.IntN(5))
		tw.replies = tw.likes / (4 + er.IntN(8))
		tw.quotes = tw.retweets / 4
		tw.views = int(f*0.3*math.Exp(0.5*er.NormFloat64())) + tw.likes*20 + er.IntN(50)
		if tw.rtOf != 0 {
			tw.likes, tw.replies, tw.quotes = 0, 0, 0
		}
	}
	return finishTweets(out)
}

func finishTweets(out []*tweet) []*tweet {
	for _, tw := range out {
		tw.entities()
		if tw.author.bot && tw.author.followers%7 == 0 {
			tw.lang = "und"
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].id < out[b].id })
	return out
}

func render(tpl string, t *token, ret, usd float64, at string) string {
	c := "$" + t.Symbol
	s := strings.ReplaceAll(tpl, "{C}", c)
	s = strings.ReplaceAll(s, "{S}", t.Symbol)
	s = strings.ReplaceAll(s, "{PCT}", strconv.Itoa(int(math.Max(1, math.Round(math.Abs(ret)*100)))))
	s = strings.ReplaceAll(s, "{PRICE}", formatUSD(usd))
	s = strings.ReplaceAll(s, "{TIME}", at)
	// A third of organic posts also carry the hashtag; some only the hashtag.
	hsh := evm.Keccak256([]byte(s))
	switch {
	case hsh[0] < 25 && !strings.Contains(s, "#"+t.Symbol):
		s = strings.Replace(s, c, "#"+t.Symbol, 1)
	case hsh[0] < 90 && !strings.Contains(s, "#"+t.Symbol):
		s += " #" + t.Symbol
	}
	return s
}

func formatUSD(v float64) string {
	switch {
	case v <= 0:
		return "$0"
	case v >= 1:
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return "$" + strconv.FormatFloat(v, 'f', -1, 64)[:min(len(strconv.FormatFloat(v, 'f', -1, 64)), 12)]
	}
}

// entities finds cashtags, hashtags and mentions, with start/end in code
// points as X reports them.
func (tw *tweet) entities() {
	rs := []rune(tw.text)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if (c != '$' && c != '#' && c != '@') || (i > 0 && (unicode.IsLetter(rs[i-1]) || unicode.IsDigit(rs[i-1]))) {
			continue
		}
		j := i + 1
		for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_') {
			j++
		}
		if j == i+1 {
			continue
		}
		e := entity{start: i, end: j, tag: string(rs[i+1 : j])}
		switch c {
		case '$':
			if unicode.IsDigit(rs[i+1]) {
				continue
			}
			tw.cashtags = append(tw.cashtags, e)
		case '#':
			tw.hashtags = append(tw.hashtags, e)
		case '@':
			tw.mentions = append(tw.mentions, e)
		}
		i = j - 1
	}
	tw.lowerText = strings.ToLower(tw.text)
}
