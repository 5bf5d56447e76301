package risk

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// ContractSource is one result of Etherscan's
// module=contract&action=getsourcecode.
type ContractSource struct {
	SourceCode      string `json:"SourceCode"`
	ABI             string `json:"ABI"`
	ContractName    string `json:"ContractName"`
	CompilerVersion string `json:"CompilerVersion"`
	Proxy           string `json:"Proxy"`          // "1" when Etherscan knows it is a proxy
	Implementation  string `json:"Implementation"` // the proxy's logic contract
	LicenseType     string `json:"LicenseType"`
}

// Verified reports whether Etherscan has the source.
func (c ContractSource) Verified() bool {
	return strings.TrimSpace(c.SourceCode) != "" && c.ABI != "Contract source code not verified"
}

// ParseGetSourceCode reads a getsourcecode response body. A status "0"
// response is an error carrying Etherscan's message.
func ParseGetSourceCode(body []byte) ([]ContractSource, error) {
	var env struct {
		Status  string          `json:"status"`
		Message string          `json:"message"`
		Result  json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("getsourcecode: not JSON: %w", err)
	}
	if env.Status != "1" {
		var msg string
		_ = json.Unmarshal(env.Result, &msg)
		return nil, fmt.Errorf("getsourcecode: status %q: %s %s", env.Status, env.Message, msg)
	}
	var res []ContractSource
	if err := json.Unmarshal(env.Result, &res); err != nil {
		return nil, fmt.Errorf("getsourcecode: result: %w", err)
	}
	return res, nil
}

// SourceFiles splits Etherscan's SourceCode field into files. It comes in
// three forms: plain Solidity (one flattened file), a JSON object of
// {"path": {"content": ...}} (multi-file verification), or the standard
// JSON input wrapped in a second pair of braces, "{{ ... }}", which is not
// valid JSON until the outer pair is removed.
func SourceFiles(sourceCode string) (map[string]string, error) {
	s := strings.TrimSpace(sourceCode)
	if !strings.HasPrefix(s, "{") {
		return map[string]string{"main.sol": sourceCode}, nil
	}
	if strings.HasPrefix(s, "{{") && strings.HasSuffix(s, "}}") {
		s = s[1 : len(s)-1]
	}
	type file struct {
		Content string `json:"content"`
	}
	var std struct {
		Sources map[string]file `json:"sources"`
	}
	if err := json.Unmarshal([]byte(s), &std); err == nil && len(std.Sources) > 0 {
		out := map[string]string{}
		for p, f := range std.Sources {
			out[p] = f.Content
		}
		return out, nil
	}
	var multi map[string]file
	if err := json.Unmarshal([]byte(s), &multi); err == nil && len(multi) > 0 {
		out := map[string]string{}
		for p, f := range multi {
			out[p] = f.Content
		}
		return out, nil
	}
	return nil, fmt.Errorf("SourceCode starts with { but is neither standard JSON input nor a file map")
}

// JoinSources concatenates files in path order, the verified contract's
// own files first (paths not under a package directory such as
// @openzeppelin/ or lib/), so evidence points at the token's code.
func JoinSources(files map[string]string) string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	lib := func(p string) bool {
		return strings.HasPrefix(p, "@") || strings.Contains(p, "node_modules/") || strings.HasPrefix(p, "lib/")
	}
	sort.Slice(paths, func(i, j int) bool {
		if lib(paths[i]) != lib(paths[j]) {
			return !lib(paths[i])
		}
		return paths[i] < paths[j]
	})
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(files[p])
		b.WriteString("\n")
	}
	return b.String()
}

