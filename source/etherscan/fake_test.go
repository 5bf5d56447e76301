package etherscan

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"memepipe/source/sourcetest"
)

// Block clock of the fake chain: block b0 at time c0, one block per 12 s.
var (
	c0       = time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	b0       = uint64(19_000_000)
	blockSec = int64(12)
)

func blockTime(b uint64) time.Time { return c0.Add(time.Duration(int64(b-b0)*blockSec) * time.Second) }

type reply struct {
	status int
	body   []byte
}

// fakeAPI speaks Etherscan's V2 API over an in-memory chain built from the
// real sample rows, with the real window and per-call caps.
type fakeAPI struct {
	t         *testing.T
	mu        sync.Mutex
	transfers []map[string]any // sorted by block
	logs      []map[string]any
	source    []byte
	window    int
	perCall   int
	calls     []url.Values
	// fault, when set, may answer a call instead of the chain; n counts the
	// calls of the same action so far, this one included.
	fault func(n int, q url.Values) *reply
}

func newFakeAPI(t *testing.T) *fakeAPI {
	return &fakeAPI{t: t, window: 10000, perCall: 1000, source: sourcetest.Sample(t, "etherscan", "ape-etherscan", "get_contract_response_flattened.json")}
}

// addTransfers adds n transfers per block for blocks [from, to], cloned
// from the real tokentx sample row.
func (f *fakeAPI) addTransfers(from, to uint64, perBlock int) {
	var tmpl struct{ Result []map[string]any }
	if err := json.Unmarshal(sourcetest.Sample(f.t, "etherscan", "rotki", "tokentx_ok_1466b.json"), &tmpl); err != nil {
		f.t.Fatal(err)
	}
	for b := from; b <= to; b++ {
		for i := 0; i < perBlock; i++ {
			row := map[string]any{}
			for k, v := range tmpl.Result[i%len(tmpl.Result)] {
				row[k] = v
			}
			row["blockNumber"] = strconv.FormatUint(b, 10)
			row["timeStamp"] = strconv.FormatInt(blockTime(b).Unix(), 10)
			row["hash"] = fmt.Sprintf("0x%064x", b*1000+uint64(i))
			f.transfers = append(f.transfers, row)
		}
	}
}

func (f *fakeAPI) addLog(topic0 string, block uint64, logIndex int) {
	f.logs = append(f.logs, map[string]any{
		"address":          "0xa43fe16908251ee70ef74718545e4fe6c5ccec9f",
		"topics":           []string{topic0, "0x0000000000000000000000007a250d5630b4cf539739df2c5dacb4c659f2488d"},
		"data":             "0x" + fmt.Sprintf("%064x%064x", 1000, 2000),
		"blockNumber":      fmt.Sprintf("0x%x", block),
		"timeStamp":        fmt.Sprintf("0x%x", blockTime(block).Unix()),
		"gasPrice":         "0x3b9aca00",
		"gasUsed":          "0x1d4c0",
		"logIndex":         fmt.Sprintf("0x%x", logIndex),
		"transactionHash":  fmt.Sprintf("0x%064x", block*7+uint64(logIndex)),
		"transactionIndex": "0x1",
	})
}

func envelopeJSON(status, message string, result any) []byte {
	b, _ := json.Marshal(map[string]any{"status": status, "message": message, "result": result})
	return b
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	q := r.URL.Query()
	f.calls = append(f.calls, q)
	var rep *reply
	if f.fault != nil {
		n := 0
		for _, c := range f.calls {
			if c.Get("action") == q.Get("action") {
				n++
			}
		}
		rep = f.fault(n, q)
	}
	if rep == nil {
		rep = f.answer(q)
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if rep.status == 0 {
		rep.status = 200
	}
	w.WriteHeader(rep.status)
	w.Write(rep.body)
}

func (f *fakeAPI) answer(q url.Values) *reply {
	num := func(k string) uint64 {
		v, err := ParseQuantity(q.Get(k))
		if err != nil {
			f.t.Errorf("param %s=%q: %v", k, q.Get(k), err)
		}
		return v
	}
	switch q.Get("module") + "." + q.Get("action") {
	case "block.getblocknobytime":
		ts, _ := strconv.ParseInt(q.Get("timestamp"), 10, 64)
		d := ts - c0.Unix()
		b := d / blockSec
		if q.Get("closest") == "after" && d%blockSec != 0 {
			b++
		}
		return &reply{body: envelopeJSON("1", "OK", strconv.FormatInt(int64(b0)+b, 10))}
	case "account.tokentx":
		return f.page(f.transfers, num("startblock"), num("endblock"), q, "No transactions found")
	case "logs.getLogs":
		var sel []map[string]any
		for _, l := range f.logs {
			if l["topics"].([]string)[0] == q.Get("topic0") {
				sel = append(sel, l)
			}
		}
		return f.page(sel, num("fromBlock"), num("toBlock"), q, "No records found")
	case "contract.getsourcecode":
		return &reply{body: f.source}
	}
	f.t.Errorf("unexpected call %v", q)
	return &reply{status: 404}
}

func (f *fakeAPI) page(rows []map[string]any, from, to uint64, q url.Values, none string) *reply {
	var sel []map[string]any
	for _, r := range rows {
		b, _ := ParseQuantity(r["blockNumber"].(string))
		if b >= from && b <= to {
			sel = append(sel, r)
		}
	}
	sort.SliceStable(sel, func(i, j int) bool {
		a, _ := ParseQuantity(sel[i]["blockNumber"].(string))
		b, _ := ParseQuantity(sel[j]["blockNumber"].(string))
		return a < b
	})
	page, _ := strconv.Atoi(q.Get("page"))
	offset, _ := strconv.Atoi(q.Get("offset"))
	if page*offset > f.window {
		return &reply{body: envelopeJSON("0", "NOTOK", "Result window is too large, PageNo x Offset size must be less than or equal to 10000")}
	}
	lo, hi := min((page-1)*offset, len(sel)), min(page*offset, len(sel))
	out := sel[lo:hi]
	if len(out) > f.perCall {
		out = out[:f.perCall]
	}
	if len(out) == 0 {
		return &reply{body: envelopeJSON("0", none, []any{})}
	}
	return &reply{body: envelopeJSON("1", "OK", out)}
}

// callsOf returns the recorded calls of one action.
func (f *fakeAPI) callsOf(action string) []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []url.Values
	for _, q := range f.calls {
		if q.Get("action") == action {
			out = append(out, q)
		}
	}
	return out
}
