package sim

import (
	"encoding/json"
	"strings"
)

// abiEntry is one item of a Solidity JSON ABI.
type abiEntry struct {
	Anonymous       *bool      `json:"anonymous,omitempty"`
	Inputs          []abiParam `json:"inputs"`
	Name            string     `json:"name,omitempty"`
	Outputs         []abiParam `json:"outputs,omitempty"`
	StateMutability string     `json:"stateMutability,omitempty"`
	Type            string     `json:"type"`
}

type abiParam struct {
	Indexed      *bool  `json:"indexed,omitempty"`
	InternalType string `json:"internalType"`
	Name         string `json:"name"`
	Type         string `json:"type"`
}

func p(typ, name string) abiParam { return abiParam{InternalType: typ, Name: name, Type: typ} }

func ip(typ, name string, indexed bool) abiParam {
	return abiParam{Indexed: &indexed, InternalType: typ, Name: name, Type: typ}
}

func fn(name, mut string, in []abiParam, out ...abiParam) abiEntry {
	if in == nil {
		in = []abiParam{}
	}
	return abiEntry{Inputs: in, Name: name, Outputs: append([]abiParam{}, out...), StateMutability: mut, Type: "function"}
}

func ev(name string, in ...abiParam) abiEntry {
	f := false
	return abiEntry{Anonymous: &f, Inputs: in, Name: name, Type: "event"}
}

func abiFor(honeypot bool) string {
	entries := []abiEntry{
		{Inputs: []abiParam{}, StateMutability: "nonpayable", Type: "constructor"},
		ev("Approval", ip("address", "owner", true), ip("address", "spender", true), ip("uint256", "value", false)),
		ev("OwnershipTransferred", ip("address", "previousOwner", true), ip("address", "newOwner", true)),
		ev("Transfer", ip("address", "from", true), ip("address", "to", true), ip("uint256", "value", false)),
		fn("allowance", "view", []abiParam{p("address", "owner"), p("address", "spender")}, p("uint256", "")),
		fn("approve", "nonpayable", []abiParam{p("address", "spender"), p("uint256", "amount")}, p("bool", "")),
		fn("balanceOf", "view", []abiParam{p("address", "account")}, p("uint256", "")),
		fn("decimals", "view", nil, p("uint8", "")),
		fn("name", "view", nil, p("string", "")),
		fn("owner", "view", nil, p("address", "")),
		fn("renounceOwnership", "nonpayable", nil),
		fn("symbol", "view", nil, p("string", "")),
		fn("totalSupply", "view", nil, p("uint256", "")),
		fn("transfer", "nonpayable", []abiParam{p("address", "to"), p("uint256", "amount")}, p("bool", "")),
		fn("transferFrom", "nonpayable", []abiParam{p("address", "from"), p("address", "to"), p("uint256", "amount")}, p("bool", "")),
		fn("transferOwnership", "nonpayable", []abiParam{p("address", "newOwner")}),
	}
	if honeypot {
		entries = append(entries,
			fn("mint", "nonpayable", []abiParam{p("address", "to"), p("uint256", "amount")}),
			fn("setBlacklist", "nonpayable", []abiParam{p("address", "account"), p("bool", "value")}),
			fn("setTaxFee", "nonpayable", []abiParam{p("uint256", "fee")}),
			fn("setPair", "nonpayable", []abiParam{p("address", "pair_")}),
			fn("taxFee", "view", nil, p("uint256", "")),
		)
	}
	b, _ := json.Marshal(entries)
	return string(b)
}

const srcClean = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import "@openzeppelin/contracts/access/Ownable.sol";

/// @title {NAME}
/// @notice Fair launch. Liquidity burned, ownership renounced.
contract {CONTRACT} is ERC20, Ownable {
    constructor() ERC20("{NAME}", "{SYMBOL}") Ownable(msg.sender) {
        _mint(msg.sender, {SUPPLY} * 10 ** decimals());
    }

    function decimals() public pure override returns (uint8) {
        return {DECIMALS};
    }
}
`

const srcHoneypot = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import "@openzeppelin/contracts/access/Ownable.sol";

contract {CONTRACT} is ERC20, Ownable {
    mapping(address => bool) private _blacklist;
    address public pair;
    uint256 public taxFee = 2;

    constructor() ERC20("{NAME}", "{SYMBOL}") Ownable(msg.sender) {
        _mint(msg.sender, {SUPPLY} * 10 ** decimals());
    }

    function decimals() public pure override returns (uint8) {
        return {DECIMALS};
    }

    function setPair(address pair_) external onlyOwner {
        pair = pair_;
    }

    // No upper bound: the owner can set any fee, up to 100%.
    function setTaxFee(uint256 fee) external onlyOwner {
        taxFee = fee;
    }

    function setBlacklist(address account, bool value) external onlyOwner {
        _blacklist[account] = value;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 amount) internal override {
        require(!_blacklist[from] && !_blacklist[to], "blacklisted");
        // Only the owner may sell into the pair.
        if (to == pair && from != owner()) {
            revert("trading not enabled");
        }
        uint256 fee = (from == owner() || to == owner()) ? 0 : amount * taxFee / 100;
        if (fee > 0) {
            super._update(from, owner(), fee);
        }
        super._update(from, to, amount - fee);
    }
}
`

const srcOwned = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import "@openzeppelin/contracts/access/Ownable.sol";

contract {CONTRACT} is ERC20, Ownable {
    uint256 public maxWallet;

    constructor() ERC20("{NAME}", "{SYMBOL}") Ownable(msg.sender) {
        _mint(msg.sender, {SUPPLY} * 10 ** decimals());
        maxWallet = totalSupply() / 50;
    }

    function decimals() public pure override returns (uint8) {
        return {DECIMALS};
    }

    function setMaxWallet(uint256 amount) external onlyOwner {
        require(amount >= totalSupply() / 200, "too low");
        maxWallet = amount;
    }
}
`

// contractName is the Solidity contract name for the token.
func (t *token) contractName() string {
	var b strings.Builder
	for _, w := range strings.Fields(t.Name) {
		w = strings.Map(func(r rune) rune {
			if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
				return r
			}
			return -1
		}, w)
		if w == "" {
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	name := b.String()
	if name == "" || (name[0] >= '0' && name[0] <= '9') {
		name = "T" + name
	}
	return name
}

func sourceFor(k hasher, t *token) string {
	tpl := srcClean
	switch {
	case t.honeypot:
		tpl = srcHoneypot
	case !t.renounce:
		tpl = srcOwned
	}
	r := strings.NewReplacer(
		"{NAME}", t.Name,
		"{SYMBOL}", t.Symbol,
		"{CONTRACT}", t.contractName(),
		"{SUPPLY}", strings.TrimSuffix(strings.TrimSuffix(fromUnitsString(t.supplyF), ".0"), ".00"),
		"{DECIMALS}", itoa(t.Decimals),
	)
	return r.Replace(tpl)
}

func fromUnitsString(x float64) string {
	return toUnits(x, 0).String()
}
