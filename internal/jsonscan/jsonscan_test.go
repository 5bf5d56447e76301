package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
)

var seeds = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `-12E+4`, `01`, `1.`, `.5`, `1e`, `-`, `+1`,
	`"plain"`, `"esc \" \\ \/ \b \f \n \r \t"`, `"\u00e9\u20AC"`, `"\ud83d\ude80 rocket"`, `"\ud83d lone"`,
	`"\ude80\ud83d reversed"`, `"\ud83d\u0041"`, `"bad \x escape"`, `"\u12"`, `"ctl ` + "\x01" + `"`,
	"\"raw \xff\xfe bytes\"", `"emoji 🚀 ok"`, `"unterminated`, `"it\'s"`,
	`{"a":1,"b":[true,false,null,{"c":"d"}],"e":-1.25e10}`, `{"a" 1}`, `{"a":1,}`, `[1,]`, `[1 2]`,
	` { "k" : [ ] } `, `{"a":1}x`, `nul`, `tru`, `[[[[[]]]]]`, `9223372036854775807`, `9223372036854775808`,
}

// Skip accepts a document exactly when encoding/json finds it valid (for
// documents nested less than maxDepth).
func FuzzSkip(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		s := New(doc)
		got := s.Skip() && s.End()
		if want := json.Valid([]byte(doc)); got != want && strings.Count(doc, "[")+strings.Count(doc, "{") < maxDepth {
			t.Fatalf("Skip(%q) = %v, json.Valid %v", doc, got, want)
		}
	})
}

// String, Int64 and Bool return what encoding/json decodes, and accept
// nothing it refuses.
func FuzzValues(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		s := New(doc)
		if v, ok := s.String(); ok && s.End() {
			var want string
			if err := json.Unmarshal([]byte(doc), &want); err != nil || want != v {
				t.Fatalf("String(%q) = %q; encoding/json %q, %v", doc, v, want, err)
			}
		}
		s = New(doc)
		if v, ok := s.Int64(); ok && s.End() {
			var want int64
			if err := json.Unmarshal([]byte(doc), &want); err != nil || want != v {
				t.Fatalf("Int64(%q) = %d; encoding/json %d, %v", doc, v, want, err)
			}
		}
		s = New(doc)
		if v, ok := s.Bool(); ok && s.End() {
			var want bool
			if err := json.Unmarshal([]byte(doc), &want); err != nil || want != v {
				t.Fatalf("Bool(%q) = %v; encoding/json %v, %v", doc, v, want, err)
			}
		}
	})
}

func TestStrings(t *testing.T) {
	for in, want := range map[string]string{
		`"plain"`:                  "plain",
		`"a\nb\u0026c"`:            "a\nb&c",
		`"\ud83d\ude80"`:           "🚀",
		`"\ud83d x"`:               "\uFFFD x",
		"\"\xff\"":                 "\uFFFD",
		`"caf\u00e9 & \"q\" \\ /"`: `café & "q" \ /`,
	} {
		got, ok := New(in).String()
		if !ok || got != want {
			t.Errorf("String(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{`"\x"`, `"a`, "\"\x01\"", `"\u00g0"`, `'a'`} {
		if _, ok := New(bad).String(); ok {
			t.Errorf("String(%s) accepted", bad)
		}
	}
}

func TestObjectArray(t *testing.T) {
	s := New(` {"a": [1, 2, 3], "b": {"c": null}, "d": "x"} `)
	var keys []string
	var sum int64
	ok := s.Object(func(k string) bool {
		keys = append(keys, k)
		switch k {
		case "a":
			return s.Array(func() bool {
				n, ok := s.Int64()
				sum += n
				return ok
			})
		default:
			return s.Skip()
		}
	})
	if !ok || !s.End() || strings.Join(keys, ",") != "a,b,d" || sum != 6 {
		t.Fatalf("ok %v end %v keys %v sum %d", ok, s.End(), keys, sum)
	}
	if _, ok := New(`1.0`).Int64(); ok {
		t.Error("Int64(1.0) accepted (encoding/json refuses it for an int64)")
	}
}
