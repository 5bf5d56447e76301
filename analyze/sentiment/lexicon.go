package sentiment

import (
	"strconv"
	"strings"
)

// The lexicon is written for this project, on VADER's scale (-4 extremely
// negative .. +4 extremely positive). It is smaller than VADER's 7,500
// entries but knows what VADER does not: crypto slang, market verbs, the
// stance words of financial news, emoji by meaning rather than by name, and
// the risk phrases ("cannot sell", "honeypot") whose negation VADER flips.
//
// Format: one line per valence, "valence: entry entry ...". Multi-word
// phrases join their words with '_' and are matched before single words;
// a phrase that already contains its negation ("cannot_sell") is not negated
// again by the rules.

const generalLexicon = `
3.5: excellent outstanding fantastic amazing awesome incredible superb phenomenal brilliant wonderful perfect love loved loving lovely
3: great beautiful best delighted thrilled ecstatic excited exciting impressive fabulous magnificent spectacular stellar marvelous glad happy happiness joy win winning winner winners
2.5: good nice cool glorious strong strongest stronger proud blessed lucky grateful thankful thanks thank congrats congratulations celebrate celebrating enjoy enjoyed fun funny hilarious hope hopeful optimistic confident success successful profitable profit profits gains gain gained thriving thrive record
2: better improve improved improving improvement positive like liked likes solid safe secure sure smart wise genius helpful useful valuable value worth opportunity opportunities promising bright upside boost boosted boosting growth grow growing grew recover recovered recovery rebound rebounded rebounding support supported supportive trust trusted reliable legit legitimate fair easy agree agreed welcome favorite favourite wow yay haha lol lmao rich wealth wealthy free freedom healthy fine okay ok interesting impressed respect respected honest peace calm relief relieved
1.5: up higher rise rising rose rises upgrade upgraded upgrades beat beats raise raised raises raising outperform outperforms outperformed buy buying bought accumulate accumulating adoption adopt adopted partnership partnerships launch launched approve approved approval innovative innovation efficient stable stability patient patience
1: want wants interested ready fast easier cheap cheaper gift reward rewards bonus yes well
-1: down lower fell falls falling sell selling sold short shorts shorting cut cuts cutting lowered lowers lowering miss misses missed warn warns warned weak weaker weakness slow slowing slowdown concern concerns concerned doubt doubts risky risk risks volatile volatility expensive overpriced overvalued hard difficult confusing confused tired bored boring meh unclear uncertain uncertainty problem problems issue issues
-1.5: downgrade downgraded downgrades underperform underperformed decline declined declining drop dropped dropping drops slump slumped slide slid sliding loss losses lose losing lost debt delay delayed suspend suspended halt halted probe investigation lawsuit sue sued fined penalty layoffs layoff bankrupt sad unhappy upset worried worry worse negative dislike disappointed disappointing disappointment annoying annoyed sick stupid dumb silly ugly mess messy
-2: bad poor fail failed failing failure wrong angry mad hate hated hates hating terrible awful horrible worst fear afraid scared panic panicking panicked crisis threat threatens threatened damage damaged destroy destroyed destroying collapse collapsed collapsing plunge plunged plunging plummet plummeted plummeting tumble tumbled tumbling sink sank sinking tank tanked tanking crash crashed crashes crashing bleed bleeding bled die dying died dead death kill killed killing pain painful hurt hurts suffer suffering victim victims greed greedy manipulation manipulated manipulate lie lies lying liar cheat cheated cheating steal stole stolen theft hack hacked hacker hackers exploit exploited attack attacked illegal crime criminal arrested guilty useless worthless garbage trash joke pathetic ridiculous nonsense idiot idiots moron clown clowns sucks suck sucked disaster disastrous nightmare toxic shame shameful evil
-2.5: scam scams scammed scammer scammers fraud fraudulent ponzi scheme rip_off ripoff bankruptcy insolvent default defaulted liquidated liquidation wipeout wiped ruined ruin catastrophe catastrophic disgusting furious outrage outraged betrayed
`

