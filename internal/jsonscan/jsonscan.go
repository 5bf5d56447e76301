// Package jsonscan reads a JSON document in one pass, value by value, for
// decoders written by hand for one hot shape (an X search page) where
// encoding/json's reflection and its second pass (it validates a value
// before decoding it) cost more than the rest of the parse.
//
// It only ever says yes to what encoding/json accepts, and decodes what it
// accepts to the same values: strings are unescaped as encoding/json does
// (invalid UTF-8 and lone surrogates become U+FFFD), numbers and literals
// follow the JSON grammar exactly, nesting is bounded. Anything else (a
// syntax error, a number that is not a plain integer where one is asked
// for) makes a method return false, and the caller is expected to give
// the whole document to encoding/json instead, which produces the error
// or the decoding. So a scanner needs no error messages of its own.
package jsonscan

import (
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds nesting in skipped values (encoding/json stops at
// 10,000; deeper documents are refused here and left to it).
const maxDepth = 1000

// Scanner reads src from the start.
type Scanner struct {
	src string
	pos int
	buf []byte // scratch for unescaping
}

// New returns a scanner over src. Strings it returns without escapes are
// substrings of src.
func New(src string) *Scanner { return &Scanner{src: src} }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *Scanner) ws() {
	for s.pos < len(s.src) && isSpace(s.src[s.pos]) {
		s.pos++
	}
}

// Peek returns the next byte after whitespace (0 at the end).
func (s *Scanner) Peek() byte {
	s.ws()
	if s.pos == len(s.src) {
		return 0
	}
	return s.src[s.pos]
}

// End reports whether only whitespace is left.
func (s *Scanner) End() bool {
	s.ws()
	return s.pos == len(s.src)
}

func (s *Scanner) consume(c byte) bool {
	if s.Peek() != c {
		return false
	}
	s.pos++
	return true
}

// Null consumes a null if one is next and reports whether it did.
func (s *Scanner) Null() bool {
	if s.Peek() == 'n' && len(s.src)-s.pos >= 4 && s.src[s.pos:s.pos+4] == "null" {
		s.pos += 4
		return true
	}
	return false
}

// Bool reads true or false.
func (s *Scanner) Bool() (v, ok bool) {
	switch s.Peek() {
	case 't':
		if len(s.src)-s.pos >= 4 && s.src[s.pos:s.pos+4] == "true" {
			s.pos += 4
			return true, true
		}
	case 'f':
		if len(s.src)-s.pos >= 5 && s.src[s.pos:s.pos+5] == "false" {
			s.pos += 5
			return false, true
		}
	}
	return false, false
}

// Int64 reads a number written as an integer (no fraction, no exponent)
// that fits an int64, as encoding/json decodes one into an int64.
func (s *Scanner) Int64() (int64, bool) {
	s.ws()
	start := s.pos
	if !s.number() {
		return 0, false
	}
	n, err := strconv.ParseInt(s.src[start:s.pos], 10, 64)
	return n, err == nil
}

// number consumes one number of the JSON grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *Scanner) number() bool {
	p, src := s.pos, s.src
	if p < len(src) && src[p] == '-' {
		p++
	}
	switch {
	case p < len(src) && src[p] == '0':
		p++
	case p < len(src) && src[p] >= '1' && src[p] <= '9':
		for p < len(src) && src[p] >= '0' && src[p] <= '9' {
			p++
		}
	default:
		return false
	}
	if p < len(src) && src[p] == '.' {
		p++
		d := p
		for p < len(src) && src[p] >= '0' && src[p] <= '9' {
			p++
		}
		if p == d {
			return false
		}
	}
	if p < len(src) && (src[p] == 'e' || src[p] == 'E') {
		p++
		if p < len(src) && (src[p] == '+' || src[p] == '-') {
			p++
		}
		d := p
		for p < len(src) && src[p] >= '0' && src[p] <= '9' {
			p++
		}
		if p == d {
			return false
		}
	}
	s.pos = p
	return true
}

