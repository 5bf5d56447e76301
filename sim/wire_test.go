package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// The structs below are written from the real samples in
// ../shared/data/api-samples; both the samples and the simulator's answers
// must decode into them with unknown fields rejected.

type wireES[T any] struct {
	Status  string `json:"status"`
	Message string `json:"message"`
	Result  T      `json:"result"`
}

// From rotki/tokentx_ok_1466b.json.
type wireTokentx struct {
	BlockNumber, TimeStamp, Hash, Nonce, BlockHash, From, ContractAddress, To, Value string
	TokenName, TokenSymbol, TokenDecimal, TransactionIndex, Gas, GasPrice, GasUsed   string
	CumulativeGasUsed, Input, MethodID, FunctionName, Confirmations                  string
}

func (w *wireTokentx) UnmarshalJSON(b []byte) error {
	type raw struct {
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
	var r raw
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return err
	}
	*w = wireTokentx(r)
	return nil
}

// From rotki/txlist_ok_18628b.json.
type wireTxlist struct {
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

// From ape-etherscan/get_contract_response_json.json and _not_verified.json.
type wireSource struct {
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

// getLogs rows as Etherscan documents them (no sample in the data set).
type wireLog struct {
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

var (
	reDec    = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)
	reHash   = regexp.MustCompile(`^0x[0-9a-f]{64}$`)
	reAddr   = regexp.MustCompile(`^0x[0-9a-f]{40}$`)
	reHexQty = regexp.MustCompile(`^0x([1-9a-f][0-9a-f]*)?$`)
	reData   = regexp.MustCompile(`^0x([0-9a-f]{64})*$`)
)

func TestWireEtherscanTokentxMatchesRealSample(t *testing.T) {
	var real wireES[[]wireTokentx]
	strict(t, "rotki tokentx sample", readSample(t, "etherscan", "rotki", "tokentx_ok_1466b.json"), &real)
	if len(real.Result) != 2 || real.Result[0].TokenSymbol != "USDT" {
		t.Fatalf("sample decoded to %+v", real)
	}
	s := sharedSim(t)
	tk := s.m.tokens[3]
	iv := lastDay(s)
	rec := get(t, s.Handler(), "/etherscan/api?"+q("module", "account", "action", "tokentx", "contractaddress", ChecksumAddress(tk.Address),
		"startblock", utoa(blockAtOrAfter(iv.Start.Unix())), "endblock", utoa(blockAtOrBefore(iv.End.Unix())), "page", "1", "offset", "200", "sort", "asc", "apikey", "K"))
	var got wireES[[]wireTokentx]
	strict(t, "sim tokentx", rec.Body.Bytes(), &got)
	if got.Status != "1" || got.Message != "OK" || len(got.Result) == 0 {
		t.Fatalf("status %q message %q rows %d", got.Status, got.Message, len(got.Result))
	}
	for i, r := range got.Result {
		for name, v := range map[string]string{"blockNumber": r.BlockNumber, "timeStamp": r.TimeStamp, "nonce": r.Nonce, "value": r.Value,
			"tokenDecimal": r.TokenDecimal, "transactionIndex": r.TransactionIndex, "gas": r.Gas, "gasPrice": r.GasPrice,
			"gasUsed": r.GasUsed, "cumulativeGasUsed": r.CumulativeGasUsed, "confirmations": r.Confirmations} {
			if !reDec.MatchString(v) {
				t.Fatalf("row %d: %s = %q is not a decimal string", i, name, v)
			}
		}
		if !reHash.MatchString(r.Hash) || !reHash.MatchString(r.BlockHash) {
			t.Fatalf("row %d: hashes %q %q not 0x-lowercase 32 bytes", i, r.Hash, r.BlockHash)
		}
		if !reAddr.MatchString(r.From) || !reAddr.MatchString(r.To) || r.ContractAddress != tk.Address {
			t.Fatalf("row %d: addresses %q %q %q", i, r.From, r.To, r.ContractAddress)
		}
		if r.Input != "deprecated" || !strings.HasPrefix(r.MethodID, "0x") || len(r.MethodID) != 10 {
			t.Fatalf("row %d: input %q methodId %q", i, r.Input, r.MethodID)
		}
	}
}

func TestWireEtherscanTxlistAndSourceMatchRealSamples(t *testing.T) {
	var realTx wireES[[]wireTxlist]
	strict(t, "rotki txlist sample", readSample(t, "etherscan", "rotki", "txlist_ok_18628b.json"), &realTx)
	var realSrc, realUnverified wireES[[]wireSource]
	strict(t, "ape getsourcecode sample", readSample(t, "etherscan", "ape-etherscan", "get_contract_response_json.json"), &realSrc)
	strict(t, "ape not verified sample", readSample(t, "etherscan", "ape-etherscan", "get_contract_response_not_verified.json"), &realUnverified)

	s := sharedSim(t)
	var verified, unverified, honeypot *token
	for _, tk := range s.m.tokens {
		switch {
		case tk.honeypot && honeypot == nil:
			honeypot = tk
		case !tk.verified && unverified == nil:
			unverified = tk
		case tk.verified && !tk.honeypot && verified == nil:
			verified = tk
		}
	}
	var tx wireES[[]wireTxlist]
	strict(t, "sim txlist", get(t, s.Handler(), "/etherscan/api?"+q("module", "account", "action", "txlist", "address", verified.Creator, "apikey", "K")).Body.Bytes(), &tx)
	if tx.Status != "1" || len(tx.Result) < 3 {
		t.Fatalf("creator txlist: %+v", tx)
	}
	if first := tx.Result[0]; first.To != "" || first.ContractAddress != verified.Address || first.MethodID != "0x60806040" {
		t.Fatalf("creator's first transaction should create the token: %+v", first)
	}
	for _, tk := range []*token{verified, honeypot} {
		var src wireES[[]wireSource]
		strict(t, "sim getsourcecode", get(t, s.Handler(), "/etherscan/v2/api?"+q("chainid", "1", "module", "contract", "action", "getsourcecode", "address", tk.Address, "apikey", "K")).Body.Bytes(), &src)
		if len(src.Result) != 1 || src.Result[0].ContractName != tk.contractName() || !strings.Contains(src.Result[0].SourceCode, "pragma solidity") {
			t.Fatalf("source of %s: %+v", tk.Symbol, src)
		}
		var abi []map[string]any
		if err := json.Unmarshal([]byte(src.Result[0].ABI), &abi); err != nil {
			t.Fatalf("ABI is not JSON: %v", err)
		}
	}
	var hp wireES[[]wireSource]
	strict(t, "honeypot source", get(t, s.Handler(), "/etherscan/api?"+q("module", "contract", "action", "getsourcecode", "address", honeypot.Address, "apikey", "K")).Body.Bytes(), &hp)
	for _, want := range []string{"_blacklist", "from != owner()", "function setTaxFee(uint256 fee) external onlyOwner", "function mint("} {
		if !strings.Contains(hp.Result[0].SourceCode, want) {
			t.Errorf("honeypot source lacks %q", want)
		}
	}
	// The unverified answer is the real one, field for field.
	var un wireES[[]wireSource]
	strict(t, "unverified", get(t, s.Handler(), "/etherscan/api?"+q("module", "contract", "action", "getsourcecode", "address", unverified.Address, "apikey", "K")).Body.Bytes(), &un)
	if !reflect.DeepEqual(un, realUnverified) {
		t.Fatalf("unverified answer\n got %+v\nwant %+v", un, realUnverified)
	}
}

func TestWireEtherscanEmptyAndErrorBodiesAreTheRealOnes(t *testing.T) {
	s := New(Options{Seed: 3, Tokens: 4, Now: func() time.Time { return fixedNow }})
	tk := s.m.tokens[0]
	same := func(name string, got []byte, sample ...string) {
		t.Helper()
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := json.Unmarshal(readSample(t, sample...), &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, readSample(t, sample...))
		}
	}
	before := utoa(blockAtOrAfter(tk.launch) - 1000)
	same("tokentx before launch", get(t, s.Handler(), "/etherscan/api?"+q("module", "account", "action", "tokentx", "contractaddress", tk.Address, "startblock", "1", "endblock", before, "apikey", "K")).Body.Bytes(),
		"etherscan", "rotki", "tokentx_no_transactions.json")
	same("txlist unknown wallet", get(t, s.Handler(), "/etherscan/api?"+q("module", "account", "action", "txlist", "address", "0x"+strings.Repeat("ab", 20), "apikey", "K")).Body.Bytes(),
		"etherscan", "rotki", "txlist_no_transactions.json")
	same("chain 56 on v2", get(t, s.Handler(), "/etherscan/v2/api?"+q("chainid", "56", "module", "account", "action", "txlist", "address", tk.Address, "apikey", "K")).Body.Bytes(),
		"etherscan", "rotki", "txlist_notok_free_api_chain_56.json")

	var win wireES[string]
	strict(t, "window", get(t, s.Handler(), "/etherscan/api?"+q("module", "account", "action", "tokentx", "contractaddress", tk.Address, "page", "11", "offset", "1000", "apikey", "K")).Body.Bytes(), &win)
	if win.Status != "0" || win.Message != "NOTOK" || win.Result != esWindowTooLarge {
		t.Errorf("page 11 x 1000: %+v", win)
	}
	var logsEmpty wireES[[]wireLog]
	strict(t, "getLogs empty", get(t, s.Handler(), "/etherscan/api?"+q("module", "logs", "action", "getLogs", "address", tk.Pair, "fromBlock", "1", "toBlock", before, "apikey", "K")).Body.Bytes(), &logsEmpty)
	if logsEmpty.Status != "0" || logsEmpty.Message != "No records found" || logsEmpty.Result == nil || len(logsEmpty.Result) != 0 {
		t.Errorf("getLogs empty: %+v", logsEmpty)
	}
}

func TestWireEtherscanGetLogsHexFields(t *testing.T) {
	s := sharedSim(t)
	tk := s.m.tokens[1]
	iv := lastDay(s)
	rec := get(t, s.Handler(), "/etherscan/api?"+q("module", "logs", "action", "getLogs", "address", tk.Pair,
		"fromBlock", utoa(blockAtOrAfter(iv.Start.Unix())), "toBlock", utoa(blockAtOrBefore(iv.End.Unix())), "page", "1", "offset", "1000", "apikey", "K"))
	var got wireES[[]wireLog]
	strict(t, "sim getLogs", rec.Body.Bytes(), &got)
	if got.Status != "1" || len(got.Result) < 50 {
		t.Fatalf("status %s rows %d", got.Status, len(got.Result))
	}
	kinds := map[string]int{}
	for i, l := range got.Result {
		if l.Address != tk.Pair || !reHash.MatchString(l.TransactionHash) || !reHash.MatchString(l.BlockHash) || !reData.MatchString(l.Data) {
			t.Fatalf("log %d: %+v", i, l)
		}
		for _, f := range []string{l.BlockNumber, l.TimeStamp, l.GasPrice, l.GasUsed, l.LogIndex, l.TransactionIndex} {
			if !reHexQty.MatchString(f) {
				t.Fatalf("log %d: %q is not an Etherscan hex quantity", i, f)
			}
		}
		kinds[l.Topics[0]]++
		switch l.Topics[0] {
		case TopicSwap:
			if len(l.Topics) != 3 || len(l.Data) != 2+4*64 {
				t.Fatalf("swap log %d: %+v", i, l)
			}
		case TopicSync:
			if len(l.Topics) != 1 || len(l.Data) != 2+2*64 {
				t.Fatalf("sync log %d: %+v", i, l)
			}
		}
	}
	if kinds[TopicSwap] == 0 || kinds[TopicSwap] != kinds[TopicSync] {
		t.Fatalf("every swap comes with a sync: %v", kinds)
	}
}

// X API v2: fields from docs_example_search_recent_* and tweepy samples,
// plus public_metrics, conversation_id and entities.cashtags, which the X
// reference documents but no sample happens to carry.
type wireXEntity struct {
	Start       int    `json:"start"`
	End         int    `json:"end"`
	Tag         string `json:"tag,omitempty"`
	Username    string `json:"username,omitempty"`
	URL         string `json:"url,omitempty"`
	ExpandedURL string `json:"expanded_url,omitempty"`
	DisplayURL  string `json:"display_url,omitempty"`
	UnwoundURL  string `json:"unwound_url,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Status      int    `json:"status,omitempty"`
	Images      []struct {
		URL    string `json:"url"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	} `json:"images,omitempty"`
}

