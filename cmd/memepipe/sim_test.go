package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSimTruthJSON(t *testing.T) {
	r := memepipe(t, t.TempDir(), nil, "sim", "truth", "--seed", "3", "--tokens", "12", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var truth struct {
		Seed   int64 `json:"seed"`
		Tokens []struct{ Symbol string }
		Events []struct{ Kind, Token string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &truth); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	kinds := map[string]bool{}
	for _, e := range truth.Events {
		kinds[e.Kind] = true
	}
	if truth.Seed != 3 || len(truth.Tokens) != 12 || !kinds["pump_and_dump"] || !kinds["rug_pull"] {
		t.Errorf("seed %d, %d tokens, kinds %v", truth.Seed, len(truth.Tokens), kinds)
	}
	if bad := memepipe(t, t.TempDir(), nil, "sim", "truth", "--faults", "2"); bad.code != 2 {
		t.Errorf("unknown flag on truth: exit %d", bad.code)
	}
}

func TestSimServe(t *testing.T) {
	cmd := exec.Command(binary, "sim", "serve", "--tokens", "5", "--faults", "0")
	cmd.Env = cleanEnv(nil)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("no base URL in %q", line)
	}
	base := strings.TrimSpace(line[i:])
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/sim/watchlist")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var wl []struct{ Symbol, Address string }
	if err := json.Unmarshal(b, &wl); err != nil || len(wl) != 5 || !strings.HasPrefix(wl[0].Address, "0x") {
		t.Fatalf("watchlist: %v %s", err, b)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sim serve after SIGINT: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("sim serve did not stop on SIGINT")
	}
}
