package risk

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"memepipe/internal/shareddata"
)

func codes(fs []Flag) map[string]Severity {
	m := map[string]Severity{}
	for _, f := range fs {
		m[f.Code] = f.Severity
	}
	return m
}

func apeSample(t *testing.T, name string) ContractSource {
	t.Helper()
	b, err := os.ReadFile(shareddata.Path(t, "api-samples", "etherscan", "ape-etherscan", name))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParseGetSourceCode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("%s: %d results", name, len(res))
	}
	return res[0]
}

func crafted(t *testing.T, name string) ContractSource {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return ContractSource{SourceCode: string(b), ABI: "[]", ContractName: strings.TrimSuffix(name, ".sol"), Proxy: "0"}
}

func TestContractFlags(t *testing.T) {
	// The standard-JSON sample ships its SourceCode separately, in
	// Etherscan's double-brace form.
	loveyou := apeSample(t, "get_contract_response_json.json")
	dbl, err := os.ReadFile(shareddata.Path(t, "api-samples", "etherscan", "ape-etherscan", "getsourcecode_SourceCode_field_double_brace.txt"))
	if err != nil {
		t.Fatal(err)
	}
	loveyou.SourceCode = string(dbl)

	cases := []struct {
		name  string
		in    ContractInput
		want  map[string]Severity
		fnsOf map[string][]string
	}{
		{"unverified (real)", ContractInput{Source: apeSample(t, "get_contract_response_not_verified.json")},
			map[string]Severity{FlagUnverified: Critical}, nil},
		// BAYC: the owner can mint reserve apes and flip the sale switch.
		{"BAYC flattened (real)", ContractInput{Source: apeSample(t, "get_contract_response_flattened.json")},
			map[string]Severity{FlagMint: Critical, FlagPause: Warn, FlagOwnershipUnknown: Info},
			map[string][]string{FlagMint: {"reserveApes"}, FlagPause: {"flipSaleState"}}},
		// LOVEYOU: plain OpenZeppelin ERC20 + Ownable, minted once in the
		// constructor; nothing but the owner itself.
		{"LOVEYOU standard JSON (real)", ContractInput{Source: loveyou, Owner: "0x1111111111111111111111111111111111111111"},
			map[string]Severity{FlagOwnerNotRenounced: Info}, nil},
		{"LOVEYOU renounced", ContractInput{Source: loveyou, Owner: "0x0000000000000000000000000000000000000000"},
			map[string]Severity{}, nil},
		{"crafted honeypot", ContractInput{Source: crafted(t, "honeypot.sol"), Owner: "0x2222222222222222222222222222222222222222"},
			map[string]Severity{
				FlagMint: Critical, FlagBalanceChange: Critical, FlagBlacklist: Critical, FlagFeeUnbounded: Critical,
				FlagSellRestricted: Critical, FlagSelfdestruct: Critical, FlagPause: Warn, FlagMaxTxUnbounded: Warn,
				FlagCooldown: Info, FlagOwnerNotRenounced: Warn,
			},
			map[string][]string{FlagMint: {"airdrop"}, FlagBalanceChange: {"rebase"}, FlagBlacklist: {"setBots"}, FlagFeeUnbounded: {"setTaxes"},
				FlagSellRestricted: {"_transfer"}, FlagPause: {"openTrading"}, FlagMaxTxUnbounded: {"setMaxTx"}}},
		{"crafted fair token", ContractInput{Source: crafted(t, "fair.sol")},
			map[string]Severity{FlagFeeBounded: Info, FlagMaxTxBounded: Info, FlagFeeExemption: Info, FlagOwnershipUnknown: Info},
			map[string][]string{FlagFeeBounded: {"setFee"}, FlagMaxTxBounded: {"setMaxTx"}}},
		{"crafted proxy", ContractInput{Source: crafted(t, "proxy.sol")},
			map[string]Severity{FlagProxy: Warn}, nil},
		{"etherscan proxy flag", ContractInput{Source: ContractSource{SourceCode: "contract P {}", ABI: "[]", Proxy: "1", Implementation: "0xabc"}},
			map[string]Severity{FlagProxy: Warn}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := ContractFlags(c.in)
			got := codes(fs)
			if len(got) != len(c.want) {
				t.Errorf("flags %v, want %v", got, c.want)
			}
			for code, sev := range c.want {
				if got[code] != sev {
					t.Errorf("flag %s = %q, want %q (all: %v)", code, got[code], sev, got)
				}
			}
			for code, want := range c.fnsOf {
				for _, f := range fs {
					if f.Code != code {
						continue
					}
					gotFns, _ := f.Evidence["functions"].([]string)
					sort.Strings(want)
					if strings.Join(gotFns, ",") != strings.Join(want, ",") {
						t.Errorf("%s functions %v, want %v", code, gotFns, want)
					}
				}
			}
		})
	}
}

