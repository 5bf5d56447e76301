package tasks

// Shared by the analytics tasks (analyze.sentiment, analyze.anomaly,
// analyze.risk, score): which tokens they cover, and the checks every
// one of them makes before touching the store.

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"memepipe/analyze/anomaly"
	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/watchlist"
)

// analysisTokens picks the watchlist tokens an analytics task covers,
// the way the collectors do (ErrEmptyWatchlist when there are none).
func analysisTokens(d Deps, want []string) ([]watchlist.Token, error) {
	if d.Config == nil {
		return nil, ErrEmptyWatchlist
	}
	return selectTokens(d.Config.Watchlist, want)
}

// analysisStore returns the store, or a permanent error when the DAG was
// built without one (config validate builds DAGs only to check them).
func analysisStore(d Deps, typ string) (store.Store, error) {
	if d.Store == nil {
		return nil, pipeline.Permanent(fmt.Errorf("%s: no store configured for this run", typ))
	}
	return d.Store, nil
}

// checkTokenParams reports problems of the tokens param (every analytics
// task takes one: the watchlist tokens it covers, by symbol or
// chain:address; default all) that need no watchlist to see.
func checkTokenParams(tokens []string) error {
	for i, t := range tokens {
		if strings.TrimSpace(t) == "" {
			return config.Errors{{Path: fmt.Sprintf("tokens[%d]", i), Msg: "is empty"}}
		}
	}
	return nil
}

// pairKey is the token key of a token's pair contract (LP token
// transfers are stored under it), "" when the token has no pair.
func pairKey(t watchlist.Token) string {
	if t.Pair == "" {
		return ""
	}
	return watchlist.Token{Chain: t.Chain, Address: t.Pair}.Key()
}

// isBadRow reports a row a detector refused (bad input, counted and
// skipped), as opposed to a failure that stops the task.
func isBadRow(err error) bool { return errors.Is(err, anomaly.ErrBadRow) }

// decimalFloat reads a canonical exact decimal column as a float64 for
// arithmetic; NaN when it is empty or not a number.
func decimalFloat(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}
