// Package memstore keeps runs, task runs, watermarks and analysis
// checkpoints in memory. It
// honours the same contract as store/sqlite and store/postgres (one run per
// (pipeline, interval), unique attempts, atomic ClaimRun) and is safe for
// concurrent use, so engine and CLI tests can run without a database. It does
// not survive its process: crash tests need a real store.
package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"memepipe/analytics"
	"memepipe/pipeline"
	"memepipe/store"
	"memepipe/store/internal/rowcheck"
)

// Store is an in-memory store.Runs and store.Watermarks, and keeps analysis
// checkpoints (store.Analytics' PutCheckpoint and LatestCheckpoint).
type Store struct {
	// Now stamps ClaimRun's heartbeat and CreatedAt (default time.Now); tests
	// with a fake clock set it to the same clock the engine uses.
	Now func() time.Time

	mu         sync.Mutex
	runs       map[string]*runRow
	byKey      map[runKey]string
	tasks      map[string][]*pipeline.TaskRun // by run id
	watermarks map[[2]string]string
	budgets    map[string]budget // rate budgets by name
	slots      map[string][]poolSlot
	// checkpoints by (kind, token), oldest first, at most
	// rowcheck.CheckpointsKept each.
	checkpoints map[[2]string][]analytics.Checkpoint
}

type runKey struct {
	pipeline   string
	start, end int64
}

type runRow struct {
	run       pipeline.Run
	heartbeat time.Time // zero: never
}

