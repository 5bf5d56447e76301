package sim

import (
	"encoding/json"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"memepipe/pipeline"
)

// The events in the truth must be visible in what the APIs return: these
// tests read the data the way the collectors and analytics will.

func pairLogs(t *testing.T, s *Sim, tk *token, from, to uint64, topic0 string) []wireLog {
	t.Helper()
	var out []wireLog
	for p := 1; p <= 10; p++ {
		var r wireES[[]wireLog]
		strict(t, "getLogs", get(t, s.Handler(), "/etherscan/api?"+q("module", "logs", "action", "getLogs", "address", tk.Pair,
			"fromBlock", utoa(from), "toBlock", utoa(to), "topic0", topic0, "page", itoa(p), "offset", "1000", "apikey", "K")).Body.Bytes(), &r)
		out = append(out, r.Result...)
		if len(r.Result) < 1000 {
			return out
		}
	}
	t.Fatal("more than 10000 logs")
	return nil
}

func transfers(t *testing.T, s *Sim, tk *token, from, to uint64) []tokentxRow {
	t.Helper()
	var out []tokentxRow
	for p := 1; p <= 10; p++ {
		var r wireES[[]tokentxRow]
		strict(t, "tokentx", get(t, s.Handler(), "/etherscan/api?"+q("module", "account", "action", "tokentx", "contractaddress", tk.Address,
			"startblock", utoa(from), "endblock", utoa(to), "page", itoa(p), "offset", "1000", "apikey", "K")).Body.Bytes(), &r)
		out = append(out, r.Result...)
		if len(r.Result) < 1000 {
			return out
		}
	}
	t.Fatal("more than 10000 transfers")
	return nil
}

func hexU(s string) uint64 {
	if s == "0x" {
		return 0
	}
	n, _ := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	return n
}

func dataWord(d string, i int) *big.Int { return parseWord(d[2+64*i : 2+64*(i+1)]) }

// wethReserve reads the pair's WETH reserve from a Sync log.
func wethReserve(tk *token, l wireLog) float64 {
	i := 1
	if !tk.token0 {
		i = 0
	}
	return fromUnits(dataWord(l.Data, i), 18)
}

// priceOf reads WETH per token from a Sync log.
func priceOf(tk *token, l wireLog) float64 {
	r0, r1 := dataWord(l.Data, 0), dataWord(l.Data, 1)
	if !tk.token0 {
		r0, r1 = r1, r0
	}
	return fromUnits(r1, 18) / fromUnits(r0, tk.Decimals)
}

// isBuy reports whether a Swap log paid WETH in.
func isBuy(tk *token, l wireLog) bool {
	wethIn := dataWord(l.Data, 1)
	if !tk.token0 {
		wethIn = dataWord(l.Data, 0)
	}
	return wethIn.Sign() > 0
}

func lastSyncBefore(syncs []wireLog, block uint64) wireLog {
	var out wireLog
	for _, l := range syncs {
		if hexU(l.BlockNumber) >= block {
			break
		}
		out = l
	}
	return out
}

func detailBlock(t *testing.T, e Event, key string) uint64 {
	t.Helper()
	switch v := e.Details[key].(type) {
	case uint64:
		return v
	case float64:
		return uint64(v)
	}
	t.Fatalf("%s event has no %s: %v", e.Kind, key, e.Details)
	return 0
}

func TestEventPumpAndDumpVisibleOnChainAndSocial(t *testing.T) {
	s := sharedSim(t)
	tk, e := tokenWith(t, s, KindPumpAndDump)
	first, last := detailBlock(t, e, "first_block"), detailBlock(t, e, "last_buy_block")
	from, to := first-600, blockAtOrBefore(e.End.Unix())
	swaps := pairLogs(t, s, tk, from, to, TopicSwap)
	syncs := pairLogs(t, s, tk, from, to, TopicSync)

	buysPerBlock := map[uint64]int{}
	for _, l := range swaps {
		if isBuy(tk, l) {
			buysPerBlock[hexU(l.BlockNumber)]++
		}
	}
	inPump, outside := 0, []int{}
	for b, n := range buysPerBlock {
		if b >= first && b <= last {
			inPump += n
		} else {
			outside = append(outside, n)
		}
	}
	sort.Ints(outside)
	median := outside[len(outside)/2]
	wallets := len(e.Details["wallets"].([]string))
	if inPump < wallets || float64(inPump)/float64(last-first+1) < 5*float64(median) {
		t.Fatalf("pump blocks %d-%d: %d buys for %d wallets; median buys per active block elsewhere %d", first, last, inPump, wallets, median)
	}
	before := priceOf(tk, lastSyncBefore(syncs, first))
	peak := priceOf(tk, lastSyncBefore(syncs, last+1))
	end := priceOf(tk, syncs[len(syncs)-1])
	if peak < 2*before {
		t.Fatalf("price %.3g before the coordinated buys, %.3g after: no spike", before, peak)
	}
	if end > 0.7*peak {
		t.Fatalf("price %.3g two hours after a peak of %.3g: no reversal", end, peak)
	}
	// The pump wallets are fresh: nothing of this token before the pump.
	fresh := map[string]bool{}
	for _, w := range e.Details["wallets"].([]string) {
		fresh[w] = true
	}
	for _, tr := range transfers(t, s, tk, blockAtOrAfter(tk.launch), first-1) {
		if fresh[tr.To] || fresh[tr.From] {
			t.Fatalf("pump wallet %s traded before the pump", tr.To)
		}
	}
	// A promotional burst from young accounts precedes it.
	promo := e.Details["promo_start"].(time.Time)
	rec := get(t, s.Handler(), "/twitter/2/tweets/search/recent?"+q("query", "$"+tk.Symbol, "start_time", promo.Format(time.RFC3339), "end_time", e.Start.Format(time.RFC3339),
		"max_results", "100", "tweet.fields", "created_at,author_id", "expansions", "author_id", "user.fields", "created_at"), "Authorization", "Bearer x")
	var r wireXSearch
	strict(t, "promo", rec.Body.Bytes(), &r)
	young := map[string]bool{}
	for _, u := range r.Includes.Users {
		c, _ := time.Parse(xTime, u.CreatedAt)
		if e.Start.Sub(c) < 30*24*time.Hour {
			young[u.ID] = true
		}
	}
	promos := 0
	for _, tw := range r.Data {
		if young[tw.AuthorID] && strings.Contains(strings.ToUpper(tw.Text), "UTC") {
			promos++
		}
	}
	if want := e.Details["promo_tweets"].(int) / 2; promos < want {
		t.Fatalf("%d promotional tweets from young accounts before the pump, want >= %d", promos, want)
	}
}

