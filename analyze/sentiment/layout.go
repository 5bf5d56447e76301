package sentiment

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// layoutFeatures adds how the text is laid out in lines, which the
// tokens lose: price feeds and stats bots post tables ("$EOS - 3.42 $
// (-1.56 %)" line after line, "Network fees: 10.7 $GAS"), people write
// sentences.
func (x *extractor) layoutFeatures(text string) {
	var lines, numeric, tickerStart, keyValue, symbolStart int
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		lines++
		if strings.ContainsAny(l, "0123456789") {
			numeric++
		}
		r, _ := utf8.DecodeRuneInString(l)
		switch {
		case r == '$' || r == '#':
			tickerStart++
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			symbolStart++
		}
		if i := strings.IndexByte(l, ':'); i > 0 && i < len(l)-1 && strings.ContainsAny(l[i:], "0123456789") {
			keyValue++
		}
	}
	if lines == 0 {
		return
	}
	n := float64(lines)
	x.dense("l:lines", math.Log1p(n))
	if lines >= 3 {
		x.dense("l:numeric-share", float64(numeric)/n)
		x.dense("l:ticker-start-share", float64(tickerStart)/n)
		x.dense("l:symbol-start-share", float64(symbolStart)/n)
		x.dense("l:key-value-share", float64(keyValue)/n)
	}
}
