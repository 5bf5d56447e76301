package tasks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"memepipe/config"
	"memepipe/pipeline"
)

type echoParams struct {
	Word  string          `koanf:"word"`
	Every config.Duration `koanf:"every"`
}

func init() {
	Register("test.echo", func(d Deps, params map[string]any) (pipeline.Runner, error) {
		var p echoParams
		if err := DecodeParams(params, &p); err != nil {
			return nil, err
		}
		if p.Word == "" {
			return nil, errors.New("word is required")
		}
		return pipeline.RunnerFunc(func(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
			return pipeline.Result{RecordsOut: int64(len(p.Word))}, nil
		}), nil
	})
}

func loadCfg(t *testing.T, body string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "memepipe.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Path: path, Environ: []string{}})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

func TestBuildMapsConfigToDAG(t *testing.T) {
	cfg := loadCfg(t, `
pipelines:
  - name: p
    sla: 2h
    tasks:
      - {name: a, command: [python, collect.py], workdir: scripts, env: {MODE: fast}}
      - {name: b, type: test.echo, params: {word: hello}, depends_on: [a], retries: 2, retry_delay: 10ms, retry_max_delay: 1s, retry_multiplier: 3, retry_jitter: 0.5, timeout: 30s, sla: 1h, pool: etherscan, trigger_rule: all_done}
`)
	dags, err := Build(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	dag := dags["p"]
	if dag == nil || len(dag.Tasks) != 2 || dag.SLA != 2*time.Hour {
		t.Fatalf("dag %+v", dag)
	}
	if err := dag.Validate(); err != nil {
		t.Fatal(err)
	}
	a := dag.Tasks[0].Runner.(*Command)
	wantWD := filepath.Join(filepath.Dir(cfg.File), "scripts")
	if a.Workdir != wantWD || a.Argv[1] != "collect.py" || a.Env["MODE"] != "fast" {
		t.Errorf("command %+v, want workdir %s", a, wantWD)
	}
	b := dag.Tasks[1]
	want := pipeline.RetryPolicy{Attempts: 3, InitialDelay: 10 * time.Millisecond, MaxDelay: time.Second, Multiplier: 3, Jitter: 0.5}
	if b.Retry != want || b.Timeout != 30*time.Second || b.SLA != time.Hour || b.Pool != "etherscan" || b.Trigger != pipeline.AllDone || b.DependsOn[0] != "a" {
		t.Errorf("task b %+v", b)
	}
	res, err := b.Runner.Run(context.Background(), &pipeline.TaskContext{})
	if err != nil || res.RecordsOut != 5 {
		t.Errorf("built-in runner: %+v %v", res, err)
	}
}

func TestBuildErrorsHaveKeyPaths(t *testing.T) {
	cfg := loadCfg(t, `
pipelines:
  - name: p
    tasks:
      - {name: a, type: collect.nothing}
      - {name: b, type: test.echo, params: {wrd: hi, every: 5}}
      - {name: c, type: test.echo}
`)
	_, err := Build(cfg, Deps{})
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err %v", err)
	}
	want := []string{
		`pipelines[0].tasks[0].type: unknown task type "collect.nothing" (known: analyze.anomaly, analyze.risk, analyze.sentiment, clean, collect.dexscreener, collect.etherscan, collect.scrape, collect.twitter, collect.yahoo.chart, collect.yahoo.quote, score, test.echo)`,
		`pipelines[0].tasks[1].params.every: duration 5 has no unit: write 5s, 5m or 5h`,
		`pipelines[0].tasks[1].params.wrd: unknown key (did you mean "word"?)`,
		`pipelines[0].tasks[2].params: word is required`,
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if errs[i].Error() != w {
			t.Errorf("error %d = %q\nwant      %q", i, errs[i].Error(), w)
		}
	}
}

func TestWorkdirWithoutFileIsCurrentDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cfg, err := config.Load(config.Options{Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Pipelines = []config.Pipeline{{Name: "p", Tasks: []config.Task{{Name: "a", Command: []string{"true"}}}}}
	dag, err := BuildPipeline(cfg, "p", Deps{})
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if got := dag.Tasks[0].Runner.(*Command).Workdir; got != wd {
		t.Errorf("workdir %q, want %q", got, wd)
	}
	if _, err := BuildPipeline(cfg, "nope", Deps{}); err == nil || err.Error() != `no pipeline "nope" (configured: p)` {
		t.Errorf("err %v", err)
	}
}

// The README's worked example must stay a valid config.
func TestExampleConfigs(t *testing.T) {
	paths, _ := filepath.Glob("../examples/*/memepipe.yaml")
	if len(paths) == 0 {
		t.Fatal("no example configs found")
	}
	for _, p := range paths {
		cfg, err := config.Load(config.Options{Path: p, Environ: []string{}})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		dags, err := Build(cfg, Deps{})
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		for name, dag := range dags {
			if err := dag.Validate(); err != nil {
				t.Errorf("%s: pipeline %s: %v", p, name, err)
			}
		}
	}
}
