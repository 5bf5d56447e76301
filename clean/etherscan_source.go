package clean

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"memepipe/canonical"
)

func init() { Register(sourceCodeParser{}) }

// sourceCodeParser reads module=contract&action=getsourcecode.
type sourceCodeParser struct{}

func (sourceCodeParser) Source() string { return "etherscan.getsourcecode" }

type sourceCodeRow struct {
	SourceCode       *string `json:"SourceCode"`
	ABI              string  `json:"ABI"`
	ContractName     string  `json:"ContractName"`
	CompilerVersion  string  `json:"CompilerVersion"`
	OptimizationUsed string  `json:"OptimizationUsed"`
	Runs             string  `json:"Runs"`
	EVMVersion       string  `json:"EVMVersion"`
	LicenseType      string  `json:"LicenseType"`
	Proxy            string  `json:"Proxy"`
	Implementation   string  `json:"Implementation"`
}

// notVerifiedABI is what Etherscan puts in ABI for unverified contracts.
const notVerifiedABI = "Contract source code not verified"

func (sourceCodeParser) Parse(ctx context.Context, in Input, emit Emit) error {
	chain := in.chain()
	// The body does not name the contract: the request does.
	addrText := in.query("address")
	if addrText == "" && in.Token != nil {
		addrText = in.Token.Address
	}
	if addrText == "" {
		return in.errAtf("$", "the body does not name the contract; give the request URL (address=) or the token")
	}
	address, err := in.address("request address", addrText)
	if err != nil {
		return err
	}
	if in.Token != nil && in.Token.Address != "" && in.query("address") != "" && !in.contextMatches(chain, address) {
		return in.errAtf("request address", "%s is not the token's contract %s", address, in.Token.Address)
	}
	n := 0
	return in.etherscanResult(ctx, func(dec *json.Decoder, path string) error {
		var r sourceCodeRow
		if err := dec.Decode(&r); err != nil {
			return in.jsonErr(path, err)
		}
		if n++; n > 1 {
			return in.errAtf(path, "getsourcecode returned more than one contract for one address")
		}
		if r.SourceCode == nil {
			return in.errAtf(path+".SourceCode", "missing")
		}
		c := canonical.Contract{
			Chain: chain, Address: address, Token: addressTokenKey(chain, address), FetchedAt: in.FetchedAt.UTC(),
			Name: r.ContractName, Compiler: r.CompilerVersion, EVMVersion: r.EVMVersion,
			License: r.LicenseType,
		}
		src := *r.SourceCode
		c.Verified = src != "" && r.ABI != notVerifiedABI
		if c.Verified {
			format, files, err := SourceFiles(src)
			if err != nil {
				return in.errAt(path+".SourceCode", err)
			}
			sum := sha256.Sum256([]byte(src))
			c.SourceFormat, c.SourceFiles = format, len(files)
			c.SourceSHA256 = hex.EncodeToString(sum[:])
			c.SourceCode, c.ABI = src, r.ABI
			if r.ABI != "" && !json.Valid([]byte(r.ABI)) {
				return in.errAtf(path+".ABI", "not a JSON ABI")
			}
		}
		switch r.Proxy {
		case "", "0":
		case "1":
			c.IsProxy = true
		default:
			return in.errAtf(path+".Proxy", "%q is neither \"0\" nor \"1\"", clip(r.Proxy, 20))
		}
		if c.Implementation, err = in.optAddress(path+".Implementation", r.Implementation); err != nil {
			return err
		}
		if c.Implementation != "" {
			// Etherscan fills Implementation for proxies it detected even
			// when Proxy is "0" on older verifications.
			c.IsProxy = true
		}
		c.Optimization = r.OptimizationUsed == "1"
		if r.Runs != "" {
			runs, err := strconv.ParseInt(r.Runs, 10, 64)
			if err != nil || runs < 0 {
				return in.errAtf(path+".Runs", "%q is not a run count", clip(r.Runs, 20))
			}
			c.Runs = &runs
		}
		return emit(c)
	})
}

// SourceFiles decodes Etherscan's SourceCode field into files by path. The
// field comes in three layouts:
//   - "single": one flattened Solidity file, as is;
//   - "multi": a JSON object {"path.sol": {"content": "..."}, ...};
//   - "standard-json": Solidity standard JSON input
//     {"language", "sources": {path: {content}}, "settings"}, which
//     Etherscan serves wrapped in an extra pair of braces ("{{ ... }}"),
//     invalid JSON until the outer pair is removed.
//
// The risk model reads the files to look for mint, blacklist and fee
// setters; a single file is returned under the name "contract.sol".
func SourceFiles(src string) (format string, files map[string]string, err error) {
	trimmed := strings.TrimSpace(src)
	if trimmed == "" {
		return "", nil, nil
	}
	if !strings.HasPrefix(trimmed, "{") {
		return "single", map[string]string{"contract.sol": src}, nil
	}
	doubled := strings.HasPrefix(trimmed, "{{") && strings.HasSuffix(trimmed, "}}")
	body := trimmed
	if doubled {
		body = trimmed[1 : len(trimmed)-1]
	}
	type file struct {
		Content *string `json:"content"`
	}
	var std struct {
		Language string          `json:"language"`
		Sources  map[string]file `json:"sources"`
	}
	if err := json.Unmarshal([]byte(body), &std); err == nil && std.Sources != nil {
		files := make(map[string]string, len(std.Sources))
		for p, f := range std.Sources {
			if f.Content == nil {
				return "", nil, fmt.Errorf("standard JSON source %q has no content", p)
			}
			files[p] = *f.Content
		}
		return "standard-json", files, nil
	} else if doubled {
		if err == nil {
			err = fmt.Errorf("no sources object")
		}
		return "", nil, fmt.Errorf("double-brace source is not Solidity standard JSON: %v", err)
	}
	var multi map[string]file
	if err := json.Unmarshal([]byte(body), &multi); err != nil {
		// Not JSON after all: a flattened file may start with a brace only
		// in pathological cases, but it is still source text.
		return "single", map[string]string{"contract.sol": src}, nil
	}
	files = make(map[string]string, len(multi))
	for p, f := range multi {
		if f.Content == nil {
			return "", nil, fmt.Errorf("multi-file source %q has no content", p)
		}
		files[p] = *f.Content
	}
	return "multi", files, nil
}

// SourceText joins SourceFiles in path order, each file preceded by a
// "// File: path" line, for pattern searches over the whole contract.
func SourceText(files map[string]string) string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		b.WriteString("// File: ")
		b.WriteString(p)
		b.WriteString("\n")
		b.WriteString(files[p])
		b.WriteString("\n")
	}
	return b.String()
}
