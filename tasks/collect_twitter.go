package tasks

import (
	"errors"

	"memepipe/pipeline"
	"memepipe/source/twitter"
)

// collect.twitter: X recent search per token (source/twitter), raw source
// twitter.search. Params: tokens, parallel, max_results (10..100, default
// 100), max_pages (per token and interval, default 50: X bills per post).
func init() {
	Register("collect.twitter", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		var p struct {
			Tokens     []string `koanf:"tokens"`
			Parallel   int      `koanf:"parallel"`
			MaxResults int      `koanf:"max_results"`
			MaxPages   int      `koanf:"max_pages"`
		}
		if err := DecodeParams(params, &p); err != nil {
			return nil, err
		}
		tp := tokenParams{p.Tokens, p.Parallel}
		if err := tp.check(); err != nil {
			return nil, err
		}
		if p.MaxResults != 0 && (p.MaxResults < 10 || p.MaxResults > 100) {
			return nil, errors.New("max_results must be 10..100 (X's page size range)")
		}
		return &collectTask{typ: "collect.twitter", deps: d, params: tp, collector: func() (tokenCollector, error) {
			secret := d.Config.Secrets.TwitterBearerToken
			if !secret.IsSet() {
				return nil, errors.New("X recent search needs an app bearer token: set MEMEPIPE_TWITTER_BEARER_TOKEN (or MEMEPIPE_TWITTER_BEARER_TOKEN_FILE)")
			}
			cfg := twitter.DefaultConfig()
			src := d.Config.Sources.Twitter
			if src.BaseURL != "" {
				cfg.BaseURL = src.BaseURL
			}
			if p.MaxResults != 0 {
				cfg.MaxResults = p.MaxResults
			}
			if p.MaxPages != 0 {
				cfg.MaxPages = p.MaxPages
			}
			cfg.HTTP = d.httpConfig("twitter", src, cfg.HTTP)
			c, err := d.collectors.get("twitter", cfg, func() (any, error) {
				sd, err := d.sourceDeps()
				if err != nil {
					return nil, err
				}
				// Reveal: the bearer goes on the wire; httpx registers it
				// for scrubbing from everything it logs or stores.
				return twitter.New(cfg, secret.Reveal(), sd)
			})
			if err != nil {
				return nil, err
			}
			return c.(*twitter.Collector), nil
		}}, nil
	})
}
