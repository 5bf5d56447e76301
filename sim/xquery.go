package sim

import (
	"fmt"
	"strings"
	"unicode"
)

// xquery is a parsed X search query: the subset of the operator language
// memepipe and people write for coin searches. AND (juxtaposition) binds
// tighter than OR, as on X; "-" negates; parentheses group.
//
//	$PEPE  #PEPE  word  "exact phrase"  from:user  lang:en
//	is:retweet  is:reply  is:quote  has:cashtags  has:hashtags  has:links
type xquery interface {
	match(tw *tweet) bool
}

type qOr []xquery
type qAnd []xquery
type qNot struct{ q xquery }
type qTerm struct {
	kind  byte // '$' cashtag, '#' hashtag, 'w' word, 'p' phrase, 'o' operator
	value string
	op    string
}

func (q qOr) match(tw *tweet) bool {
	for _, c := range q {
		if c.match(tw) {
			return true
		}
	}
	return false
}

func (q qAnd) match(tw *tweet) bool {
	for _, c := range q {
		if !c.match(tw) {
			return false
		}
	}
	return true
}

func (q qNot) match(tw *tweet) bool { return !q.q.match(tw) }

func (q qTerm) match(tw *tweet) bool {
	switch q.kind {
	case '$':
		for _, e := range tw.cashtags {
			if strings.EqualFold(e.tag, q.value) {
				return true
			}
		}
		return false
	case '#':
		for _, e := range tw.hashtags {
			if strings.EqualFold(e.tag, q.value) {
				return true
			}
		}
		return false
	case 'w':
		return containsWord(tw.lowerText, strings.ToLower(q.value))
	case 'p':
		return strings.Contains(tw.lowerText, strings.ToLower(q.value))
	}
	switch q.op {
	case "is:retweet":
		return tw.rtOf != 0
	case "is:reply", "is:quote", "has:links", "has:media", "is:verified":
		if q.op == "is:verified" {
			return tw.author.verified
		}
		if q.op == "has:links" {
			return strings.Contains(tw.lowerText, "t.me/") || strings.Contains(tw.lowerText, "http")
		}
		return false
	case "has:cashtags":
		return len(tw.cashtags) > 0
	case "has:hashtags":
		return len(tw.hashtags) > 0
	case "has:mentions":
		return len(tw.mentions) > 0
	}
	if v, ok := strings.CutPrefix(q.op, "lang:"); ok {
		return tw.lang == v
	}
	if v, ok := strings.CutPrefix(q.op, "from:"); ok {
		return strings.EqualFold(tw.author.username, v)
	}
	return false
}

func containsWord(text, w string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], w)
		if j < 0 {
			return false
		}
		a := i + j
		b := a + len(w)
		okL := a == 0 || !isWordRune(rune(text[a-1]))
		okR := b == len(text) || !isWordRune(rune(text[b]))
		if okL && okR {
			return true
		}
		i = a + 1
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

type qparser struct {
	toks []string
	pos  int
}

func lexQuery(s string) ([]string, error) {
	var toks []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '"' || (c == '-' && i+1 < len(rs) && rs[i+1] == '"'):
			start := i
			if c == '-' {
				i++
			}
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated quote at position %d", start)
			}
			toks = append(toks, string(rs[start:j+1]))
			i = j + 1
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '(' && rs[j] != ')' {
				j++
			}
			toks = append(toks, string(rs[i:j]))
			i = j
		}
	}
	return toks, nil
}

// parseXQuery parses a query, or explains why X would reject it.
func parseXQuery(s string) (xquery, error) {
	toks, err := lexQuery(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("query is empty")
	}
	p := &qparser{toks: toks}
	q, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at token %d", p.toks[p.pos], p.pos)
	}
	return q, nil
}

func (p *qparser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *qparser) or() (xquery, error) {
	var parts qOr
	for {
		a, err := p.and()
		if err != nil {
			return nil, err
		}
		parts = append(parts, a)
		if p.peek() != "OR" {
			break
		}
		p.pos++
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return parts, nil
}

func (p *qparser) and() (xquery, error) {
	var parts qAnd
	for {
		t := p.peek()
		if t == "" || t == ")" || t == "OR" {
			break
		}
		u, err := p.unary()
		if err != nil {
			return nil, err
		}
		parts = append(parts, u)
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("expected a term at token %d", p.pos)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return parts, nil
}

func (p *qparser) unary() (xquery, error) {
	t := p.toks[p.pos]
	if t == "(" {
		p.pos++
		q, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing closing parenthesis")
		}
		p.pos++
		return q, nil
	}
	if t == "-(" || (strings.HasPrefix(t, "-") && len(t) == 1 && p.pos+1 < len(p.toks) && p.toks[p.pos+1] == "(") {
		p.pos++
		q, err := p.unary()
		if err != nil {
			return nil, err
		}
		return qNot{q}, nil
	}
	p.pos++
	if strings.HasPrefix(t, "-") && len(t) > 1 {
		return qNot{term(t[1:])}, nil
	}
	return term(t), nil
}

func term(t string) qTerm {
	switch {
	case strings.HasPrefix(t, "\""):
		return qTerm{kind: 'p', value: strings.Trim(t, "\"")}
	case strings.HasPrefix(t, "$") && len(t) > 1:
		return qTerm{kind: '$', value: t[1:]}
	case strings.HasPrefix(t, "#") && len(t) > 1:
		return qTerm{kind: '#', value: t[1:]}
	case strings.Contains(t, ":") && !strings.HasPrefix(t, "http"):
		return qTerm{kind: 'o', op: strings.ToLower(t)}
	default:
		return qTerm{kind: 'w', value: t}
	}
}

// symbols lists the cashtag, hashtag and word terms that are not negated:
// the tokens a query can match.
func querySymbols(q xquery) []string {
	var out []string
	var walk func(q xquery, neg bool)
	walk = func(q xquery, neg bool) {
		switch v := q.(type) {
		case qOr:
			for _, c := range v {
				walk(c, neg)
			}
		case qAnd:
			for _, c := range v {
				walk(c, neg)
			}
		case qNot:
			walk(v.q, !neg)
		case qTerm:
			if !neg && (v.kind == '$' || v.kind == '#' || v.kind == 'w' || v.kind == 'p') {
				out = append(out, v.value)
			}
		}
	}
	walk(q, false)
	return out
}
