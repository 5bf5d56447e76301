package engine

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// taskLog is an attempt's log: the task's own output (TaskContext.Log, a
// command's stdout and stderr), its TaskContext.Logger lines, and the
// engine's start and end lines. It keeps only the last limit bytes: a chatty
// command must not fill the database, and the end of a log is where the
// error is. Writes from several goroutines are serialised.
type taskLog struct {
	mu      sync.Mutex
	buf     []byte
	limit   int
	dropped int64
	version int // bumped by every write, so heartbeats save only changed logs
	redact  func(string) string
}

func newTaskLog(limit int, redact func(string) string) *taskLog {
	return &taskLog{limit: limit, redact: redact}
}

func (l *taskLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	// Trim lazily, when twice the limit, so trimming is amortised O(1).
	if len(l.buf) > 2*l.limit {
		cut := len(l.buf) - l.limit
		l.dropped += int64(cut)
		l.buf = append(l.buf[:0], l.buf[cut:]...)
	}
	l.version++
	return len(p), nil
}

// engineLine appends one line of the engine's own, marked "engine:".
func (l *taskLog) engineLine(at time.Time, format string, args ...any) {
	fmt.Fprintf(l, "%s engine: %s\n", at.UTC().Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
}

func (l *taskLog) snapshot() (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, dropped := l.buf, l.dropped
	if len(b) > l.limit {
		dropped += int64(len(b) - l.limit)
		b = b[len(b)-l.limit:]
	}
	// Do not start in the middle of a UTF-8 sequence.
	for dropped > 0 && len(b) > 0 && !utf8.RuneStart(b[0]) {
		b = b[1:]
		dropped++
	}
	var s strings.Builder
	if dropped > 0 {
		fmt.Fprintf(&s, "[memepipe: %d earlier bytes dropped; each attempt keeps the last %d bytes of its log]\n", dropped, l.limit)
	}
	// PostgreSQL text rejects NUL and invalid UTF-8; a command may print either.
	s.WriteString(strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "\uFFFD"))
	// Redacting the whole snapshot, not each write, catches a secret that
	// a command wrote in two pieces.
	return l.redact(s.String()), l.version
}

func (l *taskLog) String() string {
	s, _ := l.snapshot()
	return s
}