type wireXTweet struct {
	Attachments *struct {
		MediaKeys []string `json:"media_keys"`
	} `json:"attachments"`
	AuthorID            string   `json:"author_id"`
	ConversationID      string   `json:"conversation_id"`
	CreatedAt           string   `json:"created_at"`
	EditHistoryTweetIDs []string `json:"edit_history_tweet_ids"`
	Entities            *struct {
		Cashtags []wireXEntity `json:"cashtags"`
		Hashtags []wireXEntity `json:"hashtags"`
		Mentions []wireXEntity `json:"mentions"`
		URLs     []wireXEntity `json:"urls"`
	} `json:"entities"`
	Geo *struct {
		PlaceID string `json:"place_id"`
	} `json:"geo"`
	ID                string `json:"id"`
	InReplyToUserID   string `json:"in_reply_to_user_id"`
	Lang              string `json:"lang"`
	PossiblySensitive *bool  `json:"possibly_sensitive"`
	PublicMetrics     *struct {
		RetweetCount    int `json:"retweet_count"`
		ReplyCount      int `json:"reply_count"`
		LikeCount       int `json:"like_count"`
		QuoteCount      int `json:"quote_count"`
		BookmarkCount   int `json:"bookmark_count"`
		ImpressionCount int `json:"impression_count"`
	} `json:"public_metrics"`
	ReferencedTweets []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"referenced_tweets"`
	Source string `json:"source"`
	Text   string `json:"text"`
}

type wireXUser struct {
	CreatedAt     string `json:"created_at"`
	Description   string `json:"description"`
	ID            string `json:"id"`
	Name          string `json:"name"`
	PublicMetrics *struct {
		FollowersCount int `json:"followers_count"`
		FollowingCount int `json:"following_count"`
		TweetCount     int `json:"tweet_count"`
		ListedCount    int `json:"listed_count"`
	} `json:"public_metrics"`
	Username string `json:"username"`
	Verified *bool  `json:"verified"`
}

type wireXSearch struct {
	Data     []wireXTweet `json:"data"`
	Includes *struct {
		Users  []wireXUser  `json:"users"`
		Tweets []wireXTweet `json:"tweets"`
	} `json:"includes"`
	Meta struct {
		NewestID    string `json:"newest_id"`
		OldestID    string `json:"oldest_id"`
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
}

var reID = regexp.MustCompile(`^[1-9][0-9]{0,18}$`)

func TestWireTwitterSearchMatchesRealSamples(t *testing.T) {
	for _, f := range []string{"docs_example_search_recent_with_includes_users_tweets.json", "docs_example_search_recent_with_next_token.json", "tweepy_search_recent_tweets.json"} {
		var real wireXSearch
		strict(t, f, readSample(t, "twitter", f), &real)
		if real.Meta.ResultCount != len(real.Data) {
			t.Fatalf("%s: result_count %d, %d tweets", f, real.Meta.ResultCount, len(real.Data))
		}
	}
	s := sharedSim(t)
	tk := s.Watchlist()[5]
	iv := lastDay(s)
	rec := get(t, s.Handler(), "/twitter/2/tweets/search/recent?"+q("query", tk.SearchQuery(), "max_results", "100",
		"start_time", iv.Start.Format(time.RFC3339), "end_time", iv.End.Format(time.RFC3339),
		"tweet.fields", "created_at,author_id,public_metrics,entities,lang,referenced_tweets", "expansions", "author_id",
		"user.fields", "public_metrics,created_at,verified"), "Authorization", "Bearer demo")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got wireXSearch
	strict(t, "sim search", rec.Body.Bytes(), &got)
	if got.Meta.ResultCount != len(got.Data) || len(got.Data) == 0 || got.Meta.NewestID != got.Data[0].ID || got.Meta.OldestID != got.Data[len(got.Data)-1].ID {
		t.Fatalf("meta %+v with %d tweets", got.Meta, len(got.Data))
	}
	users := map[string]bool{}
	for _, u := range got.Includes.Users {
		if !reID.MatchString(u.ID) || u.PublicMetrics == nil || u.Verified == nil || u.CreatedAt == "" {
			t.Fatalf("user %+v", u)
		}
		users[u.ID] = true
	}
	for i, tw := range got.Data {
		if !reID.MatchString(tw.ID) || !reID.MatchString(tw.AuthorID) || !users[tw.AuthorID] {
			t.Fatalf("tweet %d ids: %+v", i, tw)
		}
		created, err := time.Parse(xTime, tw.CreatedAt)
		if err != nil || created.Before(iv.Start) || !created.Before(iv.End) {
			t.Fatalf("tweet %d created_at %q outside %v", i, tw.CreatedAt, iv)
		}
		// An X id is a snowflake whose top bits are its creation time.
		var id uint64
		fmt.Sscan(tw.ID, &id)
		if ms := int64(id>>22) + twitterEpochMS; ms != created.UnixMilli() {
			t.Fatalf("tweet %d: snowflake time %d, created_at %d", i, ms, created.UnixMilli())
		}
		if i > 0 {
			var prev uint64
			fmt.Sscan(got.Data[i-1].ID, &prev)
			if id >= prev {
				t.Fatalf("tweets not newest first at %d: %d after %d", i, id, prev)
			}
		}
		if !strings.Contains(tw.Text, "$"+tk.Symbol) && !strings.Contains(tw.Text, "#"+tk.Symbol) {
			t.Fatalf("tweet %d does not match the query: %q", i, tw.Text)
		}
		if strings.HasPrefix(tw.Text, "RT @") {
			t.Fatalf("-is:retweet let a retweet through: %q", tw.Text)
		}
		for _, c := range tw.Entities.Cashtags {
			if rs := []rune(tw.Text); string(rs[c.Start:c.End]) != "$"+c.Tag {
				t.Fatalf("cashtag %+v does not point at %q", c, string(rs[c.Start:c.End]))
			}
		}
	}
}

// Yahoo: from chart-BTC-USD / chart-AAPL bodies.
type wireYChart struct {
	Chart struct {
		Result []struct {
			Meta struct {
				Currency             string  `json:"currency"`
				Symbol               string  `json:"symbol"`
				ExchangeName         string  `json:"exchangeName"`
				FullExchangeName     string  `json:"fullExchangeName"`
				InstrumentType       string  `json:"instrumentType"`
				FirstTradeDate       int64   `json:"firstTradeDate"`
				RegularMarketTime    int64   `json:"regularMarketTime"`
				HasPrePostMarketData bool    `json:"hasPrePostMarketData"`
				Gmtoffset            int     `json:"gmtoffset"`
				Timezone             string  `json:"timezone"`
				ExchangeTimezoneName string  `json:"exchangeTimezoneName"`
				RegularMarketPrice   float64 `json:"regularMarketPrice"`
				FiftyTwoWeekHigh     float64 `json:"fiftyTwoWeekHigh"`
				FiftyTwoWeekLow      float64 `json:"fiftyTwoWeekLow"`
				RegularMarketDayHigh float64 `json:"regularMarketDayHigh"`
				RegularMarketDayLow  float64 `json:"regularMarketDayLow"`
				RegularMarketVolume  int64   `json:"regularMarketVolume"`
				LongName             string  `json:"longName"`
				ShortName            string  `json:"shortName"`
				ChartPreviousClose   float64 `json:"chartPreviousClose"`
				PriceHint            int     `json:"priceHint"`
				CurrentTradingPeriod map[string]struct {
					Timezone  string `json:"timezone"`
					Start     int64  `json:"start"`
					End       int64  `json:"end"`
					Gmtoffset int    `json:"gmtoffset"`
				} `json:"currentTradingPeriod"`
				DataGranularity string   `json:"dataGranularity"`
				Range           string   `json:"range"`
				ValidRanges     []string `json:"validRanges"`
			} `json:"meta"`
			Timestamp  []int64 `json:"timestamp"`
			Indicators struct {
				Quote []struct {
					Open   []*float64 `json:"open"`
					High   []*float64 `json:"high"`
					Low    []*float64 `json:"low"`
					Close  []*float64 `json:"close"`
					Volume []*int64   `json:"volume"`
				} `json:"quote"`
				Adjclose []struct {
					Adjclose []*float64 `json:"adjclose"`
				} `json:"adjclose"`
			} `json:"indicators"`
		} `json:"result"`
		Error *struct {
			Code        string `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	} `json:"chart"`
}