func TestEventRugPullLiquidityFalls(t *testing.T) {
	s := sharedSim(t)
	for _, e := range s.Truth(pipeline.Interval{}).Events {
		if e.Kind != KindRugPull || e.Details["method"] != RugLPRemoval || e.End.After(fixedNow) {
			continue
		}
		tk := s.tokenBySymbol(e.Token)
		b := detailBlock(t, e, "block")
		syncs := pairLogs(t, s, tk, b-300, b+300, TopicSync)
		burns := pairLogs(t, s, tk, b, b, TopicBurn)
		if len(burns) != 1 || "0x"+burns[0].Topics[1][26:] != addrRouter {
			t.Fatalf("%s: burns at the rug block: %+v", tk.Symbol, burns)
		}
		beforeW := wethReserve(tk, lastSyncBefore(syncs, b))
		afterW := wethReserve(tk, lastSyncBefore(syncs, b+1))
		if afterW > 0.2*beforeW {
			t.Fatalf("%s: WETH reserve %.2f -> %.2f at the rug: fell less than 80%%", tk.Symbol, beforeW, afterW)
		}
		// The LP tokens came from the creator.
		var sawCreator bool
		for _, l := range pairLogs(t, s, tk, b, b, TopicTransfer) {
			if "0x"+l.Topics[1][26:] == tk.Creator {
				sawCreator = true
			}
		}
		if !sawCreator {
			t.Fatalf("%s: no LP transfer from the creator at the rug", tk.Symbol)
		}
		return
	}
	t.Fatal("no past LP-removal rug")
}

func TestEventDevDumpCrashesPrice(t *testing.T) {
	s := sharedSim(t)
	for _, e := range s.Truth(pipeline.Interval{}).Events {
		if e.Kind != KindRugPull || e.Details["method"] != RugDevDump || e.End.After(fixedNow) {
			continue
		}
		tk := s.tokenBySymbol(e.Token)
		b := detailBlock(t, e, "block")
		end := blockAtOrBefore(e.End.Unix())
		syncs := pairLogs(t, s, tk, b-300, end, TopicSync)
		before, after := priceOf(tk, lastSyncBefore(syncs, b)), priceOf(tk, syncs[len(syncs)-1])
		if after > 0.5*before {
			t.Fatalf("%s: price %.3g -> %.3g across the dev dump", tk.Symbol, before, after)
		}
		sold := new(big.Int)
		for _, tr := range transfers(t, s, tk, b, end) {
			if tr.From == tk.Creator && tr.To == tk.Pair {
				v, _ := new(big.Int).SetString(tr.Value, 10)
				sold.Add(sold, v)
			}
		}
		if want, _ := new(big.Int).SetString(e.Details["tokens_sold"].(string), 10); sold.Cmp(want) != 0 {
			t.Fatalf("%s: creator sold %s into the pair, truth says %s", tk.Symbol, sold, want)
		}
		return
	}
	t.Fatal("no past dev-dump rug")
}

func TestEventHoneypotOnlyOwnerSells(t *testing.T) {
	s := sharedSim(t)
	tk, _ := tokenWith(t, s, KindHoneypot)
	rows := transfers(t, s, tk, blockAtOrAfter(tk.launch), s.latestBlock())
	buyers := map[string]bool{}
	sells := 0
	for _, r := range rows {
		if r.From == tk.Pair {
			buyers[r.To] = true
		}
		if r.To == tk.Pair {
			if r.From != tk.Creator {
				t.Fatalf("%s sold into a honeypot's pair", r.From)
			}
			sells++
		}
	}
	if len(buyers) < 50 || sells < 2 {
		t.Fatalf("%d distinct buyers, %d owner transfers into the pair", len(buyers), sells)
	}
}

