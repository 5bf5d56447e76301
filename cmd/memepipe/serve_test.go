package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"memepipe/sim"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// memepipe serve as scripts and checks see it: it answers /healthz, the
// API, the UI and /metrics; trigger, backfill, pause and unpause reach it
// from the CLI; SIGTERM stops it cleanly with exit code 0.
func TestServeContract(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "memepipe.yaml"), `
pipelines:
  - name: memes
    schedule: "@hourly"
    timezone: Europe/Berlin
    max_active_runs: 2
    tasks:
      - {name: collect, command: ["sh", "-c", "echo collected $MEMEPIPE_INTERVAL_START"]}
      - {name: score, command: ["sh", "-c", "echo scored"], depends_on: [collect]}
  - name: daily
    interval: 24h
    tasks:
      - {name: rollup, command: ["true"]}
`)
	addr := freeAddr(t)
	env := cleanEnv([]string{"MEMEPIPE_DB=" + filepath.Join(dir, "serve.db"), "MEMEPIPE_SERVER=http://" + addr})
	cmd := exec.Command(binary, "serve", "--addr", addr)
	cmd.Dir, cmd.Env = dir, env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()
	base := "http://" + addr
	deadline := time.Now().Add(20 * time.Second)
	for {
		if code, _ := httpGet(t, base+"/healthz"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered /healthz\nstdout:\n%s\nstderr:\n%s", out.String(), errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, body := httpGet(t, base+"/api/v1/pipelines")
	var ps []map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &ps) != nil || len(ps) != 2 || ps[0]["name"] != "memes" || ps[0]["timezone"] != "Europe/Berlin" {
		t.Fatalf("pipelines: %d %s", code, body)
	}

	r := memepipe(t, dir, env, "trigger", "daily", "--json")
	var tr struct {
		ID      string `json:"id"`
		Created bool   `json:"created"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &tr) != nil || tr.ID == "" || !tr.Created {
		t.Fatalf("trigger: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var run map[string]any
	for deadline := time.Now().Add(20 * time.Second); ; {
		_, body := httpGet(t, base+"/api/v1/runs/"+tr.ID)
		if json.Unmarshal([]byte(body), &run) == nil && run["state"] == "success" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s: %s", tr.ID, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if tasks, _ := run["tasks"].([]any); len(tasks) != 1 || tasks[0].(map[string]any)["name"] != "rollup" {
		t.Errorf("run tasks: %v", run["tasks"])
	}
	code, body = httpGet(t, base+"/api/v1/runs?pipeline=daily")
	var runs []map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &runs) != nil || len(runs) != 1 || runs[0]["id"] != tr.ID {
		t.Errorf("runs?pipeline=daily: %d %s", code, body)
	}
	if code, body := httpGet(t, base+"/"); code != 200 || !strings.Contains(body, `<a href="/pipelines/memes">memes</a>`) {
		t.Errorf("overview: %d", code)
	}
	if code, body := httpGet(t, base+"/metrics"); code != 200 || !strings.Contains(body, `memepipe_runs_total{pipeline="daily",state="success"} 1`) {
		t.Errorf("metrics: %d", code)
	}

	if r := memepipe(t, dir, env, "pause", "memes"); r.code != 0 || r.stdout != "memes paused\n" {
		t.Errorf("pause: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := memepipe(t, dir, env, "unpause", "memes"); r.code != 0 || r.stdout != "memes unpaused\n" {
		t.Errorf("unpause: %d %q %s", r.code, r.stdout, r.stderr)
	}
	r = memepipe(t, dir, env, "backfill", "daily", "--from", "2026-11-01T00:00:00Z", "--to", "2026-11-04T00:00:00Z")
	if r.code != 0 || !strings.Contains(r.stdout, "3 intervals from 2026-11-01T00:00:00Z to 2026-11-04T00:00:00Z, 3 new runs") {
		t.Errorf("backfill: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r := memepipe(t, dir, env, "trigger", "nope"); r.code != 2 || !strings.Contains(r.stderr, `unknown pipeline "nope"`) {
		t.Errorf("trigger nope: %d %q", r.code, r.stderr)
	}
	if r := memepipe(t, dir, env, "backfill", "daily", "--from", "yesterday", "--to", "2026-11-04T00:00:00Z"); r.code != 2 {
		t.Errorf("backfill with a bad time: %d %q", r.code, r.stderr)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM\nstderr:\n%s", err, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of SIGTERM")
	}
	if !strings.Contains(out.String(), "memepipe: serving 2 pipelines on http://"+addr) {
		t.Errorf("stdout: %s", out.String())
	}
}

func TestServeRefusesOpenAddressWithoutToken(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "memepipe.yaml"), "pipelines: []\n")
	r := memepipe(t, dir, []string{"MEMEPIPE_DB=" + filepath.Join(dir, "x.db")}, "serve", "--addr", "0.0.0.0:0")
	if r.code != 2 || !strings.Contains(r.stderr, "refusing to serve on 0.0.0.0:0 without an API token") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = memepipe(t, dir, []string{"MEMEPIPE_DB=" + filepath.Join(dir, "x.db")}, "serve", "--addr", "nonsense")
	if r.code != 2 || !strings.Contains(r.stderr, `listen address "nonsense"`) {
		t.Errorf("bad addr: exit %d, stderr %q", r.code, r.stderr)
	}
}

// A collector run under serve reports its upstream requests and its waits
// for the source's rate limiter on /metrics (source/httpx's metrics hook
// wired to the Prometheus registry).
func TestServeCollectorMetrics(t *testing.T) {
	s := sim.New(sim.Options{Seed: 3, Tokens: 2})
	up := httptest.NewServer(s.Handler())
	defer up.Close()
	wl, err := yaml.Marshal(map[string]any{"watchlist": s.WatchlistAt(up.URL)})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// 20 requests a second, one at a time: every request after the first
	// waits for the limiter.
	writeFile(t, filepath.Join(dir, "memepipe.yaml"), string(wl)+`
sources:
  etherscan: {base_url: "`+sim.URLs(up.URL).Etherscan+`", rate: 20/s, burst: 1, timeout: 5s}
pipelines:
  - name: onchain
    interval: 1h
    tasks:
      - {name: collect_etherscan, type: collect.etherscan}
`)
	addr := freeAddr(t)
	cmd := exec.Command(binary, "serve", "--addr", addr)
	cmd.Dir = dir
	cmd.Env = cleanEnv([]string{"MEMEPIPE_DB=" + filepath.Join(dir, "serve.db"), "MEMEPIPE_RAW=file://" + filepath.Join(dir, "raw"),
		"MEMEPIPE_ETHERSCAN_API_KEY=test-key"})
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	base := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; {
		if code, _ := httpGet(t, base+"/healthz"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve never answered /healthz\n%s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Post(base+"/api/v1/pipelines/onchain/trigger", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var tr struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&tr)
	resp.Body.Close()
	if resp.StatusCode != 202 || tr.ID == "" {
		t.Fatalf("trigger: %d %+v", resp.StatusCode, tr)
	}
	var run struct{ State string }
	for deadline := time.Now().Add(60 * time.Second); ; {
		_, body := httpGet(t, base+"/api/v1/runs/"+tr.ID)
		if json.Unmarshal([]byte(body), &run) == nil && (run.State == "success" || run.State == "failed") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s: %s\n%s", tr.ID, body, errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if run.State != "success" {
		_, log := httpGet(t, base+"/api/v1/runs/"+tr.ID+"/tasks/collect_etherscan/logs")
		t.Fatalf("run %s %s:\n%s", tr.ID, run.State, log)
	}
	_, body := httpGet(t, base+"/metrics")
	ok200 := regexp.MustCompile(`(?m)^memepipe_api_requests_total\{source="etherscan\.[a-z]+",status="200"\} ([0-9]+)$`).FindAllStringSubmatch(body, -1)
	waits := regexp.MustCompile(`(?m)^memepipe_rate_limit_wait_seconds_count\{source="etherscan\.[a-z]+"\} ([0-9]+)$`).FindAllStringSubmatch(body, -1)
	total := func(ms [][]string) int {
		n := 0
		for _, m := range ms {
			v, _ := strconv.Atoi(m[1])
			n += v
		}
		return n
	}
	t.Logf("%d requests answered 200, %d rate-limit waits", total(ok200), total(waits))
	if total(ok200) < 2 || total(waits) < 1 || total(waits) >= total(ok200)+1 {
		t.Errorf("collector metrics: %d requests answered 200, %d rate-limit waits; metrics:\n%s", total(ok200), total(waits),
			grepLines(body, "memepipe_api_", "memepipe_rate_limit"))
	}
	if !strings.Contains(body, `memepipe_http_requests_total{route="POST /api/v1/pipelines/{name}/trigger",status="202"} 1`) {
		t.Errorf("serve's own request metrics lack the trigger:\n%s", grepLines(body, "memepipe_http_requests_total"))
	}
}

func grepLines(s string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}
