package alert

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// Delivery is one alert sent (or not) to one notifier: the alert history.
type Delivery struct {
	At       time.Time `json:"at"`
	Notifier string    `json:"notifier"`
	Type     string    `json:"type"`
	OK       bool      `json:"ok"`
	Attempts int       `json:"attempts"`
	Error    string    `json:"error,omitempty"`
	Alert    Alert     `json:"alert"`
}

// History records deliveries (the store implements it).
type History interface {
	RecordDelivery(ctx context.Context, d Delivery) error
}

// DispatchOptions tune delivery.
type DispatchOptions struct {
	// Attempts per delivery (default 5) with exponential backoff from
	// InitialDelay (default 1s) capped at MaxDelay (default 1m), jittered.
	Attempts     int
	InitialDelay time.Duration
	MaxDelay     time.Duration
	// Queue is each notifier's buffer (default 256). When it is full the
	// alert is dropped and logged: delivery must never block a pipeline.
	Queue   int
	History History
	Logger  *slog.Logger
	// Secrets are values scrubbed from every alert before it leaves, a
	// second line of defence behind the redaction at the source.
	Secrets []string
}

// Dispatcher routes alerts and delivers them in the background, one queue
// and one goroutine per notifier, so a slow channel delays only itself.
type Dispatcher struct {
	routes  []Route
	opts    DispatchOptions
	queues  map[string]chan Alert
	byName  map[string]Notifier
	wg      sync.WaitGroup
	scrub   *strings.Replacer
	mu      sync.Mutex
	closed  bool
	dropped int
	// pending counts alerts queued and not yet delivered (or given up);
	// idle is closed whenever it is zero (Flush).
	pmu     sync.Mutex
	pending int
	idle    chan struct{}
}

func (d *Dispatcher) queued() {
	d.pmu.Lock()
	if d.pending == 0 {
		d.idle = make(chan struct{})
	}
	d.pending++
	d.pmu.Unlock()
}

func (d *Dispatcher) delivered() {
	d.pmu.Lock()
	if d.pending--; d.pending == 0 {
		close(d.idle)
	}
	d.pmu.Unlock()
}

// NewDispatcher starts one delivery goroutine per notifier. Close stops them.
// With no routes every notifier gets every alert: a config that names one
// notifier and no route means "send it there", not "send nothing".
func NewDispatcher(notifiers []Notifier, routes []Route, o DispatchOptions) *Dispatcher {
	if len(routes) == 0 && len(notifiers) > 0 {
		all := Route{}
		for _, n := range notifiers {
			all.Notifiers = append(all.Notifiers, n.Name())
		}
		routes = []Route{all}
	}
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.InitialDelay <= 0 {
		o.InitialDelay = time.Second
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = time.Minute
	}
	if o.Queue <= 0 {
		o.Queue = 256
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	d := &Dispatcher{routes: routes, opts: o, queues: map[string]chan Alert{}, byName: map[string]Notifier{}, scrub: scrubber(o.Secrets)}
	for _, n := range notifiers {
		q := make(chan Alert, o.Queue)
		d.queues[n.Name()] = q
		d.byName[n.Name()] = n
		d.wg.Add(1)
		go d.deliverLoop(n, q)
	}
	return d
}

func scrubber(secrets []string) *strings.Replacer {
	var pairs []string
	for _, s := range secrets {
		if len(s) >= 4 { // shorter values would redact ordinary words
			pairs = append(pairs, s, "[redacted]")
		}
	}
	return strings.NewReplacer(pairs...)
}

// Scrub removes known secret values from every text field of a.
func (d *Dispatcher) Scrub(a Alert) Alert {
	for _, f := range []*string{&a.Error, &a.Summary, &a.URL, &a.State, &a.Key, &a.Pipeline, &a.Task, &a.Dataset} {
		*f = d.scrub.Replace(*f)
	}
	return a
}

// Send routes a and queues it for each recipient. It never blocks.
func (d *Dispatcher) Send(a Alert) {
	d.SendTo(a, Recipients(d.routes, a)...)
}

// SendTo queues a for the named notifiers, bypassing routes (alerts test).
func (d *Dispatcher) SendTo(a Alert, names ...string) {
	a = d.Scrub(a)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	for _, name := range names {
		q, ok := d.queues[name]
		if !ok {
			d.opts.Logger.Error("alert for unknown notifier", "notifier", name, "rule", a.Rule)
			continue
		}
		d.queued()
		select {
		case q <- a:
		default:
			d.delivered()
			d.dropped++
			d.opts.Logger.Error("alert queue full, alert dropped", "notifier", name, "rule", a.Rule, "key", a.Key)
		}
	}
}

// Dropped counts alerts dropped because a queue was full.
func (d *Dispatcher) Dropped() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dropped
}

// Close stops accepting alerts and waits for queued ones until ctx ends;
// what is still queued then is abandoned (and logged by the loops).
func (d *Dispatcher) Close(ctx context.Context) error {
	d.mu.Lock()
	if !d.closed {
		d.closed = true
		for _, q := range d.queues {
			close(q)
		}
	}
	d.mu.Unlock()
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *Dispatcher) deliverLoop(n Notifier, q chan Alert) {
	defer d.wg.Done()
	for a := range q {
		d.Deliver(context.Background(), n, a)
		d.delivered()
	}
}

// Flush waits until every alert queued so far is delivered (or given up
// after its retries), or until ctx ends; the dispatcher stays open. For
// processes that are frozen between runs (an AWS Lambda function between
// invocations), where the background delivery would otherwise wait for the
// next thaw.
func (d *Dispatcher) Flush(ctx context.Context) error {
	d.pmu.Lock()
	idle, n := d.idle, d.pending
	d.pmu.Unlock()
	if n == 0 {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Deliver sends a to n now, retrying transient failures with backoff, and
// records the outcome. It returns the final error.
func (d *Dispatcher) Deliver(ctx context.Context, n Notifier, a Alert) error {
	log := d.opts.Logger.With("notifier", n.Name(), "rule", a.Rule, "key", a.Key, "status", a.Status)
	var err error
	attempt := 0
	delay := d.opts.InitialDelay
	for attempt < d.opts.Attempts {
		attempt++
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = n.Notify(actx, a)
		cancel()
		if err == nil || IsPermanent(err) || attempt == d.opts.Attempts {
			break
		}
		wait := delay/2 + time.Duration(rand.Int64N(int64(delay/2)+1))
		log.Warn("alert delivery failed, retrying", "attempt", attempt, "wait", wait, "err", d.scrub.Replace(err.Error()))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			err = ctx.Err()
			attempt = d.opts.Attempts
		}
		delay = min(delay*2, d.opts.MaxDelay)
	}
	rec := Delivery{At: time.Now().UTC(), Notifier: n.Name(), Type: n.Type(), OK: err == nil, Attempts: attempt, Alert: a}
	if err != nil {
		rec.Error = d.scrub.Replace(err.Error())
		log.Error("alert delivery failed", "attempts", attempt, "err", rec.Error)
	} else {
		log.Info("alert delivered", "attempts", attempt)
	}
	if d.opts.History != nil {
		if herr := d.opts.History.RecordDelivery(context.WithoutCancel(ctx), rec); herr != nil {
			log.Error("record alert delivery", "err", herr)
		}
	}
	return err
}

// Notifier returns the notifier named name.
func (d *Dispatcher) Notifier(name string) (Notifier, bool) {
	n, ok := d.byName[name]
	return n, ok
}
