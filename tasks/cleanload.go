package tasks

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"memepipe/canonical"
	"memepipe/clean"
	"memepipe/clean/quality"
	"memepipe/raw"
	"memepipe/store"
	"memepipe/watchlist"
)

// BatchLimits bound how many objects share one transaction: a batch
// commits when it holds Rows rows or Bytes bytes of raw bodies, or has
// been open for Age. Zero fields take the defaults.
type BatchLimits struct {
	Rows  int
	Bytes int
	Age   time.Duration
}

// Default batch limits. 50,000 rows amortise the commit: a commit writes
// every page the batch changed to the WAL (SQLite) and the pages of the
// tables' indexes are shared by many objects, so fewer, larger commits
// write each page fewer times (at 200,000 rows, 20,000-row batches cleaned
// 10% slower). A batch's rows stay in memory until it commits, for the
// replay of a refused object: tens of MiB. One second bounds how long a
// clean holds SQLite's write lock at a time; the engine's own writes (task
// states) wait behind it.
const (
	defaultBatchRows  = 50_000
	defaultBatchBytes = 64 << 20
	defaultBatchAge   = time.Second
)

func (l BatchLimits) withDefaults() BatchLimits {
	if l.Rows <= 0 {
		l.Rows = defaultBatchRows
	}
	if l.Bytes <= 0 {
		l.Bytes = defaultBatchBytes
	}
	if l.Age <= 0 {
		l.Age = defaultBatchAge
	}
	return l
}

// parsedObject is one raw object on its way through loadObjects.
type parsedObject struct {
	seq         int // listing order
	source, key string
	parser      clean.Parser
	rows        []canonical.Row
	counts      map[string]int
	checks      []quality.Result
	size        int
	err         error // unreadable or unparsable: nothing of it is written
	listErr     error // the listing failed: the clean stops
	done        chan struct{}
}

// parseWorkers is how many objects are read and parsed at once, next to
// the one goroutine that writes.
func parseWorkers() int { return min(4, max(1, runtime.GOMAXPROCS(0))) }

// aheadRows bounds the rows parsed and waiting for the writer. About one
// batch: while a batch commits (PostgreSQL runs its COPY and upsert, SQLite
// writes its WAL frames), the parsers fill the next one instead of idling.
const aheadRows = defaultBatchRows

// rowBudget holds parsed rows waiting for the writer to aheadRows. A parsed
// object waits for room, except the one the writer needs next, which
// always passes: otherwise later objects could fill the budget while the
// writer waits on an earlier one.
type rowBudget struct {
	mu   sync.Mutex
	cond *sync.Cond
	used int
	next int // seq of the object the writer needs next
	done bool
}

