// Package metrics is memepipe's Prometheus instrumentation: one registry
// with the engine's task outcomes and durations, hand-off and schedule lag,
// the collectors' API requests and rate-limit waits, skipped slots,
// dataset freshness and alert deliveries, plus Go runtime metrics. Every
// name starts with memepipe_.
package metrics

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds memepipe's collectors on their own registry, so tests and
// two servers in one process do not collide on the global one.
type Metrics struct {
	Registry *prometheus.Registry

	TaskDuration    *prometheus.HistogramVec // pipeline, task, state
	TaskRuns        *prometheus.CounterVec   // pipeline, task, state
	TaskRetries     *prometheus.CounterVec   // pipeline, task
	Records         *prometheus.CounterVec   // pipeline, task, direction
	Runs            *prometheus.CounterVec   // pipeline, state
	RunsActive      *prometheus.GaugeVec     // pipeline
	Handoff         prometheus.Histogram
	ScheduleLag     *prometheus.HistogramVec // pipeline
	SlotsSkipped    *prometheus.CounterVec   // pipeline, reason
	APIRequests     *prometheus.CounterVec   // source, status
	APIDuration     *prometheus.HistogramVec // source
	APIRetries      *prometheus.CounterVec   // source, reason
	RateLimitWait   *prometheus.HistogramVec // source
	HTTPRequests    *prometheus.CounterVec   // route, status
	HTTPDuration    *prometheus.HistogramVec // route
	DatasetFresh    *prometheus.GaugeVec     // dataset
	AlertDeliveries *prometheus.CounterVec   // notifier, result
}

// New registers every collector on a fresh registry.
func New() *Metrics {
	r := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { r.MustRegister(c) }
	// Task durations range from a no-op (microseconds) to a long backfill
	// (an hour): exponential buckets from 1 ms to ~1.2 h.
	taskBuckets := prometheus.ExponentialBuckets(0.001, 3, 15)
	m := &Metrics{
		Registry: r,
		TaskDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "memepipe_task_duration_seconds", Help: "Duration of task attempts, by final attempt state.", Buckets: taskBuckets,
		}, []string{"pipeline", "task", "state"}),
		TaskRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memepipe_task_attempts_total", Help: "Task attempts by outcome (success, failed, up_for_retry, timed_out, skipped, upstream_failed).",
		}, []string{"pipeline", "task", "state"}),
		TaskRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memepipe_task_retries_total", Help: "Retries scheduled after a failed or timed-out attempt.",
		}, []string{"pipeline", "task"}),
		Records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memepipe_records_total", Help: "Records read (in) and written (out) by tasks.",
		}, []string{"pipeline", "task", "direction"}),
		Runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memepipe_runs_total", Help: "Finished runs by final state.",
		}, []string{"pipeline", "state"}),
		RunsActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "memepipe_runs_active", Help: "Runs in progress.",
		}, []string{"pipeline"}),
		Handoff: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "memepipe_handoff_seconds", Help: "Time from a task becoming ready (its last upstream finished) to its start.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2.5, 14),
		}),
		ScheduleLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "memepipe_schedule_lag_seconds", Help: "Time from a schedule slot to its run's start.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 12),
		}, []string{"pipeline"}),
		SlotsSkipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memepipe_schedule_slots_skipped_total", Help: "Schedule slots not run: outside the catch-up window, beyond the catch-up bound, or dropped by the overlap policy.",
		}, []string{"pipeline", "reason"}),
		APIRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memepipe_api_requests_total", Help: "Upstream API requests by source and HTTP status (\"error\" when no response).",
		}, []string{"source", "status"}),
		APIDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "memepipe_api_request_duration_seconds", Help: "Upstream API request latency.", Buckets: prometheus.DefBuckets,
		}, []string{"source"}),
		APIRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memepipe_api_retries_total", Help: "Upstream API retries by source and reason (status code, network, timeout, body, or the source's reason).",
		}, []string{"source", "reason"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memepipe_http_requests_total", Help: "Requests to memepipe serve's API, UI and probes, by route pattern (\"unrouted\": refused before routing) and status.",
		}, []string{"route", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "memepipe_http_request_duration_seconds", Help: "Latency of memepipe serve's own HTTP answers, by route pattern.",
			// 100 µs (a probe) to ~6.5 s (a page far too slow).
			Buckets: prometheus.ExponentialBuckets(0.0001, 3, 11),
		}, []string{"route"}),
		RateLimitWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "memepipe_rate_limit_wait_seconds", Help: "Time requests waited for the source's rate limiter or a Retry-After.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 12),
		}, []string{"source"}),
		DatasetFresh: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "memepipe_dataset_last_success_timestamp_seconds", Help: "Unix time of each dataset's last successful refresh.",
		}, []string{"dataset"}),
		AlertDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memepipe_alert_deliveries_total", Help: "Alert deliveries by notifier and result (ok, failed).",
		}, []string{"notifier", "result"}),
	}
	for _, c := range []prometheus.Collector{m.TaskDuration, m.TaskRuns, m.TaskRetries, m.Records, m.Runs, m.RunsActive,
		m.Handoff, m.ScheduleLag, m.SlotsSkipped, m.APIRequests, m.APIDuration, m.APIRetries, m.RateLimitWait,
		m.HTTPRequests, m.HTTPDuration, m.DatasetFresh, m.AlertDeliveries} {
		f(c)
	}
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// APIRequest records one upstream request (the source/httpx hook).
func (m *Metrics) APIRequest(source string, status int, d time.Duration) {
	s := "error"
	if status > 0 {
		s = httpStatus(status)
	}
	m.APIRequests.WithLabelValues(source, s).Inc()
	m.APIDuration.WithLabelValues(source).Observe(d.Seconds())
}