func TestRenouncedOwnerDowngradesOwnerPowers(t *testing.T) {
	fs := ContractFlags(ContractInput{Source: crafted(t, "honeypot.sol"), Owner: "0x000000000000000000000000000000000000dEaD"})
	got := codes(fs)
	// Owner-only powers are dead once renounced (setBots, rebase behind the
	// owner-checking "auth"); the onlyDev mint, the sell restriction in
	// _transfer and selfdestruct stay.
	if got[FlagBlacklist] != Info || got[FlagBalanceChange] != Info || got[FlagMint] != Critical ||
		got[FlagSellRestricted] != Critical || got[FlagSelfdestruct] != Critical {
		t.Fatalf("renounced: %v", got)
	}
	if _, ok := got[FlagOwnerNotRenounced]; ok {
		t.Fatal("renounced owner flagged as not renounced")
	}
}

func TestStripCommentsAndStrings(t *testing.T) {
	src := "a = \"mint(//x)\"; // _mint(y)\n/* selfdestruct(\n z) */ b = 'it\\'s'; c;"
	got := StripCommentsAndStrings(src)
	want := "a = \"\"; \n\n  b = ''; c;"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestSourceFilesForms(t *testing.T) {
	files, err := SourceFiles(`{"a.sol":{"content":"contract A {}"},"b.sol":{"content":"contract B {}"}}`)
	if err != nil || len(files) != 2 || files["b.sol"] != "contract B {}" {
		t.Fatalf("file map form: %v %v", files, err)
	}
	files, err = SourceFiles("pragma solidity ^0.8.0; contract C {}")
	if err != nil || len(files) != 1 {
		t.Fatalf("plain form: %v %v", files, err)
	}
	if _, err := SourceFiles("{not json"); err == nil {
		t.Fatal("broken JSON source accepted")
	}
}

func TestParseGetSourceCodeError(t *testing.T) {
	_, err := ParseGetSourceCode([]byte(`{"status":"0","message":"NOTOK","result":"Invalid API Key"}`))
	if err == nil || !strings.Contains(err.Error(), "Invalid API Key") {
		t.Fatalf("err = %v", err)
	}
}

// A blacklist needs no telling name: an owner-written mapping that a
// modifier on _transfer requires is one (pattern seen in CRPWarner's
// ground truth as "girlMap" / "onlyNotGirl").
func TestDisguisedBlacklistGate(t *testing.T) {
	src := `contract Ownable { address _owner; modifier onlyOwner() { require(msg.sender == _owner); _; } }
contract T is Ownable {
    mapping(address => uint8) girlMap;
    mapping(address => uint256) _balances;
    function setGirl(address user, uint8 b) public onlyOwner { girlMap[user] = b; }
    modifier onlyNotGirl(address a) { require(girlMap[a] == 0, "no"); _; }
    function _transfer(address from, address to, uint256 amount) internal onlyNotGirl(from) {
        _balances[from] -= amount; _balances[to] += amount;
    }
}`
	fs := ContractFlags(ContractInput{Source: ContractSource{SourceCode: src, ABI: "[]"}})
	for _, f := range fs {
		if f.Code == FlagBlacklist {
			if fns := f.Evidence["functions"].([]string); len(fns) != 1 || fns[0] != "setGirl" || f.Severity != Critical {
				t.Fatalf("blacklist flag %+v", f)
			}
			return
		}
	}
	t.Fatalf("no blacklist flag: %v", codes(fs))
}
