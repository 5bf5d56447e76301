package temporal

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// taskLog is one attempt's log as the store keeps it: the task's output
// and the worker's own lines, bounded to the last limit bytes (the end of a
// log is where the error is), redacted, valid UTF-8 without NULs (what
// PostgreSQL text accepts). It is the engine's attempt log, kept the same
// way so `memepipe runs logs` reads Temporal attempts like local ones.
type taskLog struct {
	mu      sync.Mutex
	buf     []byte
	limit   int
	dropped int64
	version int
	redact  func(string) string
}

func newTaskLog(limit int, redact func(string) string) *taskLog {
	if limit <= 0 {
		limit = 1 << 20
	}
	if redact == nil {
		redact = func(s string) string { return s }
	}
	return &taskLog{limit: limit, redact: redact}
}

func (l *taskLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) > 2*l.limit {
		cut := len(l.buf) - l.limit
		l.dropped += int64(cut)
		l.buf = append(l.buf[:0], l.buf[cut:]...)
	}
	l.version++
	return len(p), nil
}

// line appends a line of the worker's own, marked "worker:".
func (l *taskLog) line(at time.Time, format string, args ...any) {
	fmt.Fprintf(l, "%s worker: %s\n", at.UTC().Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
}

// snapshot returns the log and its version (bumped by every write).
func (l *taskLog) snapshot() (string, int) {
	l.mu.Lock()
	b, dropped, v := l.buf, l.dropped, l.version
	if len(b) > l.limit {
		dropped += int64(len(b) - l.limit)
		b = b[len(b)-l.limit:]
	}
	for dropped > 0 && len(b) > 0 && !utf8.RuneStart(b[0]) {
		b = b[1:]
		dropped++
	}
	s := string(b)
	l.mu.Unlock()
	var out strings.Builder
	if dropped > 0 {
		fmt.Fprintf(&out, "[memepipe: %d earlier bytes dropped; each attempt keeps the last %d bytes of its log]\n", dropped, l.limit)
	}
	out.WriteString(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD"))
	return l.redact(out.String()), v
}

func (l *taskLog) String() string {
	s, _ := l.snapshot()
	return s
}
