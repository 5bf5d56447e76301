package metrics

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	dto "github.com/prometheus/client_model/go"
)

// Push sends the memepipe_* metrics to a Prometheus Pushgateway at
// gatewayURL, replacing the group job/grouping (a PUT): a one-shot run
// (memepipe run from cron, a Lambda invocation) lives too briefly to be
// scraped, so it pushes what it did when it ends. The Go runtime and
// process metrics stay behind: a batch job's are noise, and pushed by many
// jobs they would collide.
func (m *Metrics) Push(ctx context.Context, gatewayURL, job string, grouping map[string]string) error {
	if job == "" {
		job = "memepipe"
	}
	own := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		fams, err := m.Registry.Gather()
		out := fams[:0]
		for _, f := range fams {
			if strings.HasPrefix(f.GetName(), "memepipe_") {
				out = append(out, f)
			}
		}
		return out, err
	})
	p := push.New(gatewayURL, job).Gatherer(own).Client(&http.Client{Timeout: 10 * time.Second})
	for _, k := range slices.Sorted(maps.Keys(grouping)) {
		p = p.Grouping(k, grouping[k])
	}
	if err := p.PushContext(ctx); err != nil {
		// The client's errors quote the URL, with any password in it.
		safe := redactURL(gatewayURL)
		return fmt.Errorf("push metrics to %s: %s", safe, strings.ReplaceAll(err.Error(), gatewayURL, safe))
	}
	return nil
}

// redactURL hides a password in a URL (a Pushgateway behind basic auth).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "the pushgateway"
	}
	return u.Redacted()
}
