package sentiment

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind says what a token is; the rule scorer and the feature extractor
// treat words, emoji, cashtags and links differently.
type tokenKind uint8

const (
	kindWord     tokenKind = iota // letters/digits/apostrophes; hashtags lose their '#'
	kindEmoji                     // one pictograph, modifiers and joiners dropped
	kindEmoticon                  // ":)", ":(", "<3" ...
	kindCashtag                   // $BTC, $doge
	kindMention                   // @someone
	kindURL                       // http(s)://..., www....
	kindNumber                    // 12, 3.5, +4%, -12.3% (sign kept when it stands alone)
	kindPunct                     // a run of ! or ? (or a single other mark that splits clauses)
)

// token is one unit of a text. Text keeps the original case (ALL CAPS is a
// signal); Lower is the lexicon key.
type token struct {
	Text  string
	Lower string
	Kind  tokenKind
	Hash  bool // came from a #hashtag
}

// emoticons recognised as tokens, longest first so ":-)" wins over ":-".
var emoticons = []string{":-)", ":-(", ":-D", ":-P", ";-)", ":'(", ":)", ":(", ":D", ":P", ":p", ";)", ":/", "<3", "xD", "XD", ":o", ":O"}

// tokenize splits short social text into tokens. It unescapes HTML entities
// (tweets arrive with &amp; and &gt;), keeps emoji as their own tokens and
// normalises typographic apostrophes, so "can’t" and "can't" are one word.
func tokenize(text string) []token {
	if strings.IndexByte(text, '&') >= 0 {
		text = html.UnescapeString(text)
	}
	toks := make([]token, 0, len(text)/4+4)
	i := 0
	prevAlnum := false
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == ' ' || r == '\n' || r == '\t' || r == '\r' || unicode.IsSpace(r):
			i += size
			prevAlnum = false
			continue
		case hasURLPrefix(text[i:]):
			j := i
			for j < len(text) {
				rr, s := utf8.DecodeRuneInString(text[j:])
				if unicode.IsSpace(rr) {
					break
				}
				j += s
			}
			toks = append(toks, token{Text: text[i:j], Lower: "<url>", Kind: kindURL})
			i = j
			prevAlnum = false
			continue
		}
		if e := matchEmoticon(text[i:], prevAlnum); e != "" {
			toks = append(toks, token{Text: e, Lower: strings.ToLower(e), Kind: kindEmoticon})
			i += len(e)
			prevAlnum = false
			continue
		}
		switch {
		case (r == '$' || r == '@' || r == '#') && i+1 < len(text) && isWordStart(text[i+1:]):
			j := scanWord(text, i+1)
			w := text[i+1 : j]
			switch r {
			case '$':
				if isDigits(w) { // "$5" is money, not a ticker
					toks = append(toks, token{Text: text[i:j], Lower: "<num>", Kind: kindNumber})
				} else {
					toks = append(toks, token{Text: text[i:j], Lower: "$" + strings.ToLower(w), Kind: kindCashtag})
				}
			case '@':
				toks = append(toks, token{Text: text[i:j], Lower: "<user>", Kind: kindMention})
			case '#':
				toks = append(toks, token{Text: w, Lower: lowerWord(w), Kind: kindWord, Hash: true})
			}
			i = j
			prevAlnum = true
		case (r == '+' || r == '-') && !prevAlnum && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9':
			j := scanNumber(text, i+1)
			toks = append(toks, numberToken(text[i:j]))
			i = j
			prevAlnum = true
		case r >= '0' && r <= '9':
			j := scanNumber(text, i)
			// "100x", "10k", "2nd": a number glued to letters is a word.
			if j < len(text) && isWordStart(text[j:]) {
				j = scanWord(text, i)
				w := text[i:j]
				toks = append(toks, token{Text: w, Lower: lowerWord(w), Kind: kindWord})
			} else {
				toks = append(toks, numberToken(text[i:j]))
			}
			i = j
			prevAlnum = true
		case unicode.IsLetter(r):
			j := scanWord(text, i)
			w := text[i:j]
			toks = append(toks, token{Text: w, Lower: lowerWord(w), Kind: kindWord})
			i = j
			prevAlnum = true
		case isEmoji(r):
			s := string(r)
			if r == 0x2665 { // ♥ is the same as ❤
				s = "\u2764"
			}
			toks = append(toks, token{Text: s, Lower: s, Kind: kindEmoji})
			i += size
			prevAlnum = false
		case r == '!' || r == '?':
			j := i
			for j < len(text) && (text[j] == '!' || text[j] == '?') {
				j++
			}
			toks = append(toks, token{Text: text[i:j], Lower: text[i:j], Kind: kindPunct})
			i = j
			prevAlnum = false
		case r == '.' || r == ',' || r == ';' || r == ':':
			toks = append(toks, token{Text: text[i : i+1], Lower: text[i : i+1], Kind: kindPunct})
			i += size
			prevAlnum = false
		default: // joiners, variation selectors, quotes, brackets, other symbols
			i += size
			prevAlnum = false
		}
	}
	return toks
}

