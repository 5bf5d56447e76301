// Package etherscan collects a token's on-chain activity from the Etherscan
// V2 API for the run's data interval: ERC-20 transfers (tokentx), the DEX
// pair's Swap/Mint/Burn/Sync events (getLogs) and the contract source
// (getsourcecode), one raw page per response.
package etherscan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/source"
	"memepipe/source/httpx"
	"memepipe/watchlist"
)

// Raw source names (also the watermark sources).
const (
	SourceTokenTx     = "etherscan.tokentx"
	SourceGetLogs     = "etherscan.getlogs"
	SourceSourceCode  = "etherscan.getsourcecode"
	SourceBlockByTime = "etherscan.getblocknobytime"
)

// Uniswap V2 pair events: topic0 is keccak256 of the event signature
// (etherscan_test.go recomputes them).
const (
	TopicSwap = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822" // Swap(address,uint256,uint256,uint256,uint256,address)
	TopicMint = "0x4c209b5fc8ad50758f13e2e1088ba56a560dff690a1c6fef26394f4c03821c4f" // Mint(address,uint256,uint256)
	TopicBurn = "0xdccd412f0b1252819cb1fd330b93224ca42612892bb3f4f789976e6d81936496" // Burn(address,uint256,uint256,address)
	TopicSync = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1" // Sync(uint112,uint112)
)

// PairEvents maps the event names config uses to their topic0.
var PairEvents = map[string]string{"swap": TopicSwap, "mint": TopicMint, "burn": TopicBurn, "sync": TopicSync}

// DefaultChainIDs are Etherscan V2's chain ids for the chain names the
// watchlist uses.
var DefaultChainIDs = map[string]int{
	"ethereum": 1, "sepolia": 11155111, "bsc": 56, "polygon": 137, "base": 8453,
	"arbitrum": 42161, "optimism": 10, "avalanche": 43114, "linea": 59144,
	"blast": 81457, "scroll": 534352,
}

// Config is the collector's configuration (collect.etherscan in YAML).
type Config struct {
	// BaseURL is the V2 endpoint: https://api.etherscan.io/v2/api, or the
	// simulator's.
	BaseURL string `json:"base_url" koanf:"base_url" yaml:"base_url"`
	// ChainIDs adds to or overrides DefaultChainIDs.
	ChainIDs map[string]int `json:"chain_ids,omitempty" koanf:"chain_ids" yaml:"chain_ids,omitempty"`
	// PageSize is the offset asked per call.
	PageSize int `json:"page_size" koanf:"page_size" yaml:"page_size"`
	// MaxRecordsPerCall is the plan's cap on rows per call (free tier:
	// 1,000 from 2026-07-01). Pages never ask for more, because a capped
	// page with a larger offset would silently skip rows.
	MaxRecordsPerCall int `json:"max_records_per_call" koanf:"max_records_per_call" yaml:"max_records_per_call"`
	// Window is Etherscan's page x offset limit (10,000): past it, the
	// block range is narrowed instead of paging further.
	Window int `json:"window" koanf:"window" yaml:"window"`
	// Events are the pair events collected, by name (swap, mint, burn, sync).
	Events []string `json:"events" koanf:"events" yaml:"events"`
	// SourceRefresh is how often the contract source is fetched again to
	// see whether it changed (a proxy upgrade, a late verification).
	SourceRefresh time.Duration `json:"source_refresh" koanf:"source_refresh" yaml:"source_refresh"`
	// HTTP holds the limit (free tier: 3/s and 100,000/day), timeout and
	// retry settings.
	HTTP httpx.Config `json:"http" koanf:"http" yaml:"http"`
}

// DefaultConfig is Etherscan's V2 API on the free tier.
func DefaultConfig() Config {
	return Config{
		BaseURL:           "https://api.etherscan.io/v2/api",
		PageSize:          1000,
		MaxRecordsPerCall: 1000,
		Window:            10000,
		Events:            []string{"swap", "mint", "burn", "sync"},
		SourceRefresh:     24 * time.Hour,
		HTTP:              httpx.Config{Name: "etherscan", Limit: httpx.EtherscanFree},
	}
}

// Collector fetches a token's on-chain pages.
type Collector struct {
	cfg    Config
	apiKey string
	http   *httpx.Client
	deps   source.Deps
	chains map[string]int

	mu     sync.Mutex
	blocks map[string]uint64 // block-by-time answers: past blocks never change

	keyWarning sync.Once
}