func TestWireYahooChartMatchesRealSamples(t *testing.T) {
	for _, f := range []string{"chart-BTC-USD-2020-01-01-to-2020-01-03.json", "chart-AAPL.json"} {
		var real wireYChart
		strict(t, f, readSample(t, "yahoo", "bodies", f), &real)
	}
	s := sharedSim(t)
	var ticker string
	for _, w := range s.Watchlist() {
		if w.YahooTicker != "" {
			ticker = w.YahooTicker
			break
		}
	}
	now := fixedNow.Unix()
	rec := get(t, s.Handler(), "/yahoo/v8/finance/chart/"+ticker+"?"+q("interval", "5m", "period1", i64toa(now-5*86400), "period2", i64toa(now)))
	var got wireYChart
	strict(t, "sim chart", rec.Body.Bytes(), &got)
	if rec.Code != 200 || len(got.Chart.Result) != 1 || got.Chart.Error != nil {
		t.Fatalf("status %d: %.300s", rec.Code, rec.Body)
	}
	r := got.Chart.Result[0]
	qt := r.Indicators.Quote[0]
	n := len(r.Timestamp)
	if n < 1400 || len(qt.Open) != n || len(qt.Close) != n || len(qt.Volume) != n || len(r.Indicators.Adjclose[0].Adjclose) != n {
		t.Fatalf("%d timestamps, arrays %d %d %d", n, len(qt.Open), len(qt.Close), len(qt.Volume))
	}
	nulls := 0
	for i := range r.Timestamp {
		if i > 0 && r.Timestamp[i]-r.Timestamp[i-1] != 300 {
			t.Fatalf("bar %d: step %d", i, r.Timestamp[i]-r.Timestamp[i-1])
		}
		if qt.Close[i] == nil {
			if qt.Open[i] != nil || qt.High[i] != nil || qt.Low[i] != nil || qt.Volume[i] != nil {
				t.Fatalf("bar %d partly null", i)
			}
			nulls++
			continue
		}
		if *qt.Low[i] > *qt.Open[i] || *qt.Low[i] > *qt.Close[i] || *qt.High[i] < *qt.Open[i] || *qt.High[i] < *qt.Close[i] || *qt.Low[i] <= 0 {
			t.Fatalf("bar %d: o %g h %g l %g c %g", i, *qt.Open[i], *qt.High[i], *qt.Low[i], *qt.Close[i])
		}
	}
	if nulls == 0 || nulls > n/20 {
		t.Fatalf("%d null bars of %d; Yahoo sprinkles a few", nulls, n)
	}
}

