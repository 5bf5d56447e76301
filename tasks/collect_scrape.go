package tasks

import (
	"context"
	"maps"
	"net/url"
	"slices"

	"memepipe/pipeline"
	"memepipe/source"
	"memepipe/source/scrape"
	"memepipe/watchlist"
)

// collect.scrape: each token's fundamentals pages (watchlist pages:, by
// site), honouring robots.txt and a per-host delay (source/scrape), raw
// sources scrape.<site>. collect.dexscreener: the token's DEX pair from
// the DexScreener pairs API, raw source dexscreener.pairs. Params: tokens,
// parallel.
func init() {
	Register("collect.scrape", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		tp, err := decodeTokenParams(params)
		if err != nil {
			return nil, err
		}
		return &collectTask{typ: "collect.scrape", deps: d, params: tp, collector: func() (tokenCollector, error) {
			c, err := d.scrapeCollector()
			if err != nil {
				return nil, err
			}
			return collectFunc(func(ctx context.Context, tok watchlist.Token, iv pipeline.Interval) (source.Stats, error) {
				var st source.Stats
				sites := slices.Sorted(maps.Keys(tok.Pages))
				if len(sites) == 0 {
					st.Note("%s has no fundamentals pages configured", tok.Symbol)
				}
				for _, site := range sites {
					ps, err := c.Page(ctx, tok, iv, site, tok.Pages[site])
					st.Add(ps)
					if err != nil {
						return st, err
					}
				}
				return st, nil
			}), nil
		}}, nil
	})
	Register("collect.dexscreener", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		tp, err := decodeTokenParams(params)
		if err != nil {
			return nil, err
		}
		return &collectTask{typ: "collect.dexscreener", deps: d, params: tp, collector: func() (tokenCollector, error) {
			c, err := d.scrapeCollector()
			if err != nil {
				return nil, err
			}
			return collectFunc(c.Pair), nil
		}}, nil
	})
}

func decodeTokenParams(params map[string]any) (tokenParams, error) {
	var tp tokenParams
	if err := DecodeParams(params, &tp); err != nil {
		return tp, err
	}
	return tp, tp.check()
}

// scrapeCollector is one source/scrape collector for pages (sources.scrape:
// its rate is the per-host delay) and DexScreener (sources.dexscreener).
func (d Deps) scrapeCollector() (*scrape.Collector, error) {
	cfg := scrape.DefaultConfig()
	pages := d.Config.Sources.Scrape
	cfg.HTTP = d.httpConfig("scrape", pages, cfg.HTTP)
	cfg.HTTP.Limit.Requests, cfg.HTTP.Limit.Per = 0, 0
	cfg.HTTP.HostDelay = hostDelay(pages, cfg.HTTP.HostDelay)
	dex := d.Config.Sources.DexScreener
	if dex.BaseURL != "" {
		cfg.DexScreener.BaseURL = dex.BaseURL
	}
	cfg.DexScreener.HTTP = d.httpConfig("dexscreener", dex, cfg.DexScreener.HTTP)
	c, err := d.collectors.get("scrape", cfg, func() (any, error) {
		sd, err := d.sourceDeps()
		if err != nil {
			return nil, err
		}
		return scrape.New(cfg, sd)
	})
	if err != nil {
		return nil, err
	}
	return c.(*scrape.Collector), nil
}

func hostOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Hostname()
}
