package sentiment

import (
	"math"
	"strings"
)

// Promotion vocabulary for the spam head's pooled features. A pool counts
// as one feature, so a keyword the 380 labelled spam tweets never used
// ("airdrop", "whitelist") still counts: this is prior knowledge of how
// crypto promotion reads, and the model learns one weight per pool.
var (
	// promoWords are the calls to action of giveaways, signal groups,
	// referral schemes and token sales.
	promoWords = wordSet(`airdrop airdrops giveaway giveaways telegram discord whatsapp join joined register
		registration signup referral ref bonus bonuses free win winner winners presale pre-sale whitelist
		ico ido ieo claim claiming earn earning reward rewards vip premium subscribe subscribers dm
		retweet rt follow followers tag discount promo code offer exclusive guaranteed hurry limited
		signal signals channel group members 100x 1000x 10x 50x x100 x10 gem gems moonshot pump pumps
		listing listed launch launching launched cashback profit profits targets target hit tp1 tp2 tp3
		entry leverage`)
	// botWords are the vocabulary of automated price, volume and
	// whale-alert feeds.
	botWords = wordSet(`price prices update updates volume vol change changes hour hourly 24h 1h 4h 1d 7d
		rank ranking gainers losers marketcap cap market report alert alerts whale tracker bot scan
		current past last mentions trending top usd usdt eur btc eth fees block`)
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// promo adds the spam head's promotion and bot-template marks: how much
// of the text is tickers, numbers and links, how loud it is, and how many
// promotion or price-feed words it uses.
func (x *extractor) promo(toks []token) {
	var words, caps, cash, nums, pcts, money, urls, ment, emoRun, emoMax, promo, bot int
	distinct := map[string]bool{}
	for _, t := range toks {
		if t.Kind == kindEmoji {
			emoRun++
			emoMax = max(emoMax, emoRun)
		} else {
			emoRun = 0
		}
		switch t.Kind {
		case kindWord:
			words++
			if len(t.Text) >= 2 && isAllCaps(t.Text) {
				caps++
			}
			if promoWords[t.Lower] {
				promo++
			}
			if botWords[t.Lower] {
				bot++
			}
		case kindCashtag:
			cash++
			distinct[t.Lower] = true
		case kindNumber:
			nums++
			switch {
			case strings.HasPrefix(t.Lower, "<pct"):
				pcts++
			case strings.HasPrefix(t.Text, "$"):
				money++
			}
		case kindURL:
			urls++
		case kindMention:
			ment++
		}
	}
	n := float64(max(len(toks), 1))
	x.dense("p:promo", math.Log1p(float64(promo)))
	x.dense("p:bot", math.Log1p(float64(bot)))
	x.dense("p:caps-share", float64(caps)/float64(max(words, 1)))
	x.dense("p:emoji-run", math.Log1p(float64(emoMax)))
	x.dense("p:ticker-share", float64(cash)/n)
	x.dense("p:number-share", float64(nums)/n)
	x.dense("p:word-share", float64(words)/n)
	x.dense("p:pcts", math.Log1p(float64(pcts)))
	x.dense("p:money", math.Log1p(float64(money)))
	if len(distinct) >= 4 {
		x.dense("p:ticker-list", 1) // "$btc $eth $ltc $xrp $vet": tag stuffing
	}
	if urls > 0 {
		x.dense("p:link", 1)
	}
	if ment > 0 {
		x.dense("p:mention", 1)
	}
	if words == 0 {
		x.dense("p:no-words", 1)
	}
}