func TestWireYahooQuoteSummaryMatchesRealSamples(t *testing.T) {
	s := sharedSim(t)
	srv := newServer(t, s)
	client := srv.Client()
	var ticker string
	for _, w := range s.Watchlist() {
		if w.YahooTicker != "" {
			ticker = w.YahooTicker
			break
		}
	}
	// The crumb flow: cookie from the fc endpoint, then the crumb for it.
	resp, err := client.Get(srv.URL + "/yahoo/fc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var a3 *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "A3" {
			a3 = c
		}
	}
	if resp.StatusCode != 404 || a3 == nil {
		t.Fatalf("fc: status %d cookies %v", resp.StatusCode, resp.Cookies())
	}
	crumb := string(fetch(t, client, srv.URL+"/yahoo/v1/test/getcrumb", a3, 200))
	if len(crumb) != len(strings.TrimSpace(string(readSample(t, "yahoo", "bodies", "getCrumb-getcrumb.txt")))) {
		t.Fatalf("crumb %q", crumb)
	}

	// Missing crumb: 401 like the real one.
	var unauth struct {
		Finance struct {
			Result any `json:"result"`
			Error  struct {
				Code        string `json:"code"`
				Description string `json:"description"`
			} `json:"error"`
		} `json:"finance"`
	}
	strict(t, "no crumb", fetch(t, client, srv.URL+"/yahoo/v10/finance/quoteSummary/"+ticker+"?modules=price", a3, 401), &unauth)
	if unauth.Finance.Error.Description != "Invalid Crumb" {
		t.Fatalf("%+v", unauth)
	}

	// Holder modules for crypto: the real 404 body, byte for byte as JSON.
	body := fetch(t, client, srv.URL+"/yahoo/v10/finance/quoteSummary/"+ticker+"?"+q("formatted", "false", "modules", "majorHoldersBreakdown", "crumb", crumb), a3, 404)
	var a, b any
	json.Unmarshal(body, &a)
	json.Unmarshal(readSample(t, "yahoo", "bodies", "quoteSummary-majorHoldersBreakdown-BTC-USD.json"), &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("majorHoldersBreakdown 404:\n got %s", body)
	}

	// price and summaryDetail decode into structs built from the BTC-USD samples.
	type priceMod = map[string]json.RawMessage
	sampleKeys := func(file, mod string) map[string]bool {
		var v struct {
			QuoteSummary struct {
				Result []map[string]priceMod `json:"result"`
			} `json:"quoteSummary"`
		}
		json.Unmarshal(readSample(t, "yahoo", "bodies", file), &v)
		out := map[string]bool{}
		for k := range v.QuoteSummary.Result[0][mod] {
			out[k] = true
		}
		return out
	}
	priceKeys := sampleKeys("quoteSummary-all-BTC-USD.json", "price")
	for k := range sampleKeys("quoteSummary-price-BTC-USD.json", "price") {
		priceKeys[k] = true
	}
	detailKeys := sampleKeys("quoteSummary-summaryDetail-BTC-USD.json", "summaryDetail")
	body = fetch(t, client, srv.URL+"/yahoo/v10/finance/quoteSummary/"+ticker+"?"+q("formatted", "false", "modules", "price,summaryDetail,majorHoldersBreakdown,institutionOwnership", "crumb", crumb), a3, 200)
	var got struct {
		QuoteSummary struct {
			Result []map[string]priceMod `json:"result"`
			Error  any                   `json:"error"`
		} `json:"quoteSummary"`
	}
	strict(t, "sim quoteSummary", body, &got)
	res := got.QuoteSummary.Result[0]
	if len(res) != 2 {
		t.Fatalf("modules %v: only price and summaryDetail exist for crypto", keysOf(res))
	}
	for mod, want := range map[string]map[string]bool{"price": priceKeys, "summaryDetail": detailKeys} {
		for k := range res[mod] {
			if !want[k] {
				t.Errorf("%s.%s is not in the real samples", mod, k)
			}
		}
		for k := range want {
			if _, ok := res[mod][k]; !ok {
				t.Errorf("%s.%s from the real samples is missing", mod, k)
			}
		}
	}
	var price float64
	if err := json.Unmarshal(res["price"]["regularMarketPrice"], &price); err != nil || price <= 0 {
		t.Fatalf("regularMarketPrice %s", res["price"]["regularMarketPrice"])
	}
}

