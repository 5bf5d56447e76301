// Package sourcetest helps the collectors' tests: an in-memory watermark
// store, the real API samples, captured logs, and a sweep that proves a
// secret went nowhere.
package sourcetest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"memepipe/internal/shareddata"
	"memepipe/raw"
)

// Watermarks is an in-memory store.Watermarks that remembers every write.
type Watermarks struct {
	mu   sync.Mutex
	vals map[string]string
	// Sets lists "source/key=value" writes in order.
	Sets []string
}

// NewWatermarks returns an empty store.
func NewWatermarks() *Watermarks { return &Watermarks{vals: map[string]string{}} }

func (w *Watermarks) GetWatermark(_ context.Context, source, key string) (string, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.vals[source+"/"+key]
	return v, ok, nil
}

func (w *Watermarks) SetWatermark(_ context.Context, source, key, value string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.vals[source+"/"+key] = value
	w.Sets = append(w.Sets, source+"/"+key+"="+value)
	return nil
}

// Get returns a watermark ("" when unset).
func (w *Watermarks) Get(source, key string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.vals[source+"/"+key]
}

// Dump is every watermark as text, for secret sweeps.
func (w *Watermarks) Dump() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return fmt.Sprint(w.vals, w.Sets)
}

// Sample reads a file of the shared real samples (api-samples/...).
func Sample(t testing.TB, elem ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(shareddata.Path(t, append([]string{"api-samples"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Logs is a debug-level slog logger writing into a buffer.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Logger returns a logger that writes to l.
func (l *Logs) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// MemZone opens an in-memory raw zone.
func MemZone(t testing.TB) *raw.Zone {
	t.Helper()
	z, err := raw.Open(context.Background(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { z.Close() })
	return z
}

// AssertNoSecret fails if text contains secret.
func AssertNoSecret(t testing.TB, secret, where, text string) {
	t.Helper()
	if secret != "" && strings.Contains(text, secret) {
		i := strings.Index(text, secret)
		lo, hi := max(0, i-80), min(len(text), i+len(secret)+40)
		t.Fatalf("secret found in %s: …%s…", where, text[lo:hi])
	}
}

// AssertZoneClean reads every object in z, rejected pages included, and
// fails if the secret appears in any key, metadata field or body. It
// returns the number of accepted objects.
func AssertZoneClean(t testing.TB, z *raw.Zone, secret string) int {
	t.Helper()
	n := 0
	for info, err := range z.List(context.Background(), raw.Filter{WithMeta: true}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		assertObjectClean(t, z, info.Key, secret)
	}
	for info, err := range z.List(context.Background(), raw.Filter{Rejected: true}) {
		if err != nil {
			t.Fatal(err)
		}
		assertObjectClean(t, z, info.Key, secret)
	}
	return n
}

func assertObjectClean(t testing.TB, z *raw.Zone, key, secret string) {
	t.Helper()
	obj, err := z.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	AssertNoSecret(t, secret, "raw key", key)
	AssertNoSecret(t, secret, "raw metadata of "+key, fmt.Sprintf("%+v", obj.Meta))
	AssertNoSecret(t, secret, "raw body of "+key, string(obj.Body))
}