// New returns a collector. apiKey is MEMEPIPE_ETHERSCAN_API_KEY; empty
// sends none (Etherscan then allows about 1 call per 5 s; the simulator
// does not care).
func New(cfg Config, apiKey string, deps source.Deps) (*Collector, error) {
	if err := deps.Check("etherscan"); err != nil {
		return nil, err
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || u.Scheme == "" {
		return nil, fmt.Errorf("etherscan: base_url %q is not a URL", cfg.BaseURL)
	}
	if cfg.MaxRecordsPerCall <= 0 {
		cfg.MaxRecordsPerCall = 1000
	}
	if cfg.PageSize <= 0 || cfg.PageSize > cfg.MaxRecordsPerCall {
		cfg.PageSize = cfg.MaxRecordsPerCall
	}
	if cfg.Window <= 0 {
		cfg.Window = 10000
	}
	if cfg.Window < cfg.PageSize {
		return nil, fmt.Errorf("etherscan: window %d smaller than page_size %d", cfg.Window, cfg.PageSize)
	}
	for _, e := range cfg.Events {
		if PairEvents[strings.ToLower(e)] == "" {
			return nil, fmt.Errorf("etherscan: unknown pair event %q (want swap, mint, burn, sync)", e)
		}
	}
	if cfg.HTTP.Name == "" {
		cfg.HTTP.Name = "etherscan"
	}
	chains := map[string]int{}
	for k, v := range DefaultChainIDs {
		chains[k] = v
	}
	for k, v := range cfg.ChainIDs {
		chains[strings.ToLower(k)] = v
	}
	return &Collector{cfg: cfg, apiKey: apiKey, deps: deps, chains: chains, blocks: map[string]uint64{},
		http: deps.Client(cfg.HTTP, nil, apiKey)}, nil
}

// Collect fetches the token's transfers, pair events and (when due) contract
// source for iv.
func (c *Collector) Collect(ctx context.Context, token watchlist.Token, iv pipeline.Interval) (source.Stats, error) {
	var st source.Stats
	if token.Address == "" {
		st.Note("%s has no contract address: nothing to ask Etherscan", token.Symbol)
		return st, nil
	}
	from, to, err := c.BlockRange(ctx, token, iv, &st)
	if err != nil {
		return st, err
	}
	if from > to {
		st.Note("no blocks in %s (first after start %d, last before end %d)", iv, from, to)
		return st, nil
	}
	if err := c.Transfers(ctx, token, iv, from, to, &st); err != nil {
		return st, err
	}
	if token.Pair != "" {
		if err := c.PairLogs(ctx, token, iv, from, to, &st); err != nil {
			return st, err
		}
	} else {
		st.Note("%s has no DEX pair configured: swaps not collected", token.Symbol)
	}
	if err := c.SourceCode(ctx, token, iv, &st); err != nil {
		return st, err
	}
	return st, nil
}

func (c *Collector) chainID(token watchlist.Token) (string, error) {
	id, ok := c.chains[strings.ToLower(token.Chain)]
	if !ok {
		return "", pipeline.Permanent(fmt.Errorf("etherscan: chain %q of %s has no Etherscan chain id (set chain_ids)", token.Chain, token.Symbol))
	}
	return strconv.Itoa(id), nil
}

// call sends one API call and decodes its envelope.
func (c *Collector) call(ctx context.Context, token watchlist.Token, iv pipeline.Interval, rawSource string, q url.Values,
	decode func(env envelope, resp *httpx.Response) error) (*httpx.Response, error) {
	return c.send(ctx, token, iv, rawSource, true, q, decode)
}

// send is call with a choice of automatic raw capture.
func (c *Collector) send(ctx context.Context, token watchlist.Token, iv pipeline.Interval, rawSource string, capture bool, q url.Values,
	decode func(env envelope, resp *httpx.Response) error) (*httpx.Response, error) {
	chain, err := c.chainID(token)
	if err != nil {
		return nil, err
	}
	q.Set("chainid", chain)
	if c.apiKey != "" {
		q.Set("apikey", c.apiKey)
	}
	return c.http.Do(ctx, httpx.Request{
		URL:       c.cfg.BaseURL + "?" + q.Encode(),
		Source:    rawSource,
		Token:     token.Key(),
		Interval:  iv,
		NoCapture: !capture,
		Classify:  Classify,
		Decode: func(resp *httpx.Response) error {
			var env envelope
			if err := json.Unmarshal(resp.Body, &env); err != nil {
				return fmt.Errorf("not an Etherscan response: %w", err)
			}
			if env.Status == "" || env.Message == "" {
				return pipeline.Permanent(errors.New(`missing field "status" or "message"`))
			}
			if strings.Contains(env.Message, "Invalid API Key") || strings.Contains(env.Message, "Missing/Invalid API Key") {
				c.keyWarning.Do(func() {
					c.http.Logger().Warn("etherscan: API key missing or invalid; Etherscan throttles such calls to about 1 per 5 s", "message", env.Message)
				})
			}
			if resp.Empty {
				return nil
			}
			return decode(env, resp)
		},
	})
}

// BlockRange returns the first and last block of iv: the first block at or
// after its start and the last block before its end (getblocknobytime with
// closest=after and closest=before), never before the token's launch block.
func (c *Collector) BlockRange(ctx context.Context, token watchlist.Token, iv pipeline.Interval, st *source.Stats) (from, to uint64, err error) {
	from, err = c.blockAt(ctx, token, iv, iv.Start.Unix(), "after", st)
	if err != nil {
		return 0, 0, err
	}
	to, err = c.blockAt(ctx, token, iv, iv.End.Unix()-1, "before", st)
	if err != nil {
		return 0, 0, err
	}
	if token.LaunchBlock > from {
		from = token.LaunchBlock
	}
	return from, to, nil
}

func (c *Collector) blockAt(ctx context.Context, token watchlist.Token, iv pipeline.Interval, ts int64, closest string, st *source.Stats) (uint64, error) {
	chain, err := c.chainID(token)
	if err != nil {
		return 0, err
	}
	memo := chain + "/" + strconv.FormatInt(ts, 10) + "/" + closest
	c.mu.Lock()
	b, ok := c.blocks[memo]
	c.mu.Unlock()
	if ok {
		return b, nil
	}
	q := url.Values{}
	q.Set("module", "block")
	q.Set("action", "getblocknobytime")
	q.Set("timestamp", strconv.FormatInt(ts, 10))
	q.Set("closest", closest)
	resp, err := c.call(ctx, token, iv, SourceBlockByTime, q, func(env envelope, _ *httpx.Response) error {
		n, err := strconv.ParseUint(env.resultText(), 10, 64)
		if err != nil {
			return pipeline.Permanent(fmt.Errorf("result %s is not a block number", snip(env.Result)))
		}
		b = n
		return nil
	})
	if err != nil {
		return 0, err
	}
	if resp.Empty {
		return 0, pipeline.Transient(fmt.Errorf("etherscan: no block %s %s on chain %s", closest, time.Unix(ts, 0).UTC().Format(time.RFC3339), chain))
	}
	st.Page(resp, 1)
	c.mu.Lock()
	c.blocks[memo] = b
	c.mu.Unlock()
	return b, nil
}

// Transfers walks the token's ERC-20 transfers in blocks [from, to].
func (c *Collector) Transfers(ctx context.Context, token watchlist.Token, iv pipeline.Interval, from, to uint64, st *source.Stats) error {
	q := url.Values{}
	q.Set("module", "account")
	q.Set("action", "tokentx")
	q.Set("contractaddress", token.Address)
	q.Set("sort", "asc")
	return c.walk(ctx, token, iv, blockWalk{
		source: SourceTokenTx, markKey: token.Key(), query: q,
		fromParam: "startblock", toParam: "endblock", idField: "hash",
	}, from, to, st)
}

// PairLogs walks the configured events of the token's DEX pair in blocks
// [from, to], one topic0 at a time (getLogs matches one topic0 per call).
func (c *Collector) PairLogs(ctx context.Context, token watchlist.Token, iv pipeline.Interval, from, to uint64, st *source.Stats) error {
	for _, name := range c.cfg.Events {
		name = strings.ToLower(name)
		q := url.Values{}
		q.Set("module", "logs")
		q.Set("action", "getLogs")
		q.Set("address", token.Pair)
		q.Set("topic0", PairEvents[name])
		err := c.walk(ctx, token, iv, blockWalk{
			source: SourceGetLogs, markKey: token.Key() + "/" + strings.ToLower(token.Pair) + "/" + name, query: q,
			fromParam: "fromBlock", toParam: "toBlock", idField: "transactionHash",
		}, from, to, st)
		if err != nil {
			return err
		}
	}
	return nil
}

// blockWalk describes one paginated block-range query.
type blockWalk struct {
	source, markKey    string
	query              url.Values
	fromParam, toParam string
	// idField must be present in every row (the transaction hash).
	idField string
}

// walk pages through [from, to] with sort=asc. Etherscan serves at most
// Window rows of one query (page x offset <= 10,000): when a query's window
// is full, the walk continues with a new query from the last block seen
// (that block is read again, as its rows may straddle the cut; the cleaner
// deduplicates). The watermark records the last block known complete, so
// an interrupted walk resumes there.
func (c *Collector) walk(ctx context.Context, token watchlist.Token, iv pipeline.Interval, w blockWalk, from, to uint64, st *source.Stats) error {
	cursor := from
	if v, ok, err := c.deps.Watermarks.GetWatermark(ctx, w.source, w.markKey); err != nil {
		return fmt.Errorf("etherscan: read watermark %s/%s: %w", w.source, w.markKey, err)
	} else if ok {
		mark, perr := strconv.ParseUint(v, 10, 64)
		switch {
		case perr != nil:
			c.http.Logger().Warn("etherscan: ignoring unreadable watermark", "source", w.source, "key", w.markKey)
		case mark == to:
			st.Note("%s %s: blocks up to %d already collected", w.source, w.markKey, to)
			st.Watermark = v
			return nil
		case mark >= from && mark < to:
			// Resume; the last complete block is read again (one-block overlap).
			cursor = mark
		}
		// A watermark outside [from, to] belongs to another interval: a
		// backfill re-collects this one in full.
	}
	perPage := c.cfg.PageSize
	maxPage := c.cfg.Window / perPage
	for {
		var lastBlock uint64
		for page := 1; ; page++ {
			q := cloneValues(w.query)
			q.Set(w.fromParam, strconv.FormatUint(cursor, 10))
			q.Set(w.toParam, strconv.FormatUint(to, 10))
			q.Set("page", strconv.Itoa(page))
			q.Set("offset", strconv.Itoa(perPage))
			var rows int
			resp, err := c.call(ctx, token, iv, w.source, q, func(env envelope, _ *httpx.Response) error {
				n, last, err := checkRows(env.Result, w.idField, cursor, to)
				rows, lastBlock = n, max(lastBlock, last)
				return err
			})
			if err != nil {
				return err
			}
			st.Page(resp, rows)
			if rows < perPage {
				// The range is complete.
				return c.mark(ctx, w, to, st)
			}
			if page >= maxPage {
				break
			}
		}
		// Window full: continue from the last block seen.
		if lastBlock <= cursor {
			return pipeline.Permanent(fmt.Errorf("etherscan: %s: block %d alone holds more than %d rows, more than one query can page through", w.source, cursor, c.cfg.Window))
		}
		if err := c.mark(ctx, w, lastBlock-1, st); err != nil {
			return err
		}
		cursor = lastBlock
	}
}

func (c *Collector) mark(ctx context.Context, w blockWalk, block uint64, st *source.Stats) error {
	v := strconv.FormatUint(block, 10)
	if err := c.deps.Watermarks.SetWatermark(ctx, w.source, w.markKey, v); err != nil {
		return fmt.Errorf("etherscan: write watermark %s/%s: %w", w.source, w.markKey, err)
	}
	st.Watermark = v
	return nil
}

// checkRows validates a page of tokentx or getLogs rows: an array, each row
// with its id field and a block number inside [from, to], in block order.
// It returns the row count and the last block.
func checkRows(result json.RawMessage, idField string, from, to uint64) (int, uint64, error) {
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(result, &rows); err != nil {
		return 0, 0, pipeline.Permanent(fmt.Errorf("result is not a list of rows: %s", snip(result)))
	}
	var last uint64
	for i, r := range rows {
		var id, bn string
		if json.Unmarshal(r[idField], &id) != nil || id == "" {
			return 0, 0, pipeline.Permanent(fmt.Errorf("result[%d]: missing field %q", i, idField))
		}
		if json.Unmarshal(r["blockNumber"], &bn) != nil {
			return 0, 0, pipeline.Permanent(fmt.Errorf("result[%d]: missing field \"blockNumber\"", i))
		}
		b, err := ParseQuantity(bn)
		if err != nil {
			return 0, 0, pipeline.Permanent(fmt.Errorf("result[%d]: blockNumber %q: %v", i, bn, err))
		}
		if b < from || b > to {
			return 0, 0, pipeline.Permanent(fmt.Errorf("result[%d]: block %d outside the requested %d..%d", i, b, from, to))
		}
		if b < last {
			return 0, 0, pipeline.Permanent(fmt.Errorf("result[%d]: block %d after block %d: rows not in ascending order", i, b, last))
		}
		last = b
	}
	return len(rows), last, nil
}

// ParseQuantity reads a block number or other quantity as Etherscan writes
// it: decimal ("14051455", tokentx) or 0x-hex ("0xd66a2f", getLogs).
func ParseQuantity(s string) (uint64, error) {
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		if h == "" {
			return 0, nil
		}
		return strconv.ParseUint(h, 16, 64)
	}
	return strconv.ParseUint(s, 10, 64)
}

