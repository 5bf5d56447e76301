package storetest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"memepipe/analytics"
	"memepipe/store"
)

// checkpointState is n bytes of a fixed pseudo-random sequence led by zero
// bytes, invalid UTF-8 and a quote, with every tenth byte zero: what a text
// column would mangle or reject.
func checkpointState(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x636b7074))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
		if i%10 == 9 {
			b[i] = 0
		}
	}
	copy(b, []byte{0, 0, 0xff, 0xfe, '\'', 0, 'x', 0xc3})
	return b
}

// descCheckpoint names a checkpoint briefly in failures (not its state).
func descCheckpoint(c analytics.Checkpoint, ok bool) string {
	if !ok {
		return "none"
	}
	return fmt.Sprintf("{%s %s as of %s, %d rows, %d bytes}", c.Kind, c.Token, c.AsOf.Format(time.RFC3339Nano), c.Rows, len(c.State))
}

func testCheckpoints(t *testing.T, s store.Store) {
	ctx := context.Background()
	const kind, tok = "risk.chain", "ethereum:0x6982508145454ce325ddbe47a25d4ec3d2311933"
	// Checkpoint times are given off the microsecond and outside UTC; the
	// store keeps them at the microsecond, in UTC.
	east := time.FixedZone("UTC+5", 5*3600)
	at := func(h int) time.Time { return t0.Add(time.Duration(h)*time.Hour + 123456789*time.Nanosecond).In(east) }
	stored := func(h int) time.Time { return t0.Add(time.Duration(h)*time.Hour + 123456*time.Microsecond) }

	latest := func(kind, token string, notAfter time.Time) (analytics.Checkpoint, bool) {
		t.Helper()
		c, ok, err := s.LatestCheckpoint(ctx, kind, token, notAfter)
		if err != nil {
			t.Fatalf("LatestCheckpoint(%s, %s, %s): %v", kind, token, notAfter.Format(time.RFC3339Nano), err)
		}
		return c, ok
	}
	// expect fails t unless the latest checkpoint of kind and token at
	// notAfter is want (nil: none), state included.
	expect := func(what, kind, token string, notAfter time.Time, want *analytics.Checkpoint) {
		t.Helper()
		got, ok := latest(kind, token, notAfter)
		if want == nil {
			if ok {
				t.Errorf("%s: got %s, want none", what, descCheckpoint(got, ok))
			}
			return
		}
		if !ok || got.Kind != want.Kind || got.Token != want.Token || !got.AsOf.Equal(want.AsOf) || got.Rows != want.Rows {
			t.Errorf("%s: got %s, want %s", what, descCheckpoint(got, ok), descCheckpoint(*want, true))
			return
		}
		if got.AsOf.Location() != time.UTC {
			t.Errorf("%s: as_of in %s, want UTC", what, got.AsOf.Location())
		}
		if got.State == nil || !bytes.Equal(got.State, want.State) {
			i := 0
			for i < len(got.State) && i < len(want.State) && got.State[i] == want.State[i] {
				i++
			}
			t.Errorf("%s: state of %d bytes (nil %v), want %d bytes; first difference at byte %d", what, len(got.State), got.State == nil, len(want.State), i)
		}
	}

	expect("empty store", kind, tok, time.Time{}, nil)

	// Three checkpoints, one of about a megabyte, one empty.
	c1 := analytics.Checkpoint{Kind: kind, Token: tok, AsOf: at(1), Rows: 1_000, State: checkpointState(1, 1<<20+17)}
	c2 := analytics.Checkpoint{Kind: kind, Token: tok, AsOf: at(2), Rows: 0, State: nil}
	c3 := analytics.Checkpoint{Kind: kind, Token: tok, AsOf: at(3), Rows: 1 << 40, State: checkpointState(3, 4096)}
	for _, c := range []analytics.Checkpoint{c3, c1, c2} { // out of order: the latest is by as_of
		if err := s.PutCheckpoint(ctx, c); err != nil {
			t.Fatalf("PutCheckpoint(%s): %v", descCheckpoint(c, true), err)
		}
	}
	// The caller's buffer is not kept: changing it after the put changes
	// nothing stored.
	want1 := c1
	want1.AsOf, want1.State = stored(1), bytes.Clone(c1.State)
	c1.State[5] = 0xaa
	want2 := c2
	want2.AsOf, want2.State = stored(2), []byte{}
	want3 := c3
	want3.AsOf = stored(3)

	expect("zero notAfter", kind, tok, time.Time{}, &want3)
	expect("after the last", kind, tok, stored(9), &want3)
	expect("at the last", kind, tok, stored(3), &want3)
	expect("a nanosecond before the last", kind, tok, stored(3).Add(-time.Nanosecond), &want2)
	expect("between", kind, tok, stored(2).Add(30*time.Minute), &want2)
	expect("at the first, given in another zone", kind, tok, stored(1).In(east), &want1)
	expect("half a microsecond after the first", kind, tok, stored(1).Add(500*time.Nanosecond), &want1)
	expect("before the first", kind, tok, stored(1).Add(-time.Microsecond), nil)
	expect("another token", kind, "PEPE", time.Time{}, nil)
	expect("another kind", "risk.pair", tok, time.Time{}, nil)
	// A returned state is the caller's: changing it changes nothing stored.
	if got, ok := latest(kind, tok, stored(1)); ok && len(got.State) > 0 {
		got.State[0] = 0x55
	}
	expect("after the reader changed its copy", kind, tok, stored(1), &want1)

	// Same (kind, token, as_of), to the microsecond: replaced.
	re2 := analytics.Checkpoint{Kind: kind, Token: tok, AsOf: stored(2).Add(999 * time.Nanosecond), Rows: 2_500, State: []byte{0}}
	if err := s.PutCheckpoint(ctx, re2); err != nil {
		t.Fatal(err)
	}
	want2 = analytics.Checkpoint{Kind: kind, Token: tok, AsOf: stored(2), Rows: 2_500, State: []byte{0}}
	expect("replaced", kind, tok, stored(2), &want2)
	expect("first after a replace", kind, tok, stored(1), &want1)
	expect("latest after a replace", kind, tok, time.Time{}, &want3)

	// Another token's and another kind's checkpoints, older than all of
	// tok's: pruning tok never touches them.
	other := analytics.Checkpoint{Kind: kind, Token: "PEPE", AsOf: at(0), Rows: 7, State: []byte("pepe\x00")}
	otherKind := analytics.Checkpoint{Kind: "risk.pair", Token: tok, AsOf: at(0), Rows: 9, State: []byte("pair\x00")}
	for _, c := range []analytics.Checkpoint{other, otherKind} {
		if err := s.PutCheckpoint(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	other.AsOf, otherKind.AsOf = stored(0), stored(0)

	// A fourth: the oldest (c1) goes, the newest three stay.
	c4 := analytics.Checkpoint{Kind: kind, Token: tok, AsOf: at(4), Rows: 4_000, State: checkpointState(4, 300_000)}
	if err := s.PutCheckpoint(ctx, c4); err != nil {
		t.Fatal(err)
	}
	want4 := c4
	want4.AsOf = stored(4)
	expect("pruned first", kind, tok, stored(1).Add(30*time.Minute), nil)
	expect("second kept", kind, tok, stored(2), &want2)
	expect("third kept", kind, tok, stored(3), &want3)
	expect("fourth", kind, tok, time.Time{}, &want4)
	expect("other token kept", kind, "PEPE", time.Time{}, &other)
	expect("other kind kept", "risk.pair", tok, time.Time{}, &otherKind)

	// One older than the newest three is not kept either.
	if err := s.PutCheckpoint(ctx, analytics.Checkpoint{Kind: kind, Token: tok, AsOf: at(-5), Rows: 1, State: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	expect("an old one put after three newer", kind, tok, stored(-5), nil)
	expect("second still kept", kind, tok, stored(2), &want2)

	// Replacing one of the three keeps all three.
	want3.Rows, want3.State = 3_333, []byte{3, 0, 3}
	if err := s.PutCheckpoint(ctx, analytics.Checkpoint{Kind: kind, Token: tok, AsOf: at(3), Rows: want3.Rows, State: want3.State}); err != nil {
		t.Fatal(err)
	}
	expect("second after replacing the third", kind, tok, stored(2), &want2)
	expect("third replaced", kind, tok, stored(3), &want3)
	expect("fourth after replacing the third", kind, tok, time.Time{}, &want4)

	// Ten more for another token: only its last three remain.
	for h := range 10 {
		if err := s.PutCheckpoint(ctx, analytics.Checkpoint{Kind: kind, Token: "DOGE", AsOf: at(h), Rows: int64(h), State: []byte{byte(h)}}); err != nil {
			t.Fatal(err)
		}
	}
	for h := range 10 {
		got, ok := latest(kind, "DOGE", stored(h))
		switch {
		case h < 7 && ok:
			t.Errorf("DOGE at hour %d: got %s, want none (pruned)", h, descCheckpoint(got, ok))
		case h >= 7 && (!ok || !got.AsOf.Equal(stored(h)) || got.Rows != int64(h) || !bytes.Equal(got.State, []byte{byte(h)})):
			t.Errorf("DOGE at hour %d: got %s, want hour %d's", h, descCheckpoint(got, ok), h)
		}
	}
	expect("PEPE after DOGE's puts", kind, "PEPE", time.Time{}, &other)
	expect("tok after DOGE's puts", kind, tok, time.Time{}, &want4)

	// Invalid checkpoints are refused and store nothing.
	for name, c := range map[string]analytics.Checkpoint{
		"empty kind":    {Token: "SHIB", AsOf: at(1), Rows: 1},
		"blank kind":    {Kind: "  ", Token: "SHIB", AsOf: at(1), Rows: 1},
		"empty token":   {Kind: kind, AsOf: at(1), Rows: 1},
		"zero as_of":    {Kind: kind, Token: "SHIB", Rows: 1},
		"negative rows": {Kind: kind, Token: "SHIB", AsOf: at(1), Rows: -1},
	} {
		if err := s.PutCheckpoint(ctx, c); err == nil {
			t.Errorf("PutCheckpoint(%s): no error", name)
		}
	}
	expect("after the refused puts", kind, "SHIB", time.Time{}, nil)
	for _, k := range [][2]string{{"", tok}, {kind, ""}} {
		if _, _, err := s.LatestCheckpoint(ctx, k[0], k[1], time.Time{}); err == nil {
			t.Errorf("LatestCheckpoint(%q, %q): no error", k[0], k[1])
		}
	}
}

// testDeleteCheckpoints: DeleteCheckpoints removes the checkpoints strictly
// after its time, of every kind and token, and says how many.
func testDeleteCheckpoints(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	for _, kind := range []string{"risk.chain", "anomaly.holders"} {
		for _, tok := range []string{"ethereum:0xaa", "ethereum:0xbb"} {
			for h := 1; h <= 3; h++ {
				if err := s.PutCheckpoint(ctx, analytics.Checkpoint{Kind: kind, Token: tok, AsOf: at(h), Rows: int64(h), State: []byte{byte(h)}}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	n, err := s.DeleteCheckpoints(ctx, at(2))
	if err != nil || n != 4 {
		t.Fatalf("DeleteCheckpoints(after hour 2) = %d, %v; want the 4 at hour 3", n, err)
	}
	for _, kind := range []string{"risk.chain", "anomaly.holders"} {
		for _, tok := range []string{"ethereum:0xaa", "ethereum:0xbb"} {
			c, ok, err := s.LatestCheckpoint(ctx, kind, tok, time.Time{})
			if err != nil || !ok || !c.AsOf.Equal(at(2)) {
				t.Errorf("%s %s: latest %s, want hour 2", kind, tok, descCheckpoint(c, ok))
			}
		}
	}
	if n, err := s.DeleteCheckpoints(ctx, at(0)); err != nil || n != 8 {
		t.Fatalf("DeleteCheckpoints(after hour 0) = %d, %v; want the 8 left", n, err)
	}
	if c, ok, err := s.LatestCheckpoint(ctx, "risk.chain", "ethereum:0xaa", time.Time{}); err != nil || ok {
		t.Errorf("after deleting all: %s, %v", descCheckpoint(c, ok), err)
	}
}

// testCheckpointsConcurrentPuts: puts racing on one kind and token leave
// exactly the newest three.
func testCheckpointsConcurrentPuts(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	for round := range 5 {
		tok := fmt.Sprintf("ethereum:0x%02d", round)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for h := 1; h <= 8; h++ {
			wg.Go(func() {
				errs <- s.PutCheckpoint(ctx, analytics.Checkpoint{Kind: "risk.chain", Token: tok, AsOf: at(h), State: []byte{byte(h)}})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if c, ok, err := s.LatestCheckpoint(ctx, "risk.chain", tok, at(5)); err != nil || ok {
			t.Fatalf("round %d: a checkpoint older than the newest three survived: %s, %v", round, descCheckpoint(c, ok), err)
		}
		for h := 6; h <= 8; h++ {
			if c, ok, err := s.LatestCheckpoint(ctx, "risk.chain", tok, at(h)); err != nil || !ok || !c.AsOf.Equal(at(h)) {
				t.Fatalf("round %d: hour %d: %s, %v", round, h, descCheckpoint(c, ok), err)
			}
		}
	}
}
