package risk

import (
	"regexp"
	"sort"
	"strings"
)

// ContractInput is what the contract analysis looks at: Etherscan's
// getsourcecode result and, when known, the current owner() value.
type ContractInput struct {
	Source ContractSource
	// Owner is the result of calling owner() now: "" when unknown (no
	// call made, or no owner() function), the zero address when renounced.
	Owner string
}

// index matches one mapping/array index, allowing one level of nesting:
// _isBot[bots_[i]].
const index = `\[(?:[^\[\]]|\[[^\]]*\])*\]`

var (
	reOnlyModifier = regexp.MustCompile(`^only[A-Z_]\w*$`)
	// A caller check: msg.sender compared with a stored address (owner,
	// admin, or a disguised one such as "initGas"), an admin role, or an
	// authorisation map. The compared name is group 1 or 2; a function
	// parameter there is not a privilege (see privileged).
	reCallerCheck = regexp.MustCompile(`(?:msg\.sender|_msgSender\(\)|tx\.origin)\s*[!=]=\s*([A-Za-z_]\w*)(?:\s*\(\s*\))?|([A-Za-z_]\w*)(?:\s*\(\s*\))?\s*[!=]=\s*(?:msg\.sender|_msgSender\(\)|tx\.origin)|\bhasRole\s*\(|\b_checkRole\s*\(|\b_checkOwner\s*\(|\bauthorized\s*\[\s*(?:msg\.sender|_msgSender\(\))|\bisOwner\s*\(\s*\)`)
	reMint        = regexp.MustCompile(`\b_(safe)?[mM]int\s*\(|\b_?totalSupply\s*(\+=|=\s*_?totalSupply\s*(\.add\s*\(|\+))|\b_tTotal\s*\+=`)
	reAssign      = regexp.MustCompile(`\b(\w+)\s*((?:` + index + `)*)\s*(=|\+=|-=)[^=]`)
	reRequire     = regexp.MustCompile(`\brequire\s*\(([^;]*)\)\s*;|\bif\s*\(([^)]*)\)\s*revert`)
	rePauseCall   = regexp.MustCompile(`\b_(un)?pause\s*\(`)
	reSelfdestr   = regexp.MustCompile(`\b(selfdestruct|suicide)\s*\(`)
	reUpgradeable = regexp.MustCompile(`\b(UUPSUpgradeable|TransparentUpgradeableProxy|ERC1967Proxy|ERC1967Upgrade\w*|BeaconProxy|Initializable)\b`)
	reDelegate    = regexp.MustCompile(`\bdelegatecall\b`)
	reOwnable     = regexp.MustCompile(`\b(Ownable\w*|onlyOwner|_owner|AccessControl\w*)\b`)
	reCooldown    = regexp.MustCompile(`(?i)\b\w*cool_?down\w*\b`)
	reTransferFn  = regexp.MustCompile(`^_?(transfer|transferFrom|_transfer|_tokenTransfer|_beforeTokenTransfer|_update)$`)
	rePairRef     = regexp.MustCompile(`(?i)\b\w*(pair|router|uniswap|pancake)\w*\b`)
	reOwnerRef    = regexp.MustCompile(`\b(owner\s*\(\s*\)|_owner|owner)\b`)
)

// Name classes of state variables, matched on the written variable.
var (
	nameBlacklist = regexp.MustCompile(`(?i)(black|bot|blocked|banned|sniper|frozen|freeze|isBlack|_isBot)`)
	nameWhitelist = regexp.MustCompile(`(?i)(white|allow|premium|whitelisted|canTransfer|isAllowed)`)
	nameExempt    = regexp.MustCompile(`(?i)(excluded|exempt|isExcludedFrom)`)
	namePause     = regexp.MustCompile(`(?i)(paus|trading|tradeEnabled|tradingOpen|transfersEnabled|canTrade|launched|saleIsActive|isOpen|swapOpen)`)
	nameFee       = regexp.MustCompile(`(?i)(fee|tax)`)
	nameMaxTx     = regexp.MustCompile(`(?i)(maxTx|maxTransaction|maxWallet|maxHold|maxBuy|maxSell|walletLimit|maxAmount|_maxTx|txLimit|maxTrans)`)
)

