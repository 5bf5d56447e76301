package tasks

import (
	"encoding/json"
	"errors"
	"sync"
	"time"

	"memepipe/config"
	"memepipe/source"
	"memepipe/source/httpx"
)

// collectors hold the collectors built for one set of DAGs, by source and
// configuration. A collector owns its httpx client, and a client is one
// upstream budget: two tasks with the same source configuration (the
// Yahoo chart and quote collectors) must spend one budget, so they get
// one collector. Tasks whose params change the collector's configuration
// get their own.
type collectors struct {
	mu    sync.Mutex
	built map[string]any
}

func newCollectors() *collectors { return &collectors{built: map[string]any{}} }

// get returns the collector for (kind, cfg), building it with build on
// first use. cfg is the collector's full configuration; its JSON form is
// the sharing key.
func (c *collectors) get(kind string, cfg any, build func() (any, error)) (any, error) {
	k, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	key := kind + "\x00" + string(k)
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.built[key]; ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return nil, err
	}
	c.built[key] = v
	return v, nil
}

// sourceDeps are what every collector is built on: the raw zone, the
// store's watermarks, the shared transport and logger. Missing ones mean
// the DAG was built for validation only.
func (d Deps) sourceDeps() (source.Deps, error) {
	if d.Raw == nil || d.Store == nil {
		return source.Deps{}, errors.New("collectors need the raw zone and the store (this DAG was built for validation only)")
	}
	sd := source.Deps{Zone: d.Raw, Watermarks: d.Store, HTTPClient: d.HTTPClient, Logger: d.logger(), Metrics: d.HTTPMetrics}
	if d.Config != nil && d.Config.SharedRateLimits {
		sd.Budget = d.Store
	}
	return sd, nil
}

// httpConfig applies a configured source (sources.<name>: rate, burst,
// daily, timeout) over a collector's default client settings. The config
// file is the one place a budget is set: an empty rate is unlimited.
func (d Deps) httpConfig(name string, s config.Source, def httpx.Config) httpx.Config {
	c := def
	c.Name = name
	c.Limit = httpx.RateLimit{Burst: s.Burst, Daily: s.Daily}
	if !s.Rate.Unlimited() {
		c.Limit.Requests, c.Limit.Per = budget(s.Rate)
	}
	if s.Timeout > 0 {
		c.Timeout = s.Timeout.D()
	}
	if d.TuneHTTP != nil {
		d.TuneHTTP(&c)
	}
	return c
}

// hostDelay turns a scraper's configured rate (1/s) into the per-host
// politeness delay: scraped pages spread over many hosts, and the
// courtesy owed is to each host, not to the scraper's total.
func hostDelay(s config.Source, def time.Duration) time.Duration {
	if s.Rate.Unlimited() {
		return 0
	}
	if d := time.Duration(float64(s.Rate.Per) / s.Rate.Events); d > 0 {
		return d
	}
	return def
}

// budget writes a configured rate as the whole requests per period httpx
// counts in: 3/s stays 3 per second, 0.5/s becomes 1 per 2 s.
func budget(r config.Rate) (int, time.Duration) {
	if r.Events >= 1 && r.Events == float64(int(r.Events)) {
		return int(r.Events), r.Per
	}
	return 1, time.Duration(float64(r.Per) / r.Events)
}