// cryptoLexicon is the slang of crypto social media, which financial news
// (the stance head's training data) never uses. Valence means "good or bad
// for holders".
const cryptoLexicon = `
3.5: to_the_moon lambo_soon wagmi
3: moon mooning mooned moonshot lfg lambo 100x 1000x 10x diamond_hands btfd buy_the_dip buying_the_dip bought_the_dip buy_this_dip buying_this_dip green_candles send_it
2.5: pumping ripping hodl hodling hodler hodlers gem gems wen_moon safu based gm
2: liquidity_locked locked_liquidity lp_locked renounced audited doxxed legit_project hold_strong hopium ape aped apes
1.5: dip_buying fomo stake staking airdrop
-1: fud bags bagholder bagholders rekt_soon whale_dump
-1.5: copium cope coping paper_hands paperhands shill shilling shilled shills degen overhyped jeet jeets weak_hands
-2: rekt ngmi fudding down_bad going_to_zero to_zero dead_coin shitcoin shitcoins dev_sold devs_sold
-2.5: rugged rug rugs rugpull rug_pull rug_pulled pulled_the_rug exit_scam pump_and_dump pump_n_dump drained drainer honeypot honeypots avoid beware stay_away scam_alert red_flag red_flags do_not_buy dont_buy don't_buy
-3: cannot_sell can't_sell cant_sell can_not_sell unable_to_sell could_not_sell couldn't_sell couldnt_sell can't_withdraw cannot_withdraw cant_withdraw funds_stuck not_able_to_sell
`

// marketLexicon is the stance vocabulary of market news and talk, shared
// by financial tweets and crypto posts.
const marketLexicon = `
3: bullish bull_run bull_market all_time_high new_ath
2.5: ath breakout undervalued rally rallied rallies rallying soar soared soaring surge surged surges surging skyrocket skyrocketed skyrocketing jump jumped jumps jumping outperforming upgrade_to_buy price_target_raised strong_buy to_buy buy_rating accumulation bullrun bull bulls green
2: pump pumped uptrend higher_high higher_highs support_held golden_cross short_squeeze squeeze beats_estimates tops_estimates record_high record_revenue raises_guidance dividend buyback buybacks etf_approval adoption mainstream long_term
1.5: recovering bounce bounced bouncing reversal yield listing listed
-1: unlock unlocks dip dips correction consolidation sideways sell_signal
-1.5: hype bubble downtrend lower_low lower_lows death_cross resistance rejected rejection
-2: bearish bear bears bear_market dump dumped dumping dumps selloff sell_off sold_off red red_candles capitulation capitulate liquidations downgrade_to_sell sell_rating price_target_cut cuts_guidance lowers_guidance misses_estimates guidance_cut delist delisted delisting sec_lawsuit insider_selling dilution diluted warning
`

// emojiLexicon scores emoji by what they mean on crypto Twitter: 🚀 💎 📈
// are bullish (VADER: 0), 🔥 is hype (VADER: negative, from "fire"),
// 💀 🤡 📉 are bearish or mocking.
const emojiLexicon = `
3: 🚀 😍 🥳 🎉 🤩 ❤ 💚 💙 💜 🧡 💛 💖 💗 😻 🤑 🌕 🌝
2.5: 💎 📈 🔥 💯 💪 🙌 👏 🐂 🏆 🥇 😁 😀 😃 😄 🤗 💰 💵 🤝 ✨ ⭐ 🌟 ☀ 🎯
2: 👍 😊 🙂 😎 ✅ 🆙 ⬆ ↑ 🟢 🌙 🦍 🙏 😂 🤣 😆 😉 😜 😋 👌 ✌ 🍀 🤞 🥂 🍾 💸
-1: 🤔 😐 😑 😕 🫤 😶 🐋 😬 😅 ⁉
-1.5: 🙄 😒 😤 🥲 😓 😟 🔴 ⬇ ↓ 🔻 🧻 ❗ ‼
-2: 📉 🐻 💀 ☠ 🪦 🩸 😢 😞 😔 😩 😫 😱 😨 😰 🚨 ⚠ ❌ 🛑 👎 🗑 🥀 😴 🤥
-2.5: 🤡 💩 🤮 🤢 😡 🤬 😠 😭 💔 🖕 😖
`

