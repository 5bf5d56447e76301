package sim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Etherscan answers errors with HTTP 200 and status "0"; these are the
// real messages.
const (
	esMsgNoTx          = "No transactions found"
	esMsgNoRecords     = "No records found"
	esMsgKeyless       = "OK-Missing/Invalid API Key, rate limit of 1/5sec applied"
	esRateLimited      = "Max rate limit reached"
	esRateLimitedNoKey = "Max rate limit reached, please use API Key for higher rate limit"
	esInvalidKey       = "Invalid API Key"
	esWindowTooLarge   = "Result window is too large, PageNo x Offset size must be less than or equal to 10000"
	esChainNotFree     = "Free API access is not supported for this chain. Please upgrade your api plan for full chain coverage. https://etherscan.io/apis"
	esMissingChainID   = "Missing or unsupported chainid parameter (required for v2 api), please see https://api.etherscan.io/v2/chainlist for the list of supported chainids"
	esBadModule        = "Error! Missing Or invalid Module name"
	esBadAction        = "Error! Missing Or invalid Action name"
	esNoClosestBlock   = "Error! No closest block found"
	esInvalidTimestamp = "Error! Invalid timestamp"
	esInvalidAddress   = "Error! Invalid address format"
	esNotVerifiedABI   = "Contract source code not verified"
	esMaxRows          = 1000 // rows per call on the free tier
	esWindow           = 10000
)

type esResponse struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	Result  any    `json:"result"`
}

func esWrite(w http.ResponseWriter, status, message string, result any) {
	writeJSON(w, http.StatusOK, esResponse{Status: status, Message: message, Result: result})
}

func esNotOK(w http.ResponseWriter, result string) { esWrite(w, "0", "NOTOK", result) }

// tokentxRow has the fields of account/tokentx in Etherscan's order.
type tokentxRow struct {
	BlockNumber       string `json:"blockNumber"`
	TimeStamp         string `json:"timeStamp"`
	Hash              string `json:"hash"`
	Nonce             string `json:"nonce"`
	BlockHash         string `json:"blockHash"`
	From              string `json:"from"`
	ContractAddress   string `json:"contractAddress"`
	To                string `json:"to"`
	Value             string `json:"value"`
	TokenName         string `json:"tokenName"`
	TokenSymbol       string `json:"tokenSymbol"`
	TokenDecimal      string `json:"tokenDecimal"`
	TransactionIndex  string `json:"transactionIndex"`
	Gas               string `json:"gas"`
	GasPrice          string `json:"gasPrice"`
	GasUsed           string `json:"gasUsed"`
	CumulativeGasUsed string `json:"cumulativeGasUsed"`
	Input             string `json:"input"`
	MethodID          string `json:"methodId"`
	FunctionName      string `json:"functionName"`
	Confirmations     string `json:"confirmations"`
}

// txlistRow has the fields of account/txlist in Etherscan's order.
type txlistRow struct {
	BlockNumber       string `json:"blockNumber"`
	BlockHash         string `json:"blockHash"`
	TimeStamp         string `json:"timeStamp"`
	Hash              string `json:"hash"`
	Nonce             string `json:"nonce"`
	TransactionIndex  string `json:"transactionIndex"`
	From              string `json:"from"`
	To                string `json:"to"`
	Value             string `json:"value"`
	Gas               string `json:"gas"`
	GasPrice          string `json:"gasPrice"`
	Input             string `json:"input"`
	MethodID          string `json:"methodId"`
	FunctionName      string `json:"functionName"`
	ContractAddress   string `json:"contractAddress"`
	CumulativeGasUsed string `json:"cumulativeGasUsed"`
	TxReceiptStatus   string `json:"txreceipt_status"`
	GasUsed           string `json:"gasUsed"`
	Confirmations     string `json:"confirmations"`
	IsError           string `json:"isError"`
}

// logRow has the fields of logs/getLogs; its numbers are hex strings.
type logRow struct {
	Address          string   `json:"address"`
	Topics           []string `json:"topics"`
	Data             string   `json:"data"`
	BlockNumber      string   `json:"blockNumber"`
	BlockHash        string   `json:"blockHash"`
	TimeStamp        string   `json:"timeStamp"`
	GasPrice         string   `json:"gasPrice"`
	GasUsed          string   `json:"gasUsed"`
	LogIndex         string   `json:"logIndex"`
	TransactionHash  string   `json:"transactionHash"`
	TransactionIndex string   `json:"transactionIndex"`
}