// String reads a string and returns it unescaped.
func (s *Scanner) String() (string, bool) {
	if s.Peek() != '"' {
		return "", false
	}
	p := s.pos + 1
	// The common case: printable ASCII and valid UTF-8 without escapes,
	// returned as a substring.
	for p < len(s.src) {
		c := s.src[p]
		if c == '"' {
			v := s.src[s.pos+1 : p]
			s.pos = p + 1
			return v, true
		}
		if c == '\\' || c < ' ' {
			break
		}
		if c < utf8.RuneSelf {
			p++
			continue
		}
		r, size := utf8.DecodeRuneInString(s.src[p:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		p += size
	}
	return s.unescape(p)
}

// unescape finishes a string from p, the first byte that needs work,
// decoding as encoding/json's unquote does.
func (s *Scanner) unescape(p int) (string, bool) {
	src := s.src
	b := append(s.buf[:0], src[s.pos+1:p]...)
	for p < len(src) {
		c := src[p]
		switch {
		case c == '"':
			s.pos, s.buf = p+1, b
			return string(b), true
		case c < ' ':
			return "", false
		case c == '\\':
			if p+1 >= len(src) {
				return "", false
			}
			switch e := src[p+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(src[p+2:])
				if r < 0 {
					return "", false
				}
				p += 6
				if utf16.IsSurrogate(r) {
					// A valid pair is consumed whole; anything else
					// leaves the next escape to be read on its own.
					if r2 := nextU4(src[p:]); r2 >= 0 {
						if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
							b = utf8.AppendRune(b, dec)
							p += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return "", false
			}
			p += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			p++
		default:
			r, size := utf8.DecodeRuneInString(src[p:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, unicode.ReplacementChar)
			} else {
				b = append(b, src[p:p+size]...)
			}
			p += size
		}
	}
	return "", false
}

// hex4 decodes the four hex digits at the start of s (-1 if they are not).
func hex4(s string) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// nextU4 is the code unit of a \uXXXX escape at the start of s, or -1.
func nextU4(s string) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	return hex4(s[2:])
}

// Object reads an object, calling field with each key (unescaped) to read
// its value; field returns false to stop the scan.
func (s *Scanner) Object(field func(key string) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	for {
		k, ok := s.String()
		if !ok || !s.consume(':') || !field(k) {
			return false
		}
		switch s.Peek() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return true
		default:
			return false
		}
	}
}

// Array reads an array, calling elem to read each element; elem returns
// false to stop the scan.
func (s *Scanner) Array(elem func() bool) bool {
	if !s.consume('[') {
		return false
	}
	if s.consume(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		switch s.Peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return true
		default:
			return false
		}
	}
}

// Skip reads any one value, checking its syntax.
func (s *Scanner) Skip() bool { return s.skip(0) }

func (s *Scanner) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch c := s.Peek(); {
	case c == '{':
		return s.Object(func(string) bool { return s.skip(depth + 1) })
	case c == '[':
		return s.Array(func() bool { return s.skip(depth + 1) })
	case c == '"':
		return s.skipString()
	case c == 't' || c == 'f':
		_, ok := s.Bool()
		return ok
	case c == 'n':
		return s.Null()
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return false
}

// skipString checks a string without building it: escapes must be JSON's,
// control characters are refused; any other byte passes (encoding/json
// accepts invalid UTF-8 in strings).
func (s *Scanner) skipString() bool {
	p := s.pos + 1
	for p < len(s.src) {
		switch c := s.src[p]; {
		case c == '"':
			s.pos = p + 1
			return true
		case c < ' ':
			return false
		case c == '\\':
			if p+1 >= len(s.src) {
				return false
			}
			switch s.src[p+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p += 2
			case 'u':
				if hex4(s.src[p+2:]) < 0 {
					return false
				}
				p += 6
			default:
				return false
			}
		default:
			p++
		}
	}
	return false
}
