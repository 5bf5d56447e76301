package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"memepipe/store"
)

// testPoolSlots: a pool of two gives two slots and refuses a third holder
// until one is released; a holder silent past the ttl loses its slot (and
// its heartbeat says so); racing holders never share a slot.
func testPoolSlots(t *testing.T, s store.Store) {
	ctx := context.Background()
	const ttl = time.Minute
	take := func(holder string) (int, bool) {
		t.Helper()
		slot, ok, err := s.AcquirePoolSlot(ctx, "etherscan", 2, holder, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return slot, ok
	}
	a, okA := take("worker-a/1")
	b, okB := take("worker-b/1")
	if !okA || !okB || a == b {
		t.Fatalf("two slots: %d %v, %d %v", a, okA, b, okB)
	}
	if _, ok := take("worker-c/1"); ok {
		t.Fatal("a third holder got a slot of a pool of two")
	}
	if _, ok, err := s.AcquirePoolSlot(ctx, "twitter", 1, "worker-c/1", ttl); err != nil || !ok {
		t.Fatalf("another pool: %v %v", ok, err)
	}
	if err := s.HeartbeatPoolSlot(ctx, "etherscan", a, "worker-a/1"); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleasePoolSlot(ctx, "etherscan", a, "worker-b/1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := take("worker-c/1"); ok {
		t.Fatal("a release by a holder that does not hold the slot freed it")
	}
	if err := s.ReleasePoolSlot(ctx, "etherscan", a, "worker-a/1"); err != nil {
		t.Fatal(err)
	}
	if c, ok := take("worker-c/1"); !ok || c != a {
		t.Fatalf("after the release: slot %d %v, want %d", c, ok, a)
	}

	// A holder silent past the ttl: its slot goes to the next acquirer.
	if _, ok, err := s.AcquirePoolSlot(ctx, "scrape", 1, "dead/1", ttl); err != nil || !ok {
		t.Fatal(ok, err)
	}
	time.Sleep(30 * time.Millisecond)
	if _, ok, err := s.AcquirePoolSlot(ctx, "scrape", 1, "live/1", 10*time.Millisecond); err != nil || !ok {
		t.Fatalf("the stale slot was not taken over: %v %v", ok, err)
	}
	if err := s.HeartbeatPoolSlot(ctx, "scrape", 0, "dead/1"); !errors.Is(err, store.ErrNotOwner) {
		t.Errorf("the dead holder's heartbeat: %v, want ErrNotOwner", err)
	}

	// 12 holders race for a pool of 3: exactly 3 get slots, all different.
	var (
		mu  sync.Mutex
		got = map[int]string{}
		wg  sync.WaitGroup
	)
	for i := range 12 {
		wg.Go(func() {
			h := fmt.Sprintf("racer/%d", i)
			slot, ok, err := s.AcquirePoolSlot(ctx, "race", 3, h, ttl)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				if prev, dup := got[slot]; dup {
					t.Errorf("slot %d given to %s and %s", slot, prev, h)
				}
				got[slot] = h
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(got) != 3 {
		t.Errorf("%d of 12 racers got a slot of a pool of 3: %v", len(got), got)
	}
}