// sourceRow is contract/getsourcecode's result item.
type sourceRow struct {
	SourceCode           string `json:"SourceCode"`
	ABI                  string `json:"ABI"`
	ContractName         string `json:"ContractName"`
	CompilerVersion      string `json:"CompilerVersion"`
	OptimizationUsed     string `json:"OptimizationUsed"`
	Runs                 string `json:"Runs"`
	ConstructorArguments string `json:"ConstructorArguments"`
	EVMVersion           string `json:"EVMVersion"`
	Library              string `json:"Library"`
	LicenseType          string `json:"LicenseType"`
	Proxy                string `json:"Proxy"`
	Implementation       string `json:"Implementation"`
	SwarmSource          string `json:"SwarmSource"`
}

func itoa(n int) string     { return strconv.Itoa(n) }
func utoa(n uint64) string  { return strconv.FormatUint(n, 10) }
func i64toa(n int64) string { return strconv.FormatInt(n, 10) }

func (s *Sim) blockHash(b uint64) string { return s.m.k.hash32("block", b) }

func (s *Sim) latestBlock() uint64 { return blockAtOrBefore(s.now()) }

func (s *Sim) etherscan(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if strings.HasSuffix(r.URL.Path, "/v2/api") {
		switch q.Get("chainid") {
		case "1":
		case "":
			esNotOK(w, esMissingChainID)
			return
		default:
			esNotOK(w, esChainNotFree)
			return
		}
	}
	key := q.Get("apikey")
	if strings.Contains(strings.ToLower(key), "invalid") {
		esNotOK(w, esInvalidKey)
		return
	}
	if !s.limits.etherscan(key, s.opts.Now()) {
		if key == "" {
			esNotOK(w, esRateLimitedNoKey)
		} else {
			esNotOK(w, esRateLimited)
		}
		return
	}
	okMsg := "OK"
	if key == "" {
		okMsg = esMsgKeyless
	}
	module, action := q.Get("module"), q.Get("action")
	switch module {
	case "account":
		switch action {
		case "tokentx":
			s.esTokentx(w, q, okMsg)
		case "txlist":
			s.esTxlist(w, q, okMsg)
		default:
			esNotOK(w, esBadAction)
		}
	case "logs":
		if action != "getLogs" {
			esNotOK(w, esBadAction)
			return
		}
		s.esGetLogs(w, q, okMsg)
	case "block":
		if action != "getblocknobytime" {
			esNotOK(w, esBadAction)
			return
		}
		s.esBlockByTime(w, q, okMsg)
	case "contract":
		if action != "getsourcecode" {
			esNotOK(w, esBadAction)
			return
		}
		s.esSource(w, q, okMsg)
	case "stats":
		if action != "tokensupply" {
			esNotOK(w, esBadAction)
			return
		}
		t := s.m.byAddr[strings.ToLower(q.Get("contractaddress"))]
		if t == nil || strings.ToLower(q.Get("contractaddress")) != t.Address {
			esWrite(w, "1", okMsg, "0")
			return
		}
		esWrite(w, "1", okMsg, t.Supply.String())
	default:
		esNotOK(w, esBadModule)
	}
}

type esPage struct {
	page, offset int
	desc         bool
	start, end   uint64
}

// esPaging reads page, offset, sort and the block range. It reports the
// error message to answer when the request is out of bounds.
func (s *Sim) esPaging(q map[string][]string, startKey, endKey string) (esPage, string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	pg := esPage{page: 1, offset: esWindow, start: 0, end: s.latestBlock()}
	if v := get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			n = 1
		}
		pg.page = n
	}
	if v := get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			n = esWindow
		}
		pg.offset = n
	}
	if pg.page*pg.offset > esWindow {
		return pg, esWindowTooLarge
	}
	pg.desc = strings.EqualFold(get("sort"), "desc")
	if v := get(startKey); v != "" {
		if n, ok := parseBlock(v); ok {
			pg.start = n
		}
	}
	if v := get(endKey); v != "" && v != "latest" {
		if n, ok := parseBlock(v); ok && n < pg.end {
			pg.end = n
		}
	}
	return pg, ""
}