// RateLimited records a wait for a source's limiter or Retry-After.
func (m *Metrics) RateLimited(source string, d time.Duration) {
	m.RateLimitWait.WithLabelValues(source).Observe(d.Seconds())
}

// Upstream is the hook source/httpx clients report to (it implements
// httpx.Metrics): every attempt, rate-limit wait and retry of the
// collectors' upstream requests. Pass it to tasks.Deps.HTTPMetrics.
func (m *Metrics) Upstream() Upstream { return Upstream{func() *Metrics { return m }} }

// Upstream adapts Metrics to source/httpx's Metrics interface.
type Upstream struct{ m func() *Metrics }

// Request records one attempt (status 0: no response).
func (u Upstream) Request(source string, status int, outcome string, d time.Duration) {
	u.m().APIRequest(source, status, d)
}

// RateLimitWait records a wait for the limiter or a server-requested pause.
func (u Upstream) RateLimitWait(source string, d time.Duration) { u.m().RateLimited(source, d) }

// Retry records a retry and its reason.
func (u Upstream) Retry(source, reason string) {
	u.m().APIRetries.WithLabelValues(source, reason).Inc()
}

// Current is the Metrics of the invocation in progress, in a process that
// records each invocation apart: a Lambda function's warm invocations
// share the process (and the collectors built once), and each pushes only
// its own counts.
type Current struct{ p atomic.Pointer[Metrics] }

// Next starts a fresh Metrics and returns the one it replaces (nil the
// first time).
func (c *Current) Next() *Metrics { return c.p.Swap(New()) }

// Load is the Metrics in use.
func (c *Current) Load() *Metrics { return c.p.Load() }

// Upstream records the collectors' requests into whichever Metrics is in
// use when they happen.
func (c *Current) Upstream() Upstream { return Upstream{c.Load} }

// HTTPRequest records one answer of memepipe's own server: route is the
// matched pattern ("GET /api/v1/runs/{id}"), never the raw path, so the
// series stay as few as the routes.
func (m *Metrics) HTTPRequest(route string, status int, d time.Duration) {
	m.HTTPRequests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.HTTPDuration.WithLabelValues(route).Observe(d.Seconds())
}

// DatasetRefreshed records a dataset's successful refresh.
func (m *Metrics) DatasetRefreshed(dataset string, at time.Time) {
	m.DatasetFresh.WithLabelValues(dataset).Set(float64(at.Unix()))
}

// SlotSkipped records a schedule slot not run.
func (m *Metrics) SlotSkipped(pipeline, reason string) {
	m.SlotsSkipped.WithLabelValues(pipeline, reason).Inc()
}

// RunStarted records a run's start and its lag behind its schedule slot
// (slot zero for manual runs: no lag recorded).
func (m *Metrics) RunStarted(pipeline string, slot, started time.Time) {
	m.RunsActive.WithLabelValues(pipeline).Inc()
	if !slot.IsZero() {
		m.ScheduleLag.WithLabelValues(pipeline).Observe(started.Sub(slot).Seconds())
	}
}

// RunFinished records a run's end.
func (m *Metrics) RunFinished(pipeline, state string) {
	m.RunsActive.WithLabelValues(pipeline).Dec()
	m.Runs.WithLabelValues(pipeline, state).Inc()
}

// AttemptFinished records one task attempt.
func (m *Metrics) AttemptFinished(pipeline, task, state string, d time.Duration, in, out int64) {
	m.TaskRuns.WithLabelValues(pipeline, task, state).Inc()
	m.TaskDuration.WithLabelValues(pipeline, task, state).Observe(d.Seconds())
	if state == "up_for_retry" {
		m.TaskRetries.WithLabelValues(pipeline, task).Inc()
	}
	if in > 0 {
		m.Records.WithLabelValues(pipeline, task, "in").Add(float64(in))
	}
	if out > 0 {
		m.Records.WithLabelValues(pipeline, task, "out").Add(float64(out))
	}
}

// HandedOff records the time a task waited between ready and started.
func (m *Metrics) HandedOff(d time.Duration) { m.Handoff.Observe(d.Seconds()) }

// AlertDelivered records an alert delivery.
func (m *Metrics) AlertDelivered(notifier string, ok bool) {
	r := "ok"
	if !ok {
		r = "failed"
	}
	m.AlertDeliveries.WithLabelValues(notifier, r).Inc()
}

// httpStatus keeps label cardinality small: the exact code for the codes
// that matter to operators (429, 401, 403, 404), else its class.
func httpStatus(code int) string {
	switch code {
	case 200, 401, 403, 404, 429, 500, 502, 503, 504:
		return strconv.Itoa(code)
	}
	return strconv.Itoa(code/100) + "xx"
}