func TestEventWashLoopsAndWhaleTransfer(t *testing.T) {
	s := sharedSim(t)
	tk, e := tokenWith(t, s, KindWashTrading)
	w := e.Details["wallets"].([]string)
	a, b := w[0], w[1]
	rows := transfers(t, s, tk, e.StartBlock, blockAtOrAfter(e.End.Unix()+600))
	var ab []string
	ba := map[string]int{}
	for _, r := range rows {
		switch {
		case r.From == a && r.To == b:
			ab = append(ab, r.Value)
		case r.From == b && r.To == a:
			ba[r.Value]++
		}
	}
	if len(ab) != e.Details["loops"].(int) {
		t.Fatalf("%d A->B transfers, %d loops", len(ab), e.Details["loops"])
	}
	for _, v := range ab {
		if ba[v] == 0 {
			t.Fatalf("A->B %s has no B->A of the same amount", v)
		}
		ba[v]--
	}

	tk, e = tokenWith(t, s, KindWhaleTransfer)
	found := false
	for _, r := range transfers(t, s, tk, e.StartBlock, e.EndBlock+1) {
		if r.From == e.Details["from"] && r.To == e.Details["to"] && r.Value == e.Details["amount"] && r.Hash == e.Details["tx_hash"] {
			found = true
		}
	}
	if !found || e.Details["supply_share"].(float64) < 0.005 {
		t.Fatalf("whale transfer not found as %v", e.Details)
	}
}

func TestEventBotBurstNearDuplicateTweets(t *testing.T) {
	s := sharedSim(t)
	tk, e := tokenWith(t, s, KindBotBurst)
	end := e.End
	if end.After(fixedNow.Add(-time.Minute)) {
		end = fixedNow.Add(-time.Minute)
	}
	var texts []string
	next := ""
	for {
		args := []string{"query", "$" + tk.Symbol + " OR #" + tk.Symbol, "start_time", e.Start.Format(time.RFC3339), "end_time", end.Format(time.RFC3339), "max_results", "100"}
		if next != "" {
			args = append(args, "next_token", next)
		}
		var r wireXSearch
		strict(t, "burst", get(t, s.Handler(), "/twitter/2/tweets/search/recent?"+q(args...), "Authorization", "Bearer x").Body.Bytes(), &r)
		for _, tw := range r.Data {
			texts = append(texts, tw.Text)
		}
		if next = r.Meta.NextToken; next == "" {
			break
		}
	}
	prefix := map[string]int{}
	top := 0
	for _, x := range texts {
		k := string([]rune(x)[:min(30, len([]rune(x)))])
		prefix[k]++
		top = max(top, prefix[k])
	}
	if top < e.Details["tweets"].(int)*6/10 {
		t.Fatalf("the most repeated opening covers %d of %d tweets; the burst has %v", top, len(texts), e.Details["tweets"])
	}
}

func TestTruthJSONAndLabels(t *testing.T) {
	s := sharedSim(t)
	tr := s.Truth(lastDay(s))
	kinds := map[EventKind]int{}
	for _, e := range tr.Events {
		kinds[e.Kind]++
		if e.End.Before(tr.Start) || !e.Start.Before(tr.End) || e.StartBlock > e.EndBlock+1 {
			t.Fatalf("event %+v outside %v", e, lastDay(s))
		}
	}
	for _, k := range []EventKind{KindPumpAndDump, KindRugPull, KindWhaleTransfer, KindWashTrading, KindBotBurst, KindHoneypot} {
		if kinds[k] == 0 {
			t.Errorf("no %s in the last day: the demo would miss it", k)
		}
	}
	b, err := tr.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Truth
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Tokens) != len(tr.Tokens) || len(back.Events) != len(tr.Events) || back.Seed != 7 {
		t.Fatalf("round trip: %d/%d tokens, %d/%d events", len(back.Tokens), len(tr.Tokens), len(back.Events), len(tr.Events))
	}
	labels := map[string]bool{}
	for _, tt := range tr.Tokens {
		for _, l := range tt.Labels {
			labels[l] = true
		}
		if !reAddr.MatchString(tt.Address) || !reAddr.MatchString(tt.Pair) {
			t.Fatalf("truth addresses %q %q are not lower case", tt.Address, tt.Pair)
		}
	}
	for _, l := range []string{"rug_pull", "honeypot", "pump_and_dump", "wash_trading", "bot_promoted", "whale_activity", "organic", "unverified_source", "yahoo_listed"} {
		if !labels[l] {
			t.Errorf("no token labelled %s", l)
		}
	}
	// The HTTP form is the same document.
	rec := get(t, s.Handler(), "/sim/truth?"+q("start", lastDay(s).Start.Format(time.RFC3339), "end", lastDay(s).End.Format(time.RFC3339)))
	var viaHTTP Truth
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &viaHTTP) != nil || len(viaHTTP.Events) != len(tr.Events) {
		t.Fatalf("/sim/truth: %d %.200s", rec.Code, rec.Body)
	}
}
