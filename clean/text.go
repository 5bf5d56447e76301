package clean

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"memepipe/watchlist"
)

// NormalizeTweetText decodes HTML entities (X escapes &, < and > in post
// text, and some clients double-escape: "&amp;amp;"), collapses every run
// of whitespace (newlines, tabs, no-break and other Unicode spaces) into
// one space, trims, and drops control characters. Emoji, including
// zero-width-joiner sequences and variation selectors, are kept: they carry
// sentiment.
func NormalizeTweetText(s string) string {
	if isNormalText(s) {
		return s
	}
	return normalizeText(s)
}

func normalizeText(s string) string {
	for i := 0; i < 2 && strings.Contains(s, "&"); i++ {
		u := html.UnescapeString(s)
		if u == s {
			break
		}
		s = u
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == '\u200d' || r == '\ufe0f' || r == '\ufe0e':
			// ZWJ and variation selectors are part of emoji.
		case unicode.IsControl(r) || r == '\ufeff' || r == '\u200b':
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isNormalText reports whether NormalizeTweetText would return s as it
// is (most posts): no entity, no whitespace but single spaces between
// words, nothing dropped. It saves building a copy of every post.
func isNormalText(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&', c < ' ', c == 0x7f:
				return false
			case c == ' ' && s[i+1] == ' ': // s does not end in a space
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) || r == '\ufeff' || r == '\u200b' {
			return false
		}
		i += size
	}
	return true
}

// Cashtags returns the $SYMBOLs in text, upper-case, deduplicated, in
// first-seen order. A cashtag is "$", a letter (so "$100" is a price, not
// a cashtag), then up to 14 letters or digits, not preceded by a word
// character or "$" and not followed by one (the regular expression
// (?:^|[^\w$])\$([A-Za-z][A-Za-z0-9]{0,14})\b, scanned by hand: it runs
// on every post and the regexp engine was a tenth of the parse).
func Cashtags(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '$' {
			continue
		}
		if i > 0 && (isWordByte(text[i-1]) || text[i-1] == '$') {
			continue
		}
		j := i + 1
		if j >= len(text) || !isLetter(text[j]) {
			continue
		}
		for j < len(text) && (isLetter(text[j]) || text[j] >= '0' && text[j] <= '9') {
			j++
		}
		if j-i-1 > 15 || j < len(text) && text[j] == '_' {
			continue // longer than a symbol, or running into a word
		}
		sym := strings.ToUpper(text[i+1 : j])
		if !slices.Contains(out, sym) {
			out = append(out, sym)
		}
		i = j - 1
	}
	return out
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isWordByte is \w of Go's regexp: ASCII letters, digits and underscore.
func isWordByte(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' || c == '_' }

var addressInTextRE = regexp.MustCompile(`\b0x[0-9a-fA-F]{40}\b`)

// ResolveCashtag maps a cashtag to a watchlist token. A symbol only one
// watched token has resolves to it. A symbol several tokens share (two
// different PEPE) is resolved by chain/address evidence only, never by the
// symbol: a contract address in the text, else the token the post was
// collected for (its search query named that token), else a unique
// candidate on the collection token's chain. Without evidence it stays
// unresolved.
func ResolveCashtag(list watchlist.List, sym string, context *watchlist.Token, text string) (watchlist.Token, bool) {
	return resolveAmong(list.BySymbol(sym), context, text)
}

// resolveAmong is ResolveCashtag given the symbol's candidates.
func resolveAmong(cands []watchlist.Token, context *watchlist.Token, text string) (watchlist.Token, bool) {
	switch len(cands) {
	case 0:
		return watchlist.Token{}, false
	case 1:
		return cands[0], true
	}
	var matched []watchlist.Token
	for _, a := range addressInTextRE.FindAllString(text, -1) {
		for _, c := range cands {
			if strings.EqualFold(c.Address, a) {
				matched = append(matched, c)
			}
		}
	}
	if len(matched) == 1 {
		return matched[0], true
	}
	if context != nil {
		for _, c := range cands {
			if c.Key() == context.Key() {
				return c, true
			}
		}
		var onChain []watchlist.Token
		for _, c := range cands {
			if context.Chain != "" && strings.EqualFold(c.Chain, context.Chain) {
				onChain = append(onChain, c)
			}
		}
		if len(onChain) == 1 {
			return onChain[0], true
		}
	}
	return watchlist.Token{}, false
}