func newRowBudget() *rowBudget {
	b := &rowBudget{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *rowBudget) acquire(seq, n int) {
	b.mu.Lock()
	for b.used+n > aheadRows && seq != b.next && !b.done {
		b.cond.Wait()
	}
	b.used += n
	b.mu.Unlock()
}

// taken records that the writer took object seq (now next is seq+1) and
// its n rows left the budget.
func (b *rowBudget) taken(seq, n int) {
	b.mu.Lock()
	b.next, b.used = seq+1, b.used-n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// stop lets every waiter through (the clean is ending).
func (b *rowBudget) stop() {
	b.mu.Lock()
	b.done = true
	b.mu.Unlock()
	b.cond.Broadcast()
}

// loadObjects streams the raw objects of spec's sources and interval into
// the canonical store and calls report once per object, in commit order,
// with nil when its rows are committed or the reason none of them were.
// An error return is the zone's or the store's: the clean stops there.
//
// It is a bounded pipeline. One goroutine lists the objects; parseWorkers
// goroutines read (gunzip, checksum) and parse them and run the row checks;
// the caller's goroutine writes them, in listing order (so which of two
// rows with one key wins does not depend on timing), many objects per
// transaction (store.ObjectBatch: each object behind its own savepoint
// when the database refuses a row). At most 2*parseWorkers parsed objects
// wait for the writer, and a batch holds at most its limits: memory is
// bounded by those, not by the interval.
func loadObjects(ctx context.Context, d Deps, spec CleanSpec, parsers []clean.Parser, wl watchlist.List, now time.Time, report func(*parsedObject, error)) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	budget := newRowBudget()
	defer func() {
		cancel()
		budget.stop()
		wg.Wait()
	}()
	workers := parseWorkers()
	work := make(chan *parsedObject)
	// The order queue only holds objects handed to a parser; the row
	// budget is what bounds parsed rows. Its length bounds objects read
	// ahead (a body each) when objects are small.
	order := make(chan *parsedObject, 512)

	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(work)
		defer close(order)
		seq := 0
		for i, src := range spec.Sources {
			for info, err := range d.Raw.List(ctx, raw.Filter{Source: src, Interval: spec.Interval}) {
				o := &parsedObject{seq: seq, source: src, key: info.Key, parser: parsers[i], done: make(chan struct{})}
				seq++
				if err != nil {
					o.listErr = fmt.Errorf("clean: list raw objects of %s: %w", src, err)
					close(o.done)
					select {
					case order <- o:
					case <-ctx.Done():
					}
					return
				}
				if !within(info.Meta.Interval, spec.Interval) {
					continue
				}
				select {
				case order <- o:
				case <-ctx.Done():
					return
				}
				select {
				case work <- o:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range work {
				o.rows, o.size, o.err = parseObject(ctx, d, o.parser, wl, o.key)
				if o.err == nil {
					o.counts = map[string]int{}
					for _, r := range o.rows {
						o.counts[r.Table()]++
					}
					o.checks = append(quality.Keys(o.rows), quality.Ranges(o.rows, spec.Interval, now)...)
				}
				budget.acquire(o.seq, len(o.rows))
				close(o.done)
			}
		}()
	}

	lim := spec.Batch.withDefaults()
	var (
		batch      *store.ObjectBatch
		inBatch    []*parsedObject
		batchStart time.Time
		batchBytes int
	)
	defer func() {
		if batch != nil {
			_ = batch.Rollback(context.WithoutCancel(ctx))
		}
	}()
	commit := func() error {
		if batch == nil {
			return nil
		}
		failed, err := batch.Commit(ctx)
		batch = nil
		if err != nil {
			return fmt.Errorf("clean: commit %d objects (from %s): %w", len(inBatch), inBatch[0].key, err)
		}
		refused := map[string]error{}
		for _, f := range failed {
			refused[f.ID] = f.Err
		}
		for _, o := range inBatch {
			report(o, refused[o.key])
			o.rows = nil
		}
		inBatch = inBatch[:0]
		return nil
	}
	for o := range order {
		if batch != nil {
			// An open batch does not wait on a slow object past its age:
			// it would hold SQLite's write lock meanwhile.
			timer := time.NewTimer(time.Until(batchStart.Add(lim.Age)))
			select {
			case <-o.done:
			case <-timer.C:
				if err := commit(); err != nil {
					timer.Stop()
					return err
				}
			}
			timer.Stop()
		}
		<-o.done
		budget.taken(o.seq, len(o.rows))
		if o.listErr != nil {
			return o.listErr
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if o.err != nil {
			report(o, o.err)
			continue
		}
		if batch == nil {
			if batch, err = store.BeginObjects(ctx, d.Store); err != nil {
				return fmt.Errorf("clean: %w", err)
			}
			batchStart, batchBytes = time.Now(), 0
		}
		if err := batch.Add(ctx, o.key, o.rows); err != nil {
			batch = nil // Add rolled it back
			return fmt.Errorf("clean: %s %s: %w", o.source, o.key, err)
		}
		inBatch = append(inBatch, o)
		batchBytes += o.size
		if batch.Rows() >= lim.Rows || batchBytes >= lim.Bytes || time.Since(batchStart) >= lim.Age {
			if err := commit(); err != nil {
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return commit()
}

// parseObject reads one raw object and parses it into its rows (all of
// them, or an error naming the source, key and JSON path).
func parseObject(ctx context.Context, d Deps, p clean.Parser, wl watchlist.List, key string) ([]canonical.Row, int, error) {
	obj, body, err := d.Raw.GetText(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	in := clean.Input{
		Source: obj.Source, Key: key, Body: clean.NewTextBody(body),
		FetchedAt: obj.FetchedAt, URL: obj.URL, Watchlist: wl,
	}
	if obj.Token != "" {
		for i := range wl {
			if wl[i].Key() == obj.Token {
				in.Token = &wl[i]
				break
			}
		}
		if in.Token == nil && strings.Contains(obj.Token, ":") {
			// Collected for a token since removed from the watchlist: its
			// rows would be attached to nothing we know.
			return nil, 0, fmt.Errorf("collected for token %s, which is not in the watchlist", obj.Token)
		}
	}
	var rows []canonical.Row
	err = p.Parse(ctx, in, func(r canonical.Row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return rows, len(body), nil
}
