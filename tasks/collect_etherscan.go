package tasks

import (
	"fmt"
	"strings"

	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/source/etherscan"
)

// collect.etherscan: a token's ERC-20 transfers (tokentx), its DEX pair's
// Swap, Mint, Burn and Sync events (getLogs) and its contract source
// (getsourcecode, when never fetched or older than source_refresh), from
// the Etherscan V2 API (source/etherscan). Params: tokens, parallel,
// page_size (rows per call, at most the plan's 1,000), events (default
// swap, mint, burn, sync), source_refresh (default 24h).
func init() {
	Register("collect.etherscan", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		var p struct {
			Tokens        []string        `koanf:"tokens"`
			Parallel      int             `koanf:"parallel"`
			PageSize      int             `koanf:"page_size"`
			Events        []string        `koanf:"events"`
			SourceRefresh config.Duration `koanf:"source_refresh"`
		}
		if err := DecodeParams(params, &p); err != nil {
			return nil, err
		}
		tp := tokenParams{p.Tokens, p.Parallel}
		if err := tp.check(); err != nil {
			return nil, err
		}
		if p.PageSize < 0 || p.PageSize > 10000 {
			return nil, config.Errors{{Path: "page_size", Msg: fmt.Sprintf("%d outside 1..10000 (Etherscan's window)", p.PageSize)}}
		}
		for i, e := range p.Events {
			if etherscan.PairEvents[strings.ToLower(e)] == "" {
				return nil, config.Errors{{Path: fmt.Sprintf("events[%d]", i), Msg: fmt.Sprintf("unknown pair event %q (want swap, mint, burn, sync)", e)}}
			}
		}
		return &collectTask{typ: "collect.etherscan", deps: d, params: tp, collector: func() (tokenCollector, error) {
			cfg := etherscan.DefaultConfig()
			src := d.Config.Sources.Etherscan
			if src.BaseURL != "" {
				cfg.BaseURL = src.BaseURL
			}
			if p.PageSize > 0 {
				cfg.PageSize = p.PageSize
			}
			if len(p.Events) > 0 {
				cfg.Events = p.Events
			}
			if p.SourceRefresh > 0 {
				cfg.SourceRefresh = p.SourceRefresh.D()
			}
			cfg.HTTP = d.httpConfig("etherscan", src, cfg.HTTP)
			key := d.Config.Secrets.EtherscanAPIKey
			c, err := d.collectors.get("etherscan", cfg, func() (any, error) {
				sd, err := d.sourceDeps()
				if err != nil {
					return nil, err
				}
				if !key.IsSet() {
					sd.Logger.Warn("collect.etherscan: MEMEPIPE_ETHERSCAN_API_KEY is not set; Etherscan serves keyless calls at about 1 per 5 s")
				}
				// Reveal: the key goes on the wire (the apikey parameter);
				// httpx redacts it from URLs, logs, errors and raw metadata.
				return etherscan.New(cfg, key.Reveal(), sd)
			})
			if err != nil {
				return nil, err
			}
			return c.(*etherscan.Collector), nil
		}}, nil
	})
}
