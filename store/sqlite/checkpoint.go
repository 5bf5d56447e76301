package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// checkpointer copies the WAL into the database file on a connection of
// its own, in the background, after each batch of canonical rows commits.
//
// By default the connection that commits runs the checkpoint itself once
// the WAL passes 1,000 pages: a batch of canonical upserts leaves more
// than that every time, so the clean's one writer stopped after each
// commit to write every page it changed a second time (and fsync the
// file), a fifth of its time. The canonical writer turns that off for its
// transaction and asks for a PASSIVE checkpoint here instead, which runs
// while the writer fills the next batch: SQLite lets a checkpoint and a
// writer work at once (the writer appends to the WAL, the checkpoint
// copies the frames committed before it started). The WAL stays bounded:
// each checkpoint copies everything committed so far, and the writer's next
// transaction after a complete one starts the WAL over.
type checkpointer struct {
	db   *sql.DB
	kick chan struct{}
	done chan struct{}

	mu     sync.Mutex
	closed bool
}

func newCheckpointer(path string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	for range c.kick {
		// A failed checkpoint (the database busy, a disk error) leaves the
		// frames in the WAL, where readers still find them; the next
		// checkpoint, or the next commit on the writer, copies them.
		_, _ = c.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// request asks for a checkpoint soon; requests made while one waits to run
// are one.
func (c *checkpointer) request() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// close waits for a checkpoint under way and closes the connection.
func (c *checkpointer) close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.kick)
	c.mu.Unlock()
	<-c.done
	return c.db.Close()
}