// ContractFlags analyses a contract's verified source for owner powers
// that rug pulls and honeypots use (after CRPWarner's hidden mint, leaking
// and limiting patterns and token-security checklists). It is pattern
// based over the source with comments and strings blanked: it reports what
// the code allows, not what was done.
func ContractFlags(in ContractInput) []Flag {
	src := in.Source
	var flags []Flag
	add := func(code string, sev Severity, title string, ev map[string]any) {
		flags = append(flags, Flag{Code: code, Severity: sev, Title: title, Evidence: ev})
	}
	if src.Proxy == "1" || strings.TrimSpace(src.Implementation) != "" {
		add(FlagProxy, Warn, "proxy: the logic can be replaced by its admin", map[string]any{"implementation": src.Implementation, "source": "etherscan"})
	}
	if !src.Verified() {
		add(FlagUnverified, Critical, "contract source is not verified", map[string]any{"contract_name": src.ContractName, "etherscan": firstNonEmpty(src.ABI, "empty SourceCode")})
		sortFlags(flags)
		return flags
	}
	files, err := SourceFiles(src.SourceCode)
	if err != nil {
		add(FlagUnverified, Warn, "verified source could not be read", map[string]any{"error": err.Error()})
		return flags
	}
	code := StripCommentsAndStrings(JoinSources(files))
	fns := scanFunctions(code)
	a := newAnalysis(fns)

	// hit collects the functions behind one flag; ownerOnly stays true while
	// every one of them is callable by the owner alone.
	type hit struct {
		fns       []string
		ownerOnly bool
	}
	hits := map[string]*hit{}
	curOwnerOnly := false // of the function being looked at
	note := func(code, fnName string) {
		h := hits[code]
		if h == nil {
			h = &hit{ownerOnly: true}
			hits[code] = h
		}
		h.ownerOnly = h.ownerOnly && curOwnerOnly
		for _, n := range h.fns {
			if n == fnName {
				return
			}
		}
		h.fns = append(h.fns, fnName)
	}
	ownerMaps := map[string][]string{} // mapping -> privileged functions writing it
	for _, f := range fns {
		if f.Kind != "function" || !f.Callable {
			continue
		}
		priv, byOwner := a.privileged(f)
		if !priv {
			continue
		}
		curOwnerOnly = byOwner
		body := a.inlined(f)
		if reMint.MatchString(body) {
			note(FlagMint, f.Name)
		}
		// A direct balance write: raising balances without a matching
		// decrease is a hidden mint (no totalSupply change, no Transfer
		// from 0x0 needed); lowering or setting them takes users' tokens.
		if !reMint.MatchString(body) {
			inc, dec := balanceWrites(body)
			if inc && !dec {
				note(FlagMint, f.Name)
			} else if dec {
				note(FlagBalanceChange, f.Name)
			}
		}
		if rePauseCall.MatchString(body) {
			note(FlagPause, f.Name)
		}
		for _, m := range reAssign.FindAllStringSubmatch(body, -1) {
			v := m[1]
			mapping := m[2] != ""
			if mapping && !nameExempt.MatchString(v) {
				ownerMaps[v] = append(ownerMaps[v], f.Name)
			}
			switch {
			case mapping && nameBlacklist.MatchString(v):
				note(FlagBlacklist, f.Name)
			case mapping && nameExempt.MatchString(v):
				note(FlagFeeExemption, f.Name)
			case mapping && nameWhitelist.MatchString(v):
				note(FlagWhitelist, f.Name)
			case !mapping && namePause.MatchString(v) && isBoolWrite(body, v):
				note(FlagPause, f.Name)
			case !mapping && nameMaxTx.MatchString(v):
				if boundedWrite(body, v, f.Params, true) {
					note(FlagMaxTxBounded, f.Name)
				} else {
					note(FlagMaxTxUnbounded, f.Name)
				}
			case !mapping && nameFee.MatchString(v) && !nameExempt.MatchString(v) && !strings.Contains(strings.ToLower(v), "receiver") && !strings.Contains(strings.ToLower(v), "wallet") && !strings.Contains(strings.ToLower(v), "address"):
				if boundedWrite(body, v, f.Params, false) {
					note(FlagFeeBounded, f.Name)
				} else {
					note(FlagFeeUnbounded, f.Name)
				}
			}
		}
		if reCooldown.MatchString(body) {
			note(FlagCooldown, f.Name)
		}
	}
	// A limit that is bounded in one setter and not in another is unbounded.
	if hits[FlagFeeUnbounded] != nil {
		delete(hits, FlagFeeBounded)
	}
	if hits[FlagMaxTxUnbounded] != nil {
		delete(hits, FlagMaxTxBounded)
	}

	curOwnerOnly = false // code in the transfer path is no owner power
	// Sell restrictions in the transfer path: a require/revert that names
	// the owner (or a whitelist) in a transfer function that also looks at
	// the pair: only the owner (or friends) may sell into the pool.
	for _, f := range fns {
		if f.Kind != "function" || !reTransferFn.MatchString(f.Name) || f.Body == "" {
			continue
		}
		if !rePairRef.MatchString(f.Body) {
			continue
		}
		for _, m := range reRequire.FindAllStringSubmatch(f.Body, -1) {
			cond := m[1] + m[2]
			if reOwnerRef.MatchString(cond) || nameWhitelist.MatchString(cond) {
				note(FlagSellRestricted, f.Name)
			}
		}
	}
	// Gates: a mapping the owner writes that the transfer path requires
	// (in a require/revert, or in a modifier on the transfer function) is a
	// blacklist or whitelist whatever its name ("girlMap", "onlyNotGirl").
	for _, f := range fns {
		if f.Kind != "function" || !reTransferFn.MatchString(f.Name) || f.Body == "" {
			continue
		}
		conds := ""
		for _, m := range reRequire.FindAllStringSubmatch(a.inlined(f), -1) {
			conds += m[1] + m[2] + "\n"
		}
		for _, mod := range f.Modifiers {
			for _, g := range a.modifiers[mod] {
				for _, m := range reRequire.FindAllStringSubmatch(g.Body, -1) {
					conds += m[1] + m[2] + "\n"
				}
			}
		}
		for v, setters := range ownerMaps {
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(v) + `\s*\[`).MatchString(conds) {
				continue
			}
			code := FlagBlacklist
			if nameWhitelist.MatchString(v) {
				code = FlagWhitelist
			}
			for _, s := range setters {
				curOwnerOnly = a.ownerOnlyFn[s]
				note(code, s)
			}
		}
	}
	curOwnerOnly = false
	cooldownAnywhere := reCooldown.FindString(code)

	titles := map[string]struct {
		sev   Severity
		title string
	}{
		FlagMint:           {Critical, "owner can mint new tokens after launch"},
		FlagBalanceChange:  {Critical, "owner can set balances directly"},
		FlagBlacklist:      {Critical, "owner can blacklist addresses (block their sells)"},
		FlagWhitelist:      {Warn, "owner-managed whitelist"},
		FlagFeeExemption:   {Info, "owner can exempt addresses from fees or limits"},
		FlagPause:          {Warn, "owner can pause transfers or switch trading off"},
		FlagFeeUnbounded:   {Critical, "owner can set fees without an upper bound (up to 100%: a sell tax honeypot)"},
		FlagFeeBounded:     {Info, "owner can change fees within a coded bound"},
		FlagMaxTxUnbounded: {Warn, "owner can set max transaction/wallet limits without a lower bound (down to blocking sells)"},
		FlagMaxTxBounded:   {Info, "owner can change max transaction/wallet limits within a coded bound"},
		FlagCooldown:       {Warn, "owner controls a transfer cooldown"},
		FlagSellRestricted: {Critical, "transfer code restricts sells to the owner or a whitelist (honeypot pattern)"},
	}
	for code, h := range hits {
		t := titles[code]
		sort.Strings(h.fns)
		add(code, t.sev, t.title, map[string]any{"functions": h.fns, "owner_only": h.ownerOnly})
	}
	if cooldownAnywhere != "" && hits[FlagCooldown] == nil {
		add(FlagCooldown, Info, "transfers have a cooldown", map[string]any{"identifier": cooldownAnywhere})
	}
	if m := reSelfdestr.FindString(code); m != "" {
		add(FlagSelfdestruct, Critical, "contract can self-destruct", map[string]any{"call": strings.TrimSpace(strings.TrimSuffix(m, "("))})
	}
	if !HasFlag(flags, FlagProxy) {
		var why []string
		if m := reUpgradeable.FindString(code); m != "" {
			why = append(why, m)
		}
		for _, f := range fns {
			if f.Kind == "fallback" && reDelegate.MatchString(f.Body) {
				why = append(why, "fallback delegatecall")
			}
			if f.Kind == "function" && f.Callable && (f.Name == "upgradeTo" || f.Name == "upgradeToAndCall") {
				why = append(why, f.Name)
			}
		}
		if len(why) > 0 {
			add(FlagProxy, Warn, "upgradeable: the logic can be replaced", map[string]any{"evidence": why})
		}
	}
	if reOwnable.MatchString(code) {
		owner := strings.ToLower(strings.TrimSpace(in.Owner))
		powers := 0
		for _, f := range flags {
			if f.Severity != Info && f.Code != FlagProxy {
				powers++
			}
		}
		switch {
		case owner == "":
			add(FlagOwnershipUnknown, Info, "contract has an owner; whether it is renounced is unknown (call owner())", nil)
		case owner == "0x0000000000000000000000000000000000000000" || owner == "0x000000000000000000000000000000000000dead":
			// Renounced: powers held by the owner alone are gone; those
			// behind a dev/role check, and code in the transfer path, stay.
			for i := range flags {
				if only, _ := flags[i].Evidence["owner_only"].(bool); only && flags[i].Severity != Info {
					flags[i].Evidence["renounced"] = true
					flags[i].Severity = Info
				}
			}
		default:
			sev := Info
			if powers > 0 {
				sev = Warn
			}
			add(FlagOwnerNotRenounced, sev, "ownership not renounced", map[string]any{"owner": owner, "owner_powers": powers})
		}
	}
	sortFlags(flags)
	return flags
}