func keysOf[M ~map[string]V, V any](m M) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// DexScreener: from dexscreener_pairs_babydojo_injective.json (current
// schema) plus fdv from the older cheemsx sample.
type wireDexPair struct {
	ChainID     string `json:"chainId"`
	DexID       string `json:"dexId"`
	URL         string `json:"url"`
	PairAddress string `json:"pairAddress"`
	BaseToken   struct {
		Address string `json:"address"`
		Name    string `json:"name"`
		Symbol  string `json:"symbol"`
	} `json:"baseToken"`
	QuoteToken struct {
		Address string `json:"address"`
		Name    string `json:"name"`
		Symbol  string `json:"symbol"`
	} `json:"quoteToken"`
	PriceNative string                               `json:"priceNative"`
	PriceUsd    string                               `json:"priceUsd"`
	Txns        map[string]struct{ Buys, Sells int } `json:"txns"`
	Volume      map[string]float64                   `json:"volume"`
	PriceChange map[string]float64                   `json:"priceChange"`
	Liquidity   struct {
		Usd   float64 `json:"usd"`
		Base  float64 `json:"base"`
		Quote float64 `json:"quote"`
	} `json:"liquidity"`
	Fdv           float64 `json:"fdv"`
	PairCreatedAt int64   `json:"pairCreatedAt"`
	Info          *struct {
		ImageURL string `json:"imageUrl"`
		Websites []struct {
			Label string `json:"label"`
			URL   string `json:"url"`
		} `json:"websites"`
		Socials []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"socials"`
	} `json:"info"`
}

type wireDex struct {
	SchemaVersion string        `json:"schemaVersion"`
	Pairs         []wireDexPair `json:"pairs"`
}

func TestWireDexScreenerMatchesRealSample(t *testing.T) {
	var real wireDex
	strict(t, "babydojo", readSample(t, "dexscreener", "dexscreener_pairs_babydojo_injective.json"), &real)
	s := sharedSim(t)
	wl := s.Watchlist()
	rec := get(t, s.Handler(), "/dexscreener/latest/dex/pairs/ethereum/"+wl[0].Pair+","+wl[1].Pair)
	var got wireDex
	strict(t, "sim pairs", rec.Body.Bytes(), &got)
	if got.SchemaVersion != "1.0.0" || len(got.Pairs) != 2 || got.Pairs[0].PairAddress != wl[0].Pair || got.Pairs[0].BaseToken.Address != wl[0].Address {
		t.Fatalf("%.500s", rec.Body)
	}
	for _, p := range got.Pairs {
		for _, k := range []string{"m5", "h1", "h6", "h24"} {
			if _, ok := p.Txns[k]; !ok {
				t.Fatalf("txns lacks %s", k)
			}
		}
		if p.Liquidity.Usd <= 0 || p.QuoteToken.Symbol != "WETH" {
			t.Fatalf("pair %+v", p)
		}
	}
	var none struct {
		SchemaVersion string `json:"schemaVersion"`
		Pairs         *[]any `json:"pairs"`
	}
	strict(t, "unknown pair", get(t, s.Handler(), "/dexscreener/latest/dex/pairs/ethereum/0x"+strings.Repeat("12", 20)).Body.Bytes(), &none)
	if none.Pairs != nil {
		t.Fatalf("unknown pair: pairs should be null")
	}
}

// cmcStats reads a coin page with selectors that work on the real saved
// CoinMarketCap page and on the simulator's.
func cmcStats(t *testing.T, doc *goquery.Document) (price, symbol string, stats map[string]string) {
	price = strings.TrimSpace(doc.Find(`[data-test="text-cdp-price-display"]`).First().Text())
	symbol = strings.TrimSpace(doc.Find(`[data-role="coin-symbol"]`).First().Text())
	stats = map[string]string{}
	doc.Find(`[data-role="stats-block"] dl [data-role="group-item"]`).Each(func(_ int, g *goquery.Selection) {
		label := strings.Join(strings.Fields(g.Find("dt").First().Text()), " ")
		value := strings.TrimSpace(g.Find("dd span").First().Text())
		if label != "" {
			stats[label] = value
		}
	})
	return
}

func TestWirePageParsesLikeRealCoinMarketCap(t *testing.T) {
	realDoc, err := goquery.NewDocumentFromReader(bytes.NewReader(readSample(t, "html", "coinmarketcap_currencies_bitcoin.html")))
	if err != nil {
		t.Fatal(err)
	}
	price, sym, stats := cmcStats(t, realDoc)
	if price != "$62,987.39" || sym != "BTC" || stats["Market cap"] != "$1.26T" || stats["Total supply"] != "20.05M BTC" {
		t.Fatalf("real page: %q %q %v", price, sym, stats)
	}
	s := sharedSim(t)
	w := s.WatchlistAt("http://sim")[2]
	path := strings.TrimPrefix(w.Pages[PageSite], "http://sim")
	rec := get(t, s.Handler(), path)
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	price, sym, stats = cmcStats(t, doc)
	if !strings.HasPrefix(price, "$") || sym != w.Symbol || !strings.HasPrefix(stats["Market cap"], "$") || stats["Holders"] == "" || stats["Launch date"] == "" || stats["Liquidity"] == "" {
		t.Fatalf("sim page: %q %q %v", price, sym, stats)
	}
	if robots := get(t, s.Handler(), "/robots.txt").Body.String(); !strings.Contains(robots, "Disallow: /pages/private/") {
		t.Fatalf("robots.txt: %s", robots)
	}
}
