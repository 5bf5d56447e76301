package engine

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ownerGone reports whether owner ("host:pid") names a process on this host
// that no longer exists. It answers false when it cannot tell (another
// host, a name not shaped host:pid): then only the heartbeat age decides.
func ownerGone(owner string) bool {
	host, pidText, ok := cutLast(owner, ":")
	if !ok {
		return false
	}
	me, err := os.Hostname()
	if err != nil || host != me {
		return false
	}
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return false
	}
	// Signal 0 checks existence. EPERM means it exists under another user.
	// A reused pid makes a dead owner look alive: then the heartbeat age
	// decides, which is only slower.
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