// analysis knows the modifiers and internal functions of one source.
type analysis struct {
	privMods    map[string]bool
	ownerMods   map[string]bool // modifiers whose check names only the owner
	modifiers   map[string][]fn
	ownerOnlyFn map[string]bool // privileged functions callable by the owner alone
	internal    map[string][]fn
}

func newAnalysis(fns []fn) *analysis {
	a := &analysis{privMods: map[string]bool{}, ownerMods: map[string]bool{}, internal: map[string][]fn{},
		modifiers: map[string][]fn{}, ownerOnlyFn: map[string]bool{}}
	for _, f := range fns {
		if f.Kind == "modifier" {
			a.modifiers[f.Name] = append(a.modifiers[f.Name], f)
		}
		switch {
		case f.Kind == "modifier" && reCallerCheck.MatchString(f.Body):
			a.privMods[f.Name] = true
			all := true
			for _, m := range reCallerCheck.FindAllString(f.Body, -1) {
				if !strings.Contains(m, "owner") {
					all = false
				}
			}
			a.ownerMods[f.Name] = all
		case f.Kind == "function" && !f.Callable && f.Body != "":
			a.internal[f.Name] = append(a.internal[f.Name], f)
		}
	}
	for _, f := range fns {
		if _, byOwner := a.privileged(f); byOwner && f.Kind == "function" {
			a.ownerOnlyFn[f.Name] = true
		}
	}
	return a
}