// StripCommentsAndStrings blanks comments and the contents of string
// literals (keeping the quotes and newlines), so patterns match code only:
// OpenZeppelin's comments mention mint, pause and delegatecall, and error
// strings say "blacklisted".
func StripCommentsAndStrings(src string) string {
	b := []byte(src)
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for i < len(b) && b[i] != '\n' {
				i++
			}
			if i < len(b) {
				out = append(out, '\n')
			}
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			i += 2
			for i < len(b) && !(b[i] == '*' && i+1 < len(b) && b[i+1] == '/') {
				if b[i] == '\n' {
					out = append(out, '\n')
				}
				i++
			}
			i++ // past '/'
			out = append(out, ' ')
		case c == '"' || c == '\'':
			out = append(out, c)
			i++
			for i < len(b) && b[i] != c && b[i] != '\n' {
				if b[i] == '\\' {
					i++
				}
				i++
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// fn is one function, modifier or constructor of the stripped source.
type fn struct {
	Kind      string // function, modifier, constructor, fallback, receive
	Contract  string
	Name      string
	Params    string
	Header    string // between the parameters and the body
	Body      string // without the outer braces; empty for declarations
	Callable  bool   // public or external
	Modifiers []string
}

// scanFunctions finds contracts and their functions by keyword and brace
// matching. It is not a Solidity parser; on stripped source it is enough
// to see what each function is, who may call it and what it writes.
func scanFunctions(code string) []fn {
	var out []fn
	contract := ""
	contractEnd := -1
	depth := 0
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '{':
			depth++
			continue
		case '}':
			depth--
			if i >= contractEnd {
				contract = ""
			}
			continue
		}
		if !isIdentStart(code[i]) || (i > 0 && isIdent(code[i-1])) {
			continue
		}
		j := i
		for j < len(code) && isIdent(code[j]) {
			j++
		}
		word := code[i:j]
		switch word {
		case "contract", "library", "interface":
			k := skipSpace(code, j)
			e := k
			for e < len(code) && isIdent(code[e]) {
				e++
			}
			if open := strings.IndexByte(code[e:], '{'); open >= 0 {
				if end := matchBrace(code, e+open); end > 0 {
					contract, contractEnd = code[k:e], end
				}
			}
		case "function", "modifier", "constructor", "fallback", "receive":
			f, next, ok := scanOne(code, word, j)
			if ok {
				f.Contract = contract
				out = append(out, f)
				// Do not descend into the body: nested functions do not exist.
				i = next - 1
				continue
			}
		}
		i = j - 1
	}
	return out
}

func scanOne(code, kind string, j int) (fn, int, bool) {
	f := fn{Kind: kind}
	k := skipSpace(code, j)
	if kind == "function" || kind == "modifier" {
		e := k
		for e < len(code) && isIdent(code[e]) {
			e++
		}
		f.Name = code[k:e]
		k = skipSpace(code, e)
	} else {
		f.Name = kind
	}
	if k < len(code) && code[k] == '(' {
		end := matchParen(code, k)
		if end < 0 {
			return f, j, false
		}
		f.Params = code[k+1 : end]
		k = end + 1
	} else if kind != "modifier" {
		return f, j, false
	}
	// Header runs to the body's '{' or a ';' (declaration only).
	h := k
	for h < len(code) && code[h] != '{' && code[h] != ';' {
		if code[h] == '(' { // modifier arguments, returns (...)
			if e := matchParen(code, h); e > 0 {
				h = e
			}
		}
		h++
	}
	if h >= len(code) {
		return f, j, false
	}
	f.Header = code[k:h]
	words := identifiers(f.Header)
	for _, w := range words {
		switch w {
		case "public", "external":
			f.Callable = true
		case "internal", "private", "view", "pure", "payable", "virtual", "override", "returns", "memory", "calldata", "storage", "nonpayable":
		default:
			if !isTypeWord(w) {
				f.Modifiers = append(f.Modifiers, w)
			}
		}
	}
	if kind == "fallback" || kind == "receive" {
		f.Callable = true
	}
	if code[h] == ';' {
		return f, h + 1, true
	}
	end := matchBrace(code, h)
	if end < 0 {
		return f, j, false
	}
	f.Body = code[h+1 : end]
	return f, end + 1, true
}

func isTypeWord(w string) bool {
	if strings.HasPrefix(w, "uint") || strings.HasPrefix(w, "int") || strings.HasPrefix(w, "bytes") {
		return true
	}
	switch w {
	case "address", "bool", "string", "mapping":
		return true
	}
	return false
}

func identifiers(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if isIdentStart(s[i]) {
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			out = append(out, s[i:j])
			i = j
			continue
		}
		if s[i] == '(' { // skip modifier arguments and return lists
			if e := matchParen(s, i); e > 0 {
				i = e + 1
				continue
			}
		}
		i++
	}
	return out
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdent(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func matchParen(s string, open int) int { return matchPair(s, open, '(', ')') }
func matchBrace(s string, open int) int { return matchPair(s, open, '{', '}') }

func matchPair(s string, open int, o, c byte) int {
	d := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case o:
			d++
		case c:
			d--
			if d == 0 {
				return i
			}
		}
	}
	return -1
}