// boosters scale the sentiment of the word they precede (VADER's
// B_INCR/B_DECR = ±0.293).
const boosterIncr = 0.293

var boosterWords = func() map[string]float64 {
	m := map[string]float64{}
	for _, w := range strings.Fields(`absolutely amazingly awfully completely considerably decidedly deeply
		effing enormously entirely especially exceptionally extremely fabulously flipping fricking frigging
		fucking fully greatly hella highly hugely incredibly intensely majorly more most particularly purely
		quite really remarkably so substantially thoroughly totally tremendously uber unbelievably unusually
		utterly very super insanely mega massively massive huge seriously ultra crazy`) {
		m[w] = boosterIncr
	}
	for _, w := range strings.Fields(`almost barely hardly kinda less little marginally occasionally partly
		scarcely slightly somewhat sorta`) {
		m[w] = -boosterIncr
	}
	return m
}()

// negations reverse the sentiment of a word up to three tokens later.
var negations = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`not no never none nobody nothing neither nor nowhere cannot can't cant
		don't dont doesn't doesnt didn't didnt isn't isnt aren't arent wasn't wasnt weren't werent won't wont
		wouldn't wouldnt shouldn't shouldnt couldn't couldnt haven't havent hasn't hasnt hadn't hadnt ain't
		aint mustn't mightn't needn't without rarely seldom despite`) {
		m[w] = true
	}
	return m
}()

// lexEntry is a lexicon value with where it came from, so the model can
// weigh crypto slang and emoji separately from general English.
type lexEntry struct {
	Valence float64
	Source  lexSource
}

type lexSource uint8

const (
	srcGeneral lexSource = iota
	srcMarket
	srcCrypto
	srcEmoji
	numSources
)

// lexicon maps a lower-case word or emoji to its valence; phrases maps the
// first word of each multi-word phrase to its phrases, longest first.
var lexicon, phrases = buildLexicon()

type phrase struct {
	Words   []string
	Valence float64
	Negated bool // contains its own negation: not flipped by a preceding "not"
	Source  lexSource
}

func buildLexicon() (map[string]lexEntry, map[string][]phrase) {
	lex := map[string]lexEntry{}
	phr := map[string][]phrase{}
	for _, block := range []struct {
		text string
		src  lexSource
	}{{generalLexicon, srcGeneral}, {marketLexicon, srcMarket}, {cryptoLexicon, srcCrypto}, {emojiLexicon, srcEmoji}} {
		for _, line := range strings.Split(block.text, "\n") {
			val, entries, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil {
				panic("sentiment: bad lexicon line " + strconv.Quote(line))
			}
			for _, e := range strings.Fields(entries) {
				if !strings.Contains(e, "_") {
					lex[e] = lexEntry{Valence: v, Source: block.src}
					continue
				}
				words := strings.Split(e, "_")
				p := phrase{Words: words, Valence: v, Source: block.src}
				for _, w := range words {
					if negations[w] {
						p.Negated = true
					}
				}
				phr[words[0]] = append(phr[words[0]], p)
			}
		}
	}
	for k, ps := range phr {
		// longest first, so "buy_the_dip" is tried before "buy_rating"
		for i := 1; i < len(ps); i++ {
			for j := i; j > 0 && len(ps[j].Words) > len(ps[j-1].Words); j-- {
				ps[j], ps[j-1] = ps[j-1], ps[j]
			}
		}
		phr[k] = ps
	}
	return lex, phr
}

// lookupWord finds a word's valence, falling back to a crude stem
// ("pumps" -> "pump", "mooning" handled in the list) so the hand-written
// lexicon covers the common inflections.
func lookupWord(w string) (lexEntry, bool) {
	if e, ok := lexicon[w]; ok {
		return e, true
	}
	if len(w) < 5 {
		return lexEntry{}, false
	}
	for _, suf := range []string{"s", "es", "ed", "d", "ing", "ly"} {
		if strings.HasSuffix(w, suf) {
			if e, ok := lexicon[w[:len(w)-len(suf)]]; ok {
				return e, true
			}
		}
	}
	return lexEntry{}, false
}