// privileged: restricted to the owner/admin by a modifier or a caller check
// at the top of the body. byOwner says the restriction is on the owner
// alone (onlyOwner, or a check naming owner), so renouncing ownership
// disables the function; a dev/operator/role check survives it.
func (a *analysis) privileged(f fn) (ok, byOwner bool) {
	byOwner = true
	for _, m := range f.Modifiers {
		if a.privMods[m] || reOnlyModifier.MatchString(m) {
			ok = true
			if m != "onlyOwner" && !a.ownerMods[m] {
				byOwner = false
			}
		}
	}
	body := f.Body
	if len(body) > 400 {
		body = body[:400]
	}
	params := map[string]bool{}
	for _, p := range strings.Split(f.Params, ",") {
		if ids := identifiers(p); len(ids) > 0 {
			params[ids[len(ids)-1]] = true
		}
	}
	for _, m := range reCallerCheck.FindAllStringSubmatch(body, -1) {
		name := m[1] + m[2]
		if params[name] || name == "address" {
			continue // msg.sender == from: the caller's own tokens
		}
		ok = true
		if !strings.Contains(strings.ToLower(m[0]), "owner") {
			byOwner = false
		}
	}
	return ok, ok && byOwner
}

var reCall = regexp.MustCompile(`\b(_?\w+)\s*\(`)

