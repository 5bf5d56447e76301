package tasks

import (
	"strings"

	"memepipe/pipeline"
	"memepipe/source/yahoo"
)

// collect.yahoo.chart and collect.yahoo.quote: Yahoo Finance chart bars
// and quoteSummary modules (source/yahoo), raw sources yahoo.chart and
// yahoo.quotesummary. Both spend one budget (one client) unless their
// params differ. Params: tokens, parallel; chart: bar (bar size, default
// 1h), events (default div|split); quote: modules.
func init() {
	Register("collect.yahoo.chart", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		var p struct {
			Tokens   []string `koanf:"tokens"`
			Parallel int      `koanf:"parallel"`
			Bar      string   `koanf:"bar"`
			Events   *string  `koanf:"events"`
		}
		if err := DecodeParams(params, &p); err != nil {
			return nil, err
		}
		tp := tokenParams{p.Tokens, p.Parallel}
		if err := tp.check(); err != nil {
			return nil, err
		}
		return &collectTask{typ: "collect.yahoo.chart", deps: d, params: tp, collector: func() (tokenCollector, error) {
			cfg := d.yahooConfig()
			if p.Bar != "" {
				cfg.Interval = p.Bar
			}
			if p.Events != nil {
				cfg.Events = *p.Events
			}
			c, err := d.yahooCollector(cfg)
			if err != nil {
				return nil, err
			}
			return collectFunc(c.Chart().Collect), nil
		}}, nil
	})
	Register("collect.yahoo.quote", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		var p struct {
			Tokens   []string `koanf:"tokens"`
			Parallel int      `koanf:"parallel"`
			Modules  []string `koanf:"modules"`
		}
		if err := DecodeParams(params, &p); err != nil {
			return nil, err
		}
		tp := tokenParams{p.Tokens, p.Parallel}
		if err := tp.check(); err != nil {
			return nil, err
		}
		return &collectTask{typ: "collect.yahoo.quote", deps: d, params: tp, collector: func() (tokenCollector, error) {
			cfg := d.yahooConfig()
			if len(p.Modules) > 0 {
				cfg.Modules = p.Modules
			}
			c, err := d.yahooCollector(cfg)
			if err != nil {
				return nil, err
			}
			return collectFunc(c.Quote().Collect), nil
		}}, nil
	})
}

// yahooConfig is source/yahoo's configuration from sources.yahoo. Yahoo's
// session cookie comes from fc.yahoo.com, not from the API host: the real
// endpoints keep the collector's defaults; any other base_url (the
// simulator, a proxy, a recorded server) serves all of it (PointAt).
func (d Deps) yahooConfig() yahoo.Config {
	cfg := yahoo.DefaultConfig()
	src := d.Config.Sources.Yahoo
	if base := strings.TrimSuffix(src.BaseURL, "/"); base != "" && !strings.HasSuffix(hostOf(base), ".finance.yahoo.com") {
		cfg = cfg.PointAt(base)
	} else if base != "" {
		cfg.BaseURL = base
	}
	cfg.HTTP = d.httpConfig("yahoo", src, cfg.HTTP)
	return cfg
}

func (d Deps) yahooCollector(cfg yahoo.Config) (*yahoo.Collector, error) {
	c, err := d.collectors.get("yahoo", cfg, func() (any, error) {
		sd, err := d.sourceDeps()
		if err != nil {
			return nil, err
		}
		return yahoo.New(cfg, sd)
	})
	if err != nil {
		return nil, err
	}
	return c.(*yahoo.Collector), nil
}
