package store

import (
	"context"
	"errors"
	"fmt"

	"memepipe/canonical"
)

// ObjectBatch writes the rows of many raw objects in one transaction,
// each object all or nothing: a bad object writes none of its rows and
// the other objects of the batch still load.
//
// Committing once per object is what made cleaning slow (a search page
// holds ~80 posts, and every commit writes its pages to the WAL again);
// one transaction per batch amortises that. The common case, no row
// refused, pays nothing for the per-object guarantee: rows go out in
// batches that span objects (multi-row statements on SQLite, one COPY per
// batch on PostgreSQL). Only when the database refuses a row (a *RowError)
// is the batch rolled back to its start and replayed object by object,
// each behind its own SAVEPOINT, so the refused object alone is dropped.
// The objects' rows are kept until Commit for that replay: a batch's
// memory is its rows, which is why callers bound batches by rows.
//
// A crash (or a store error, or Rollback) before Commit loses the whole
// batch and nothing else: whole objects land or none, and reloading the
// batch is idempotent.
type ObjectBatch struct {
	c       Canonical
	w       CanonicalWriter
	objects []batchObject // added since the mark (or the transaction start)
	rows    int           // rows added since Begin
	marked  bool          // a "batch" savepoint follows a replay
	failed  []ObjectFailure
	done    bool
}

type batchObject struct {
	id   string
	rows []canonical.Row
}

// ObjectFailure is an object whose rows the database refused.
type ObjectFailure struct {
	ID  string
	Err error
}

// BeginObjects starts a batch of objects in one transaction of c.
func BeginObjects(ctx context.Context, c Canonical) (*ObjectBatch, error) {
	w, err := c.BeginCanonical(ctx)
	if err != nil {
		return nil, err
	}
	return &ObjectBatch{c: c, w: w}, nil
}

// Add writes one object's rows (id names it in failures). An error is the
// store's: the batch is unusable, roll it back. A refused object is not an
// error here; Commit reports it.
func (b *ObjectBatch) Add(ctx context.Context, id string, rows []canonical.Row) error {
	if b.done {
		return errors.New("canonical: add to a committed or rolled back batch")
	}
	b.objects = append(b.objects, batchObject{id: id, rows: rows})
	b.rows += len(rows)
	if err := b.w.Write(ctx, rows...); err != nil {
		return b.recover(ctx, err)
	}
	return nil
}

// Rows is how many rows were added since Begin.
func (b *ObjectBatch) Rows() int { return b.rows }

// Commit writes what is buffered and commits. failed lists the objects
// whose rows were refused (none of their rows are written); err is a store
// failure, after which nothing of the batch is committed.
func (b *ObjectBatch) Commit(ctx context.Context) (failed []ObjectFailure, err error) {
	if b.done {
		return nil, errors.New("canonical: commit of a committed or rolled back batch")
	}
	if err := b.w.Flush(ctx); err != nil {
		if err := b.recover(ctx, err); err != nil {
			return nil, err
		}
	}
	b.done = true
	if err := b.w.Commit(ctx); err != nil {
		return nil, err
	}
	return b.failed, nil
}

// Rollback discards the batch; after Commit it does nothing.
func (b *ObjectBatch) Rollback(ctx context.Context) error {
	if b.done {
		return nil
	}
	b.done = true
	return b.w.Rollback(ctx)
}

// recover handles an error from sending the batch's rows: a refused row
// sends the batch back to its start and replays it object by object; any
// other error rolls the batch back and is returned.
func (b *ObjectBatch) recover(ctx context.Context, err error) error {
	if !IsRowError(err) {
		b.done = true
		_ = b.w.Rollback(ctx)
		return err
	}
	if b.marked {
		if err := b.w.RollbackTo(ctx, "batch"); err != nil {
			return b.fail(ctx, err)
		}
	} else {
		// No mark: the batch starts with the transaction.
		_ = b.w.Rollback(ctx)
		w, err := b.c.BeginCanonical(ctx)
		if err != nil {
			b.done = true
			return err
		}
		b.w = w
	}
	for _, o := range b.objects {
		if err := b.w.Savepoint(ctx, "object"); err != nil {
			return b.fail(ctx, err)
		}
		err := b.w.Write(ctx, o.rows...)
		if err == nil {
			err = b.w.Flush(ctx)
		}
		if err != nil {
			if !IsRowError(err) {
				return b.fail(ctx, err)
			}
			if rerr := b.w.RollbackTo(ctx, "object"); rerr != nil {
				return b.fail(ctx, rerr)
			}
			b.failed = append(b.failed, ObjectFailure{ID: o.id, Err: err})
		}
		if err := b.w.Release(ctx, "object"); err != nil {
			return b.fail(ctx, err)
		}
	}
	// The good objects are written; later objects get a mark of their own
	// to return to.
	b.objects = nil
	if b.marked {
		if err := b.w.Release(ctx, "batch"); err != nil {
			return b.fail(ctx, err)
		}
	}
	if err := b.w.Savepoint(ctx, "batch"); err != nil {
		return b.fail(ctx, err)
	}
	b.marked = true
	return nil
}

func (b *ObjectBatch) fail(ctx context.Context, err error) error {
	b.done = true
	_ = b.w.Rollback(ctx)
	return fmt.Errorf("canonical: replaying a batch object by object: %w", err)
}