func parseBlock(v string) (uint64, bool) {
	if strings.HasPrefix(v, "0x") || strings.HasPrefix(v, "0X") {
		n, err := strconv.ParseUint(v[2:], 16, 64)
		return n, err == nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil
}

// hourRange is the market hours holding blocks [start, end], clipped to
// the window and to now.
func (s *Sim) hourRange(start, end uint64) (int, int) {
	lo := s.m.hourOf(blockTime(start))
	hi := s.m.hourOf(blockTime(end))
	if lo < 0 {
		lo = 0
	}
	if nowH := s.m.hourOf(s.now()); hi > nowH {
		hi = nowH
	}
	if hi >= s.m.hours {
		hi = s.m.hours - 1
	}
	return lo, hi
}

// walk visits the token's transactions in [start, end] in block order
// (reversed when desc) until visit returns false.
func (s *Sim) walk(t *token, start, end uint64, desc bool, visit func(*chainTx) bool) {
	if start > end {
		return
	}
	lo, hi := s.hourRange(start, end)
	if lh := s.m.hourOf(t.launch); lo < lh {
		lo = lh
	}
	now := s.now()
	for i := 0; i <= hi-lo; i++ {
		h := lo + i
		if desc {
			h = hi - i
		}
		txs := s.hourTxs(t, h)
		for j := range txs {
			tx := txs[j]
			if desc {
				tx = txs[len(txs)-1-j]
			}
			if tx.block < start || tx.block > end || tx.ts > now {
				continue
			}
			if !visit(tx) {
				return
			}
		}
	}
}

// collect pages through rows produced by emit over the walk.
func collect[T any](pg esPage, emit func(yield func(T) bool)) []T {
	skip := (pg.page - 1) * pg.offset
	limit := min(pg.offset, esMaxRows)
	var out []T
	i := 0
	emit(func(row T) bool {
		if i >= skip {
			out = append(out, row)
		}
		i++
		return len(out) < limit
	})
	return out
}

func (s *Sim) esTokentx(w http.ResponseWriter, q map[string][]string, okMsg string) {
	pg, bad := s.esPaging(q, "startblock", "endblock")
	if bad != "" {
		esNotOK(w, bad)
		return
	}
	contract := strings.ToLower(first(q, "contractaddress"))
	addr := strings.ToLower(first(q, "address"))
	if contract == "" && addr == "" {
		esNotOK(w, esInvalidAddress)
		return
	}
	var toks []*token
	if contract != "" {
		if t := s.m.byAddr[contract]; t != nil && t.Address == contract {
			toks = []*token{t}
		}
	} else {
		toks = s.m.tokens
	}
	latest := s.latestBlock()
	rows := collect(pg, func(yield func(tokentxRow) bool) {
		if len(toks) == 1 {
			s.walk(toks[0], pg.start, pg.end, pg.desc, func(tx *chainTx) bool {
				return s.tokentxRows(toks[0], tx, addr, latest, pg.desc, yield)
			})
			return
		}
		// By wallet across every token: merge hour by hour.
		lo, hi := s.hourRange(pg.start, pg.end)
		for i := 0; i <= hi-lo; i++ {
			h := lo + i
			if pg.desc {
				h = hi - i
			}
			var txs []*chainTx
			owner := map[*chainTx]*token{}
			for _, t := range toks {
				for _, tx := range s.hourTxs(t, h) {
					txs = append(txs, tx)
					owner[tx] = t
				}
			}
			sortTxs(txs, pg.desc)
			for _, tx := range txs {
				if tx.block < pg.start || tx.block > pg.end || tx.ts > s.now() {
					continue
				}
				if !s.tokentxRows(owner[tx], tx, addr, latest, pg.desc, yield) {
					return
				}
			}
		}
	})
	if len(rows) == 0 {
		esWrite(w, "0", esMsgNoTx, []tokentxRow{})
		return
	}
	esWrite(w, "1", okMsg, rows)
}

func (s *Sim) tokentxRows(t *token, tx *chainTx, addr string, latest uint64, desc bool, yield func(tokentxRow) bool) bool {
	n := len(tx.transfers)
	for i := 0; i < n; i++ {
		tr := tx.transfers[i]
		if desc {
			tr = tx.transfers[n-1-i]
		}
		if addr != "" && tr.from != addr && tr.to != addr {
			continue
		}
		row := tokentxRow{
			BlockNumber:       utoa(tx.block),
			TimeStamp:         i64toa(tx.ts),
			Hash:              tx.hash,
			Nonce:             utoa(tx.nonce),
			BlockHash:         s.blockHash(tx.block),
			From:              tr.from,
			ContractAddress:   t.Address,
			To:                tr.to,
			Value:             tr.value.String(),
			TokenName:         t.Name,
			TokenSymbol:       t.Symbol,
			TokenDecimal:      itoa(t.Decimals),
			TransactionIndex:  itoa(tx.index),
			Gas:               utoa(tx.gas),
			GasPrice:          utoa(tx.gasPrice),
			GasUsed:           utoa(tx.gasUsed),
			CumulativeGasUsed: utoa(tx.cumGas),
			Input:             "deprecated",
			MethodID:          tx.methodID,
			FunctionName:      tx.fn,
			Confirmations:     utoa(latest - tx.block + 1),
		}
		if !yield(row) {
			return false
		}
	}
	return true
}

func sortTxs(txs []*chainTx, desc bool) {
	sort.SliceStable(txs, func(i, j int) bool {
		a, b := txs[i], txs[j]
		if desc {
			a, b = b, a
		}
		if a.block != b.block {
			return a.block < b.block
		}
		return a.index < b.index
	})
}

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// esTxlist serves normal transactions of a token contract, its creator, or
// a wallet the market knows (team, pump, wash and whale wallets).
func (s *Sim) esTxlist(w http.ResponseWriter, q map[string][]string, okMsg string) {
	pg, bad := s.esPaging(q, "startblock", "endblock")
	if bad != "" {
		esNotOK(w, bad)
		return
	}
	addr := strings.ToLower(first(q, "address"))
	if !addressRE(addr) {
		esNotOK(w, esInvalidAddress)
		return
	}
	t := s.m.byAddr[addr]
	if t == nil {
		t = s.walletOwner(addr)
	}
	latest := s.latestBlock()
	var rows []txlistRow
	if t != nil {
		rows = collect(pg, func(yield func(txlistRow) bool) {
			s.walk(t, pg.start, pg.end, pg.desc, func(tx *chainTx) bool {
				if tx.from != addr && tx.to != addr && tx.created != addr {
					return true
				}
				to, created := tx.to, ""
				if tx.created != "" {
					to, created = "", tx.created
				}
				return yield(txlistRow{
					BlockNumber:       utoa(tx.block),
					BlockHash:         s.blockHash(tx.block),
					TimeStamp:         i64toa(tx.ts),
					Hash:              tx.hash,
					Nonce:             utoa(tx.nonce),
					TransactionIndex:  itoa(tx.index),
					From:              tx.from,
					To:                to,
					Value:             tx.value.String(),
					Gas:               utoa(tx.gas),
					GasPrice:          utoa(tx.gasPrice),
					Input:             tx.input,
					MethodID:          tx.methodID,
					FunctionName:      tx.fn,
					ContractAddress:   created,
					CumulativeGasUsed: utoa(tx.cumGas),
					TxReceiptStatus:   "1",
					GasUsed:           utoa(tx.gasUsed),
					Confirmations:     utoa(latest - tx.block + 1),
					IsError:           "0",
				})
			})
		})
	}
	if len(rows) == 0 {
		esWrite(w, "0", esMsgNoTx, []txlistRow{})
		return
	}
	esWrite(w, "1", okMsg, rows)
}

func addressRE(a string) bool {
	if len(a) != 42 || !strings.HasPrefix(a, "0x") {
		return false
	}
	for _, c := range a[2:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// walletOwner finds the token whose history a known wallet belongs to.
func (s *Sim) walletOwner(addr string) *token {
	for _, t := range s.m.tokens {
		if t.Creator == addr {
			return t
		}
		for _, tw := range t.team {
			if tw == addr {
				return t
			}
		}
		for _, ev := range t.events {
			if ev.washA == addr || ev.washB == addr || ev.to == addr {
				return t
			}
			for _, pw := range ev.wallets {
				if pw == addr {
					return t
				}
			}
		}
	}
	return nil
}

func (s *Sim) esGetLogs(w http.ResponseWriter, q map[string][]string, okMsg string) {
	pg, bad := s.esPaging(q, "fromBlock", "toBlock")
	if bad != "" {
		esNotOK(w, bad)
		return
	}
	addr := strings.ToLower(first(q, "address"))
	var topics [4]string
	for i := range topics {
		topics[i] = strings.ToLower(first(q, "topic"+itoa(i)))
	}
	t := s.m.byAddr[addr]
	var rows []logRow
	if t != nil {
		rows = collect(pg, func(yield func(logRow) bool) {
			s.walk(t, pg.start, pg.end, pg.desc, func(tx *chainTx) bool {
				n := len(tx.logs)
				for i := 0; i < n; i++ {
					l := tx.logs[i]
					if pg.desc {
						l = tx.logs[n-1-i]
					}
					if l.address != addr || !topicsMatch(l.topics, topics) {
						continue
					}
					if !yield(logRow{
						Address:          l.address,
						Topics:           l.topics,
						Data:             l.data,
						BlockNumber:      hexQty(tx.block),
						BlockHash:        s.blockHash(tx.block),
						TimeStamp:        hexQty(uint64(tx.ts)),
						GasPrice:         hexQty(tx.gasPrice),
						GasUsed:          hexQty(tx.gasUsed),
						LogIndex:         hexQty(uint64(l.logIndex)),
						TransactionHash:  tx.hash,
						TransactionIndex: hexQty(uint64(tx.index)),
					}) {
						return false
					}
				}
				return true
			})
		})
	}
	if len(rows) == 0 {
		esWrite(w, "0", esMsgNoRecords, []logRow{})
		return
	}
	esWrite(w, "1", okMsg, rows)
}

func topicsMatch(have []string, want [4]string) bool {
	for i, t := range want {
		if t == "" {
			continue
		}
		if i >= len(have) || have[i] != t {
			return false
		}
	}
	return true
}

func (s *Sim) esBlockByTime(w http.ResponseWriter, q map[string][]string, okMsg string) {
	ts, err := strconv.ParseInt(first(q, "timestamp"), 10, 64)
	if err != nil || ts < 0 {
		esNotOK(w, esInvalidTimestamp)
		return
	}
	if ts > s.now() {
		esNotOK(w, esNoClosestBlock)
		return
	}
	var b uint64
	if strings.EqualFold(first(q, "closest"), "after") {
		b = blockAtOrAfter(ts)
		if b > s.latestBlock() {
			esNotOK(w, esNoClosestBlock)
			return
		}
	} else {
		b = blockAtOrBefore(ts)
	}
	esWrite(w, "1", okMsg, utoa(b))
}

func (s *Sim) esSource(w http.ResponseWriter, q map[string][]string, okMsg string) {
	addr := strings.ToLower(first(q, "address"))
	if !addressRE(addr) {
		esNotOK(w, esInvalidAddress)
		return
	}
	t := s.m.byAddr[addr]
	if t == nil || t.Address != addr || !t.verified {
		esWrite(w, "1", okMsg, []sourceRow{{ABI: esNotVerifiedABI, EVMVersion: "Default", LicenseType: "Unknown", Proxy: "0"}})
		return
	}
	esWrite(w, "1", okMsg, []sourceRow{{
		SourceCode:       t.source,
		ABI:              abiFor(t.honeypot),
		ContractName:     t.contractName(),
		CompilerVersion:  "v0.8.24+commit.e11b9ed9",
		OptimizationUsed: "1",
		Runs:             "200",
		EVMVersion:       "paris",
		LicenseType:      "MIT",
		Proxy:            "0",
		SwarmSource:      "ipfs://" + strings.TrimPrefix(s.m.k.hash32("swarm", t.idx), "0x"),
	}})
}