var (
	_ store.Runs       = (*Store)(nil)
	_ store.Watermarks = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{
		runs:        map[string]*runRow{},
		byKey:       map[runKey]string{},
		tasks:       map[string][]*pipeline.TaskRun{},
		watermarks:  map[[2]string]string{},
		checkpoints: map[[2]string][]analytics.Checkpoint{},
	}
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func key(p string, iv pipeline.Interval) runKey {
	return runKey{p, iv.Start.UnixNano(), iv.End.UnixNano()}
}

// CreateRun implements store.Runs.
func (s *Store) CreateRun(ctx context.Context, r pipeline.Run) (pipeline.Run, bool, error) {
	if err := ctx.Err(); err != nil {
		return pipeline.Run{}, false, err
	}
	// The same checks and defaults as the SQL stores (id, state, trigger,
	// microsecond UTC times).
	now := s.now()
	r, err := rowcheck.NewRun(r, now)
	if err != nil {
		return r, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(r.Pipeline, r.Interval)
	if id, ok := s.byKey[k]; ok {
		return copyRun(s.runs[id].run), false, nil
	}
	if _, dup := s.runs[r.ID]; dup {
		return r, false, fmt.Errorf("create run of %s for %s: id %s already taken", r.Pipeline, r.Interval, r.ID)
	}
	row := &runRow{run: copyRun(r)}
	if r.Owner != "" {
		// As in the SQL stores: created owned counts as a first heartbeat.
		row.heartbeat = now
	}
	s.runs[r.ID] = row
	s.byKey[k] = r.ID
	return copyRun(r), true, nil
}

// GetRun implements store.Runs.
func (s *Store) GetRun(ctx context.Context, id string) (pipeline.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	row, ok := s.runs[id]
	if !ok {
		return pipeline.Run{}, fmt.Errorf("run %q: %w", id, store.ErrNotFound)
	}
	return copyRun(row.run), nil
}

// FindRun implements store.Runs.
func (s *Store) FindRun(ctx context.Context, p string, iv pipeline.Interval) (pipeline.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	iv = pipeline.Interval{Start: iv.Start.UTC().Truncate(time.Microsecond), End: iv.End.UTC().Truncate(time.Microsecond)}
	id, ok := s.byKey[key(p, iv)]
	if !ok {
		return pipeline.Run{}, fmt.Errorf("run of %q for %s: %w", p, iv, store.ErrNotFound)
	}
	return copyRun(s.runs[id].run), nil
}

func (s *Store) filtered(f store.RunFilter) []pipeline.Run {
	out := []pipeline.Run{}
	for _, row := range s.runs {
		r := row.run
		if f.Pipeline != "" && r.Pipeline != f.Pipeline {
			continue
		}
		if len(f.States) > 0 && !slices.Contains(f.States, r.State) {
			continue
		}
		if !f.IntervalFrom.IsZero() && r.Interval.Start.Before(f.IntervalFrom) {
			continue
		}
		if !f.IntervalTo.IsZero() && !r.Interval.Start.Before(f.IntervalTo) {
			continue
		}
		out = append(out, copyRun(r))
	}
	// Newest first: interval start, then creation time, then id.
	slices.SortFunc(out, func(a, b pipeline.Run) int {
		if c := b.Interval.Start.Compare(a.Interval.Start); c != 0 {
			return c
		}
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return out
}

// ListRuns implements store.Runs.
func (s *Store) ListRuns(ctx context.Context, f store.RunFilter) ([]pipeline.Run, error) {
	f, err := rowcheck.Filter(f)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.filtered(f)
	if f.Offset > 0 {
		out = out[min(f.Offset, len(out)):]
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// CountRuns implements store.Runs.
func (s *Store) CountRuns(ctx context.Context, f store.RunFilter) (int, error) {
	f, err := rowcheck.Filter(f)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.filtered(store.RunFilter{Pipeline: f.Pipeline, States: f.States, IntervalFrom: f.IntervalFrom, IntervalTo: f.IntervalTo})), nil
}

// UpdateRun implements store.Runs.
// A change of owner counts as the new owner's first heartbeat; clearing the
// owner clears it (as in the SQL stores).
func (s *Store) UpdateRun(ctx context.Context, r pipeline.Run) error {
	r, err := rowcheck.UpdatedRun(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	row, ok := s.runs[r.ID]
	if !ok {
		return fmt.Errorf("update run %q: %w", r.ID, store.ErrNotFound)
	}
	switch {
	case r.Owner == "":
		row.heartbeat = time.Time{}
	case r.Owner != row.run.Owner:
		row.heartbeat = s.now()
	}
	row.run.State = r.State
	row.run.StartedAt = copyTime(r.StartedAt)
	row.run.EndedAt = copyTime(r.EndedAt)
	row.run.Owner = r.Owner
	return nil
}

// ClaimRun implements store.Runs. A run with an owner but no heartbeat yet
// counts as stale: nothing proves that owner alive.
func (s *Store) ClaimRun(ctx context.Context, id, owner string, staleBefore time.Time) (bool, error) {
	if owner == "" {
		return false, fmt.Errorf("claim run %s: empty owner", id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	row, ok := s.runs[id]
	if !ok {
		return false, fmt.Errorf("claim run %q: %w", id, store.ErrNotFound)
	}
	cur := row.run.Owner
	if cur != "" && cur != owner && !row.heartbeat.IsZero() && !row.heartbeat.Before(staleBefore) {
		return false, nil
	}
	row.run.Owner = owner
	row.heartbeat = s.now()
	return true, nil
}

// TakeOverRun implements store.Runs.
func (s *Store) TakeOverRun(ctx context.Context, id, owner, from string) (bool, error) {
	if owner == "" {
		return false, fmt.Errorf("take over run %s: empty owner", id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	row, ok := s.runs[id]
	if !ok {
		return false, fmt.Errorf("take over run %q: %w", id, store.ErrNotFound)
	}
	if row.run.Owner != from {
		return false, nil
	}
	row.run.Owner = owner
	row.heartbeat = s.now()
	return true, nil
}

// HeartbeatRun implements store.Runs. It fails when owner no longer owns
// the run, so a process that lost its claim can tell.
func (s *Store) HeartbeatRun(ctx context.Context, id, owner string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	row, ok := s.runs[id]
	if !ok {
		return fmt.Errorf("heartbeat run %q: %w", id, store.ErrNotFound)
	}
	if row.run.Owner != owner {
		return fmt.Errorf("heartbeat run %s as %q: owner is %q: %w", id, owner, row.run.Owner, store.ErrNotOwner)
	}
	row.heartbeat = at.UTC().Truncate(time.Microsecond)
	return nil
}

// RunHeartbeat returns the run's last heartbeat (zero: none), for tests.
func (s *Store) RunHeartbeat(id string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if row, ok := s.runs[id]; ok {
		return row.heartbeat
	}
	return time.Time{}
}

// InsertTaskRun implements store.Runs.
func (s *Store) InsertTaskRun(ctx context.Context, tr pipeline.TaskRun) error {
	tr, err := rowcheck.TaskRun(tr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.runs[tr.RunID]; !ok {
		return fmt.Errorf("insert task run %s/%s/%d: run %w", tr.RunID, tr.Task, tr.Attempt, store.ErrNotFound)
	}
	for _, x := range s.tasks[tr.RunID] {
		if x.Task == tr.Task && x.Attempt == tr.Attempt {
			return fmt.Errorf("insert task run %s/%s/%d: attempt already exists", tr.RunID, tr.Task, tr.Attempt)
		}
	}
	c := copyTaskRun(tr)
	s.tasks[tr.RunID] = append(s.tasks[tr.RunID], &c)
	return nil
}

func (s *Store) find(runID, task string, attempt int) *pipeline.TaskRun {
	var latest *pipeline.TaskRun
	for _, x := range s.tasks[runID] {
		if x.Task != task {
			continue
		}
		if x.Attempt == attempt {
			return x
		}
		if attempt == 0 && (latest == nil || x.Attempt > latest.Attempt) {
			latest = x
		}
	}
	return latest
}

// UpdateTaskRun implements store.Runs.
// A nil heartbeat keeps the stored one.
func (s *Store) UpdateTaskRun(ctx context.Context, tr pipeline.TaskRun) error {
	tr, err := rowcheck.TaskRun(tr)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.find(tr.RunID, tr.Task, tr.Attempt)
	if x == nil {
		return fmt.Errorf("update task run %s/%s/%d: %w", tr.RunID, tr.Task, tr.Attempt, store.ErrNotFound)
	}
	hb := x.Heartbeat
	*x = copyTaskRun(tr)
	if x.Heartbeat == nil {
		x.Heartbeat = hb
	}
	return nil
}

// ListTaskRuns implements store.Runs: ordered by start (never-started
// attempts last), task name and attempt; logs are left out.
func (s *Store) ListTaskRuns(ctx context.Context, runID string) ([]pipeline.TaskRun, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]pipeline.TaskRun, 0, len(s.tasks[runID]))
	for _, x := range s.tasks[runID] {
		c := copyTaskRun(*x)
		c.Log = ""
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b pipeline.TaskRun) int {
		switch {
		case a.StartedAt == nil && b.StartedAt != nil:
			return 1
		case a.StartedAt != nil && b.StartedAt == nil:
			return -1
		case a.StartedAt != nil:
			if c := a.StartedAt.Compare(*b.StartedAt); c != 0 {
				return c
			}
		}
		if c := cmp.Compare(a.Task, b.Task); c != 0 {
			return c
		}
		return cmp.Compare(a.Attempt, b.Attempt)
	})
	return out, nil
}

// TaskRunLog implements store.Runs.
func (s *Store) TaskRunLog(ctx context.Context, runID, task string, attempt int) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.find(runID, task, attempt)
	if x == nil {
		return "", fmt.Errorf("log of %s/%s/%d: %w", runID, task, attempt, store.ErrNotFound)
	}
	return x.Log, nil
}

// HeartbeatTaskRun implements store.Runs.
func (s *Store) HeartbeatTaskRun(ctx context.Context, runID, task string, attempt int, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.find(runID, task, attempt)
	if x == nil || attempt == 0 {
		return fmt.Errorf("heartbeat task run %s/%s/%d: %w", runID, task, attempt, store.ErrNotFound)
	}
	at = at.UTC().Truncate(time.Microsecond)
	x.Heartbeat = &at
	return nil
}

// GetWatermark implements store.Watermarks.
func (s *Store) GetWatermark(ctx context.Context, source, key string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.watermarks[[2]string{source, key}]
	return v, ok, nil
}

// poolSlot is one slot of a shared pool ("" holder: free).
type poolSlot struct {
	holder    string
	heartbeat time.Time
}

// AcquirePoolSlot implements store.PoolSlots on the store's clock.
func (s *Store) AcquirePoolSlot(ctx context.Context, pool string, size int, holder string, ttl time.Duration) (int, bool, error) {
	if err := rowcheck.PoolAcquire(pool, size, holder); err != nil {
		return 0, false, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slots == nil {
		s.slots = map[string][]poolSlot{}
	}
	for len(s.slots[pool]) < size {
		s.slots[pool] = append(s.slots[pool], poolSlot{})
	}
	for i := range size {
		sl := &s.slots[pool][i]
		if sl.holder == "" || sl.heartbeat.Before(now.Add(-ttl)) {
			*sl = poolSlot{holder: holder, heartbeat: now}
			return i, true, nil
		}
	}
	return 0, false, nil
}

// HeartbeatPoolSlot implements store.PoolSlots.
func (s *Store) HeartbeatPoolSlot(ctx context.Context, pool string, slot int, holder string) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if slot < 0 || slot >= len(s.slots[pool]) || s.slots[pool][slot].holder != holder {
		return fmt.Errorf("slot %d of pool %s: %w", slot, pool, store.ErrNotOwner)
	}
	s.slots[pool][slot].heartbeat = now
	return nil
}

// ReleasePoolSlot implements store.PoolSlots.
func (s *Store) ReleasePoolSlot(ctx context.Context, pool string, slot int, holder string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slot >= 0 && slot < len(s.slots[pool]) && s.slots[pool][slot].holder == holder {
		s.slots[pool][slot] = poolSlot{}
	}
	return nil
}

// budget is a rate budget's bucket.
type budget struct {
	tokens  float64
	updated time.Time
}

// TakeRateToken implements store.RateBudgets on the store's clock.
func (s *Store) TakeRateToken(ctx context.Context, name string, perSecond float64, burst int) (time.Duration, error) {
	if err := rowcheck.RateTake(name, perSecond, burst); err != nil {
		return 0, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.budgets == nil {
		s.budgets = map[string]budget{}
	}
	b, ok := s.budgets[name]
	if !ok {
		b = budget{tokens: float64(burst), updated: now}
	}
	if now.After(b.updated) {
		b.tokens += perSecond * now.Sub(b.updated).Seconds()
		b.updated = now
	}
	b.tokens = min(b.tokens, float64(burst)) - 1
	s.budgets[name] = b
	return store.RateWait(b.tokens, perSecond), nil
}

// SetWatermark implements store.Watermarks.
func (s *Store) SetWatermark(ctx context.Context, source, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watermarks[[2]string{source, key}] = value
	return nil
}

// PutCheckpoint implements store.Analytics: it stores a copy of c,
// replacing one with the same as_of, and keeps the kind and token's newest
// rowcheck.CheckpointsKept.
func (s *Store) PutCheckpoint(ctx context.Context, c analytics.Checkpoint) error {
	c, err := rowcheck.Checkpoint(c)
	if err != nil {
		return fmt.Errorf("put %w", err)
	}
	c.State = slices.Clone(c.State)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{c.Kind, c.Token}
	cs := slices.DeleteFunc(s.checkpoints[k], func(x analytics.Checkpoint) bool { return x.AsOf.Equal(c.AsOf) })
	cs = append(cs, c)
	slices.SortFunc(cs, func(a, b analytics.Checkpoint) int { return a.AsOf.Compare(b.AsOf) })
	if n := len(cs) - rowcheck.CheckpointsKept; n > 0 {
		cs = slices.Delete(cs, 0, n)
	}
	s.checkpoints[k] = cs
	return nil
}

// DeleteCheckpoints implements store.Analytics.
func (s *Store) DeleteCheckpoints(ctx context.Context, after time.Time) (int, error) {
	after = after.UTC().Truncate(time.Microsecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, cs := range s.checkpoints {
		kept := slices.DeleteFunc(cs, func(c analytics.Checkpoint) bool { return c.AsOf.After(after) })
		n += len(cs) - len(kept)
		s.checkpoints[k] = kept
	}
	return n, nil
}

// LatestCheckpoint implements store.Analytics.
func (s *Store) LatestCheckpoint(ctx context.Context, kind, token string, notAfter time.Time) (analytics.Checkpoint, bool, error) {
	notAfter, err := rowcheck.CheckpointKey(kind, token, notAfter)
	if err != nil {
		return analytics.Checkpoint{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.checkpoints[[2]string{kind, token}]
	for i := len(cs) - 1; i >= 0; i-- {
		if notAfter.IsZero() || !cs[i].AsOf.After(notAfter) {
			c := cs[i]
			c.State = slices.Clone(c.State)
			return c, true, nil
		}
	}
	return analytics.Checkpoint{}, false, nil
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := t.UTC()
	return &c
}

func copyRun(r pipeline.Run) pipeline.Run {
	r.StartedAt = copyTime(r.StartedAt)
	r.EndedAt = copyTime(r.EndedAt)
	return r
}

func copyTaskRun(tr pipeline.TaskRun) pipeline.TaskRun {
	tr.StartedAt = copyTime(tr.StartedAt)
	tr.EndedAt = copyTime(tr.EndedAt)
	tr.Heartbeat = copyTime(tr.Heartbeat)
	return tr
}

// Dialect is "memory".
func (s *Store) Dialect() string { return "memory" }

// Ping always answers.
func (s *Store) Ping(ctx context.Context) error { return nil }

// Close does nothing: the data lives as long as the Store.
func (s *Store) Close() error { return nil }