// inlined returns f's body followed by the bodies of the internal functions
// it calls, two levels deep: setters often delegate to _setFees(...).
func (a *analysis) inlined(f fn) string {
	var b strings.Builder
	b.WriteString(f.Body)
	seen := map[string]bool{f.Name: true}
	level := []string{f.Body}
	for depth := 0; depth < 2; depth++ {
		var next []string
		for _, body := range level {
			for _, m := range reCall.FindAllStringSubmatch(body, -1) {
				name := m[1]
				if seen[name] {
					continue
				}
				seen[name] = true
				for _, g := range a.internal[name] {
					// Library plumbing (OpenZeppelin's _transfer, _approve)
					// is not an owner power of its own.
					if reTransferFn.MatchString(g.Name) || g.Name == "_approve" || g.Name == "_msgSender" {
						continue
					}
					b.WriteString("\n")
					b.WriteString(g.Body)
					next = append(next, g.Body)
				}
			}
		}
		level = next
	}
	return b.String()
}

func isBoolWrite(body, v string) bool {
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(v) + `\s*=\s*(true|false|!\s*` + regexp.QuoteMeta(v) + `|_?\w+)\s*;`)
	return re.MatchString(body)
}

// boundedWrite reports whether a require/revert in body compares the
// variable or one of the setter's parameters with a constant bound in the
// safe direction: an upper bound for fees (<, <=), a lower bound for limits
// (>, >=).
func boundedWrite(body, v, params string, lower bool) bool {
	names := []string{v}
	for _, p := range strings.Split(params, ",") {
		ids := identifiers(p)
		if len(ids) > 0 {
			names = append(names, ids[len(ids)-1])
		}
	}
	for _, m := range reRequire.FindAllStringSubmatch(body, -1) {
		cond := m[1] + m[2]
		if m[2] != "" { // if (x > N) revert: the allowed side is the opposite
			lower = !lower
		}
		for _, n := range names {
			if n == "" || !regexp.MustCompile(`\b`+regexp.QuoteMeta(n)+`\b`).MatchString(cond) {
				continue
			}
			up := regexp.MustCompile(`\b` + regexp.QuoteMeta(n) + `\b[^<>]*<|>[^<>]*\b` + regexp.QuoteMeta(n) + `\b`)
			down := regexp.MustCompile(`\b` + regexp.QuoteMeta(n) + `\b[^<>]*>|<[^<>]*\b` + regexp.QuoteMeta(n) + `\b`)
			if (!lower && up.MatchString(cond)) || (lower && down.MatchString(cond)) {
				return true
			}
		}
		if m[2] != "" {
			lower = !lower
		}
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" && !strings.HasPrefix(strings.TrimSpace(x), "[") {
			return x
		}
	}
	return ""
}

var reBalanceWrite = regexp.MustCompile(`\b(_?(?:balances|balanceOf|_rOwned|_tOwned|_balance))\s*(` + index + `)\s*(=[^=]|\+=|-=)([^;]*);`)

// balanceWrites classifies the direct balance writes in body.
func balanceWrites(body string) (inc, dec bool) {
	for _, m := range reBalanceWrite.FindAllStringSubmatch(body, -1) {
		op, rhs := strings.TrimSpace(m[3]), m[4]
		switch {
		case op == "+=":
			inc = true
		case op == "-=":
			dec = true
		case strings.Contains(rhs, m[1]) && (strings.Contains(rhs, ".sub(") || strings.Contains(rhs, "-")):
			dec = true
		case strings.Contains(rhs, m[1]) && (strings.Contains(rhs, ".add(") || strings.Contains(rhs, "+")):
			inc = true
		default:
			dec = true // set outright
		}
	}
	return inc, dec
}