// SourceCode fetches the contract source when it was never fetched or the
// last fetch is older than SourceRefresh, and keeps it in the raw zone only
// when its content changed. The watermark (etherscan.getsourcecode, token)
// is "<sha256> <fetched_at>".
func (c *Collector) SourceCode(ctx context.Context, token watchlist.Token, iv pipeline.Interval, st *source.Stats) error {
	prev, _, err := c.deps.Watermarks.GetWatermark(ctx, SourceSourceCode, token.Key())
	if err != nil {
		return fmt.Errorf("etherscan: read watermark %s/%s: %w", SourceSourceCode, token.Key(), err)
	}
	prevHash, prevAt, _ := strings.Cut(prev, " ")
	now := c.http.Clock().Now()
	if at, err := time.Parse(time.RFC3339, prevAt); err == nil && now.Sub(at) < c.cfg.SourceRefresh {
		return nil
	}
	q := url.Values{}
	q.Set("module", "contract")
	q.Set("action", "getsourcecode")
	q.Set("address", token.Address)
	var hash string
	resp, err := c.send(ctx, token, iv, SourceSourceCode, false, q, func(env envelope, resp *httpx.Response) error {
		sum := sha256.Sum256(resp.Body)
		hash = hex.EncodeToString(sum[:])
		bad := checkSourceCode(env.Result)
		if hash == prevHash && bad == nil {
			return nil // unchanged: already kept
		}
		obj := raw.Object{Meta: raw.Meta{Source: SourceSourceCode, Token: token.Key(), Interval: iv,
			URL: resp.URL, Status: resp.Status, FetchedAt: resp.FetchedAt, ContentType: resp.ContentType}, Body: resp.Body}
		if bad != nil {
			obj.Rejected = c.http.Secrets().Scrub(bad.Error())
		}
		key, existed, err := c.deps.Zone.Put(ctx, obj)
		if err != nil {
			return err
		}
		resp.RawKey, resp.RawExisted = key, existed
		return bad
	})
	if err != nil {
		return err
	}
	if resp.RawKey != "" {
		st.Page(resp, 1)
	} else {
		st.Requests++
	}
	v := hash + " " + now.UTC().Format(time.RFC3339)
	if err := c.deps.Watermarks.SetWatermark(ctx, SourceSourceCode, token.Key(), v); err != nil {
		return fmt.Errorf("etherscan: write watermark %s/%s: %w", SourceSourceCode, token.Key(), err)
	}
	return nil
}

// checkSourceCode checks a getsourcecode result: a list with one contract
// carrying SourceCode, ABI and ContractName (empty when not verified).
func checkSourceCode(result json.RawMessage) error {
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(result, &rows); err != nil || len(rows) == 0 {
		return pipeline.Permanent(fmt.Errorf("result is not a list of contracts: %s", snip(result)))
	}
	for _, f := range []string{"SourceCode", "ABI", "ContractName"} {
		if _, ok := rows[0][f]; !ok {
			return pipeline.Permanent(fmt.Errorf("result[0]: missing field %q", f))
		}
	}
	return nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func snip(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}