func hasURLPrefix(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "www.")
}

func matchEmoticon(s string, prevAlnum bool) string {
	if prevAlnum || len(s) < 2 {
		return ""
	}
	for _, e := range emoticons {
		if strings.HasPrefix(s, e) {
			// must end the token: ":Dog" or "xDD" is not an emoticon
			if len(s) > len(e) {
				r, _ := utf8.DecodeRuneInString(s[len(e):])
				if unicode.IsLetter(r) || unicode.IsDigit(r) {
					continue
				}
			}
			return e
		}
	}
	return ""
}

func isWordStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
}

// scanWord returns the end of a word starting at i: letters, digits, '_' and
// apostrophes inside the word ("don't", "can’t").
func scanWord(text string, i int) int {
	j := i
	for j < len(text) {
		r, s := utf8.DecodeRuneInString(text[j:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r) {
			j += s
			continue
		}
		if (r == '\'' || r == '\u2019') && j+s < len(text) {
			n, _ := utf8.DecodeRuneInString(text[j+s:])
			if unicode.IsLetter(n) {
				j += s
				continue
			}
		}
		break
	}
	return j
}

func scanNumber(text string, i int) int {
	j := i
	for j < len(text) {
		c := text[j]
		if c >= '0' && c <= '9' {
			j++
			continue
		}
		if (c == '.' || c == ',') && j+1 < len(text) && text[j+1] >= '0' && text[j+1] <= '9' {
			j++
			continue
		}
		break
	}
	if j < len(text) && text[j] == '%' {
		j++
	}
	return j
}

// numberToken maps numbers to a few classes: signed percentages carry the
// direction of a move ("+12%" vs "-8%"), everything else is just <num>.
func numberToken(s string) token {
	l := "<num>"
	if strings.HasSuffix(s, "%") {
		switch s[0] {
		case '+':
			l = "<pct+>"
		case '-':
			l = "<pct->"
		default:
			l = "<pct>"
		}
	}
	return token{Text: s, Lower: l, Kind: kindNumber}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// lowerWord lowercases and folds the typographic apostrophe.
func lowerWord(w string) string {
	ascii := true
	upper := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 0x80 {
			ascii = false
			break
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	if ascii && !upper {
		return w
	}
	if !ascii {
		w = strings.ReplaceAll(w, "\u2019", "'")
	}
	return strings.ToLower(w)
}

// isEmoji reports whether r is a pictograph worth a token. Skin-tone
// modifiers, variation selectors and the zero-width joiner are not.
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F3FB && r <= 0x1F3FF: // skin tones
		return false
	case r >= 0x1F300 && r <= 0x1FAFF, // pictographs, emoticons, transport, supplemental
		r >= 0x1F000 && r <= 0x1F2FF, // mahjong, cards, enclosed
		r >= 0x2600 && r <= 0x27BF,   // misc symbols, dingbats (☠ ❤ ✅ ❌ ⚠)
		r >= 0x2B00 && r <= 0x2BFF,   // arrows, ⭐
		r >= 0x2190 && r <= 0x21FF,   // ↑ ↓
		r == 0x203C || r == 0x2049:   // ‼ ⁉
		return true
	}
	return false
}

// isAllCaps reports whether a word is shouted: at least two letters, none
// lowercase.
func isAllCaps(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			letters++
		}
	}
	return letters >= 2
}
