package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"memepipe/pipeline"
)

// write puts a config file in a temp dir and returns its path.
func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "memepipe.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, body string, env ...string) (*Config, error) {
	t.Helper()
	if env == nil {
		env = []string{}
	}
	return Load(Options{Path: write(t, body), Environ: env})
}

const contract = `
pipelines:
  - name: demo
    tasks:
      - name: a
        command: ["true"]
      - name: b
        command: ["sh", "-c", "exit 1"]
        depends_on: [a]
        retries: 2
        retry_delay: 10ms
      - name: c
        command: ["true"]
        depends_on: [b]
`

func TestContractConfigLoads(t *testing.T) {
	cfg, err := load(t, contract)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if got := cfg.PipelineNames(); len(got) != 1 || got[0] != "demo" {
		t.Fatalf("pipelines = %v, want [demo] (the file replaces the default pipelines)", got)
	}
	p, _ := cfg.Pipeline("demo")
	if p.Interval.D() != time.Hour || p.Timezone != "UTC" {
		t.Errorf("interval %s timezone %q, want 1h UTC", p.Interval, p.Timezone)
	}
	b := p.Tasks[1]
	if b.Retries != 2 || b.RetryDelay.D() != 10*time.Millisecond {
		t.Errorf("b retries %d delay %s, want 2 10ms", b.Retries, b.RetryDelay)
	}
	// task_defaults fill what b did not write.
	if b.RetryMaxDelay.D() != 5*time.Minute || b.RetryMultiplier != 2 || b.RetryJitter != 0.2 || b.Timeout.D() != time.Hour {
		t.Errorf("b defaults: max %s mult %v jitter %v timeout %s", b.RetryMaxDelay, b.RetryMultiplier, b.RetryJitter, b.Timeout)
	}
	if got := strings.Join(b.Command, " "); got != "sh -c exit 1" {
		t.Errorf("b command %q", got)
	}
}

func TestNoFileUsesEmbeddedDefaults(t *testing.T) {
	t.Chdir(t.TempDir()) // no memepipe.yaml here
	cfg, err := Load(Options{Environ: []string{}})
	if err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if cfg.File != "" || cfg.DB != "./memepipe.db" || cfg.Raw != "file://./data/raw" || cfg.MaxParallel != 8 {
		t.Errorf("file %q db %q raw %q max_parallel %d", cfg.File, cfg.DB, cfg.Raw, cfg.MaxParallel)
	}
	if got := strings.Join(cfg.PipelineNames(), ","); got != "social,onchain,market,analytics" {
		t.Fatalf("default pipelines %s", got)
	}
	if a, _ := cfg.Pipeline("analytics"); len(a.Tasks) != 4 || a.Tasks[3].Type != "score" || a.Tasks[3].DependsOn[0] != "risk" || len(a.Tasks[2].DependsOn) != 2 {
		t.Fatalf("analytics pipeline: %+v", a)
	}
	if cfg.Score.CSVPath != "./out/integrated_scores.csv" || cfg.Score.Weights.Risk != 0.35 || cfg.Score.Caps["only_owner_sells"] != 5 {
		t.Errorf("score config %+v", cfg.Score)
	}
	p, _ := cfg.Pipeline("market")
	if len(p.Tasks) != 5 || p.Schedule != "@hourly" || p.Tasks[4].Type != "clean" || len(p.Tasks[4].DependsOn) != 4 || p.Tasks[0].Pool != "yahoo" || p.Tasks[1].Pool != "yahoo" {
		t.Fatalf("market pipeline: %+v", p)
	}
	if len(cfg.Watchlist) != 0 || cfg.Sources.DexScreener.BaseURL != "https://api.dexscreener.com" || cfg.Sources.Etherscan.Daily != 100000 {
		t.Errorf("watchlist %d tokens, dexscreener %q, etherscan daily %d", len(cfg.Watchlist), cfg.Sources.DexScreener.BaseURL, cfg.Sources.Etherscan.Daily)
	}
	if cfg.Sources.Twitter.Rate.String() != "450/15m" || cfg.Sources.Etherscan.Rate.PerSecond() != 3 {
		t.Errorf("source rates %s %s", cfg.Sources.Twitter.Rate, cfg.Sources.Etherscan.Rate)
	}
}

func TestMemepipeYAMLInWorkingDirectoryIsRead(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("memepipe.yaml", []byte("db: here.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Options{Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "here.db" || cfg.File != "memepipe.yaml" {
		t.Errorf("db %q file %q", cfg.DB, cfg.File)
	}
	// --demo ignores it.
	cfg, err = Load(Options{DefaultsOnly: true, Environ: []string{}})
	if err != nil || cfg.DB != "./memepipe.db" || cfg.File != "" {
		t.Errorf("defaults only: db %q file %q err %v", cfg.DB, cfg.File, err)
	}
}

func TestMissingExplicitFile(t *testing.T) {
	_, err := Load(Options{Path: filepath.Join(t.TempDir(), "nope.yaml"), Environ: []string{}})
	if err == nil || !strings.Contains(err.Error(), "nope.yaml does not exist") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidationErrorsHaveKeyPaths(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string // each must appear as a line of the error
	}{
		{"unknown dependency", `
pipelines:
  - name: p
    tasks:
      - {name: clean, command: ["true"]}
      - {name: collect, command: ["true"]}
      - {name: score, command: ["true"], depends_on: [clen]}
`, []string{`pipelines[0].tasks[2].depends_on: unknown task "clen" (did you mean "clean"?)`}},
		{"duplicate task", `
pipelines:
  - name: p
    tasks:
      - {name: a, command: ["true"]}
      - {name: a, command: ["true"]}
`, []string{`pipelines[0].tasks[1].name: duplicate task name "a"`}},
		{"cycle", `
pipelines:
  - name: p
    tasks:
      - {name: a, command: ["true"], depends_on: [b]}
      - {name: b, command: ["true"], depends_on: [a]}
`, []string{`pipelines[0].tasks: dependency cycle: ` + cycleName("a", "b")}},
		{"bad durations", `
pipelines:
  - name: p
    interval: 1 hour
    tasks:
      - {name: a, command: ["true"], timeout: 30, retry_delay: 5x}
`, []string{
			`pipelines[0].interval: invalid duration "1 hour": use a number and a unit, as in 500ms, 30s, 5m, 1h30m or 7d`,
			`pipelines[0].tasks[0].timeout: duration 30 has no unit: write 30s, 30m or 30h`,
			`pipelines[0].tasks[0].retry_delay: invalid duration "5x": use a number and a unit, as in 500ms, 30s, 5m, 1h30m or 7d`,
		}},
		{"negative windows", `
pipelines:
  - name: p
    sla: -1m
    freshness: -2h
    tasks:
      - {name: a, command: ["true"]}
`, []string{`pipelines[0].sla: must not be negative`, `pipelines[0].freshness: must not be negative`}},
		{"secrets in file", `
sources:
  etherscan:
    api_key: ABCDEF123
  twitter:
    bearer_token: AAAA
pipelines:
  - name: p
    tasks:
      - name: a
        command: [python, collect.py]
        env: {DISCORD_TOKEN: xyz, TOKEN_FILE: /run/secrets/t, LOG_LEVEL: debug}
alerts:
  notifiers:
    - {name: hook, type: webhook, url: "https://example.com/hook", secret_env: HOOK_SECRET, password: hunter2}
`, []string{
			`sources.etherscan.api_key: looks like a secret, and secrets may not be written in the config file: set MEMEPIPE_ETHERSCAN_API_KEY (or MEMEPIPE_ETHERSCAN_API_KEY_FILE) in the environment instead`,
			`sources.twitter.bearer_token: looks like a secret, and secrets may not be written in the config file: set MEMEPIPE_TWITTER_BEARER_TOKEN (or MEMEPIPE_TWITTER_BEARER_TOKEN_FILE) in the environment instead`,
			`pipelines[0].tasks[0].env.DISCORD_TOKEN: looks like a secret`,
			`alerts.notifiers[0].password: looks like a secret`,
		}},
		{"unknown keys", `
max_paralel: 3
pipelines:
  - name: p
    tasks:
      - {name: a, command: ["true"], dependson: [b], retires: 3}
`, []string{
			`max_paralel: unknown key (did you mean "max_parallel"?)`,
			`pipelines[0].tasks[0].dependson: unknown key (did you mean "depends_on"?)`,
			`pipelines[0].tasks[0].retires: unknown key (did you mean "retries"?)`,
		}},
		{"bad watchlist", `
watchlist:
  - {symbol: PEPE, chain: ethereum, address: "0x6982508145454Ce325dDbE47a25d4ec3d231193"}
  - {symbol: DEAD, chain: ethereum, address: 0x000000000000000000000000000000000000dEaD, decimals: 18}
  - {symbol: DEAD2, chain: ethereum, address: 0x000000000000000000000000000000000000dead}
  - {symbol: "", address: "0x6982508145454Ce325dDbE47a25d4ec3d2311933"}
`, []string{
			`watchlist[0].address: address "0x6982508145454Ce325dDbE47a25d4ec3d231193" is not a 0x-prefixed 20-byte hex address`,
			`watchlist[2]: same token as watchlist[1] (ethereum:0x000000000000000000000000000000000000dead)`,
			`watchlist[3].symbol: symbol is empty`,
			`watchlist[3].chain: address given without chain`,
		}},
		{"task shape", `
pools: {twitter: 0}
pipelines:
  - name: p
    schedule: "61 * * * *"
    timezone: Mars/Olympus
    tasks:
      - {name: a}
      - {name: b, command: [x], type: collect.twitter}
      - {name: c, command: [x], trigger_rule: any_success, retries: -1, retry_jitter: 2, pool: twiter}
      - {name: "d e", type: collect.twitter, workdir: /tmp}
`, []string{
			`pools.twitter: pool size must be at least 1, got 0`,
			`pipelines[0].schedule: schedule "61 * * * *": end of range (61) above maximum (59): 61 (want 5 fields "min hour dom month dow", a macro like @hourly, or "@every 15m")`,
			`pipelines[0].timezone: unknown time zone "Mars/Olympus" (want an IANA name such as UTC or America/New_York)`,
			`pipelines[0].tasks[0]: set command (an external program) or type (a built-in task)`,
			`pipelines[0].tasks[1]: set either command or type, not both`,
			`pipelines[0].tasks[2].retries: must be between 0 and 100, got -1`,
			`pipelines[0].tasks[2].retry_jitter: must be between 0 and 1 (a fraction of the delay), got 2`,
			`pipelines[0].tasks[2].pool: unknown pool "twiter" (did you mean "twitter"?)`,
			`pipelines[0].tasks[2].trigger_rule: unknown trigger rule "any_success" (want all_success, all_done or one_success)`,
			`pipelines[0].tasks[3].name: "d e": use letters, digits, _, . and - only`,
			`pipelines[0].tasks[3].workdir: only applies to command tasks`,
		}},
		{"alerts and schedules", `
alerts:
  renotify_after: 4 hours
  notifiers:
    - {name: team, type: slack, url_env: SLACK_URL}
  routes:
    - {notifiers: [team, pager]}
pipelines:
  - {name: p, schedule: "@hourly", interval: 1h, overlap: queue, tasks: [{name: a, command: ["true"]}]}
`, []string{
			`alerts.renotify_after: invalid duration "4 hours": use a number and a unit, as in 500ms, 30s, 5m, 1h30m or 7d`,
			`alerts.routes[0].notifiers: unknown notifier "pager"`,
			`pipelines[0].interval: a scheduled pipeline's data interval runs from one schedule slot to the next; remove interval (or schedule)`,
			`pipelines[0].overlap: unknown overlap policy "queue" (want skip, buffer_one or allow)`,
		}},
		{"wrong types", `
max_parallel: many
log: json
pipelines:
  - name: p
    tasks:
      - {name: a, command: "python collect.py"}
`, []string{
			`max_parallel: expected a whole number, got "many"`,
			`log: expected a map of keys to values, got "json"`,
			`pipelines[0].tasks[0].command: expected a list, got "python collect.py"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.body)
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("want config.Errors, got %v", err)
			}
			lines := map[string]bool{}
			for _, e := range errs {
				lines[FieldError{Path: e.Path, Msg: e.Msg}.Error()] = true
			}
			for _, w := range tt.want {
				found := lines[w]
				if !found && strings.HasSuffix(w, "looks like a secret") {
					for l := range lines {
						found = found || strings.HasPrefix(l, w)
					}
				}
				if !found {
					t.Errorf("missing error %q\ngot:\n%v", w, err)
				}
			}
			if len(errs) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(errs), len(tt.want), err)
			}
		})
	}
}

func TestErrorsCarryFileAndLine(t *testing.T) {
	path := write(t, "db: x.db\npipelines:\n  - name: p\n    tasks:\n      - name: a\n        command: [\"true\"]\n        depends_on: [nope]\n")
	_, err := Load(Options{Path: path, Environ: []string{}})
	want := path + `:7: pipelines[0].tasks[0].depends_on: unknown task "nope"`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}

func TestSecretValueNeverInErrors(t *testing.T) {
	_, err := load(t, "sources:\n  etherscan:\n    api_key: S3CR3TVALUE\n")
	if err == nil || strings.Contains(err.Error(), "S3CR3TVALUE") {
		t.Fatalf("err = %v", err)
	}
}

func TestLooksSecret(t *testing.T) {
	for key, want := range map[string]bool{
		"token": true, "access_token": true, "bearerToken": true, "api_key": true, "apiKey": true,
		"X-Api-Key": true, "password": true, "client_secret": true, "secrets": true,
		"secret_env": false, "token_file": false, "tokens": false, "token_symbol": false,
		"max_tokens": false, "key": false, "base_url": false, "pair": false,
	} {
		if got := looksSecret(key); got != want {
			t.Errorf("looksSecret(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	cfg, err := load(t, "db: file.db\nmax_parallel: 2\nlog: {level: debug}\n",
		"MEMEPIPE_DB=postgres://u@h/db",
		"MEMEPIPE_MAX_PARALLEL=16",
		"MEMEPIPE_LOG_FORMAT=text",
		"MEMEPIPE_POOL_TWITTER=3",
		"MEMEPIPE_POOL_NEWAPI=4",
		"MEMEPIPE_ETHERSCAN_BASE_URL=http://127.0.0.1:9999/v2/api",
		"MEMEPIPE_TWITTER_RATE=300/15m",
		"MEMEPIPE_RUN_ID=r1",     // set for command tasks: not a typo
		"MEMEPIPE_MAXPARALLEL=1", // a typo: warned, ignored
		"OTHER_DB=ignored",
	)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "postgres://u@h/db" || cfg.MaxParallel != 16 || cfg.Log.Level != "debug" || cfg.Log.Format != "text" {
		t.Errorf("db %q max_parallel %d log %+v", cfg.DB, cfg.MaxParallel, cfg.Log)
	}
	if cfg.Pools["twitter"] != 3 || cfg.Pools["newapi"] != 4 || cfg.Pools["etherscan"] != 2 {
		t.Errorf("pools %v", cfg.Pools)
	}
	if cfg.Sources.Etherscan.BaseURL != "http://127.0.0.1:9999/v2/api" || cfg.Sources.Etherscan.Rate.String() != "3/s" {
		t.Errorf("etherscan %+v", cfg.Sources.Etherscan)
	}
	if cfg.Sources.Twitter.Rate != (Rate{300, 15 * time.Minute}) {
		t.Errorf("twitter rate %v", cfg.Sources.Twitter.Rate)
	}
	if len(cfg.Warnings) != 1 || cfg.Warnings[0] != "MEMEPIPE_MAXPARALLEL is not a memepipe variable; ignored (did you mean MEMEPIPE_MAX_PARALLEL?)" {
		t.Errorf("warnings %q", cfg.Warnings)
	}
}

func TestFlagsBeatEnvironment(t *testing.T) {
	cfg, err := Load(Options{Path: write(t, "db: file.db\n"), Environ: []string{"MEMEPIPE_DB=env.db"}, Set: map[string]string{"db": "flag.db", "log.level": "warn"}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB != "flag.db" || cfg.Log.Level != "warn" {
		t.Errorf("db %q level %q", cfg.DB, cfg.Log.Level)
	}
}

func TestBadEnvironmentValueHasNoFileLine(t *testing.T) {
	path := write(t, "max_parallel: 2\n")
	_, err := Load(Options{Path: path, Environ: []string{"MEMEPIPE_MAX_PARALLEL=lots"}})
	if err == nil || err.Error() != `max_parallel: expected a whole number, got "lots"` {
		t.Fatalf("err = %v", err)
	}
}

func TestSecretsFromEnvAndFiles(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "etherscan")
	if err := os.WriteFile(keyFile, []byte("FILEKEY123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := load(t, "db: x.db\n",
		"MEMEPIPE_TWITTER_BEARER_TOKEN=AAAABEARER",
		"MEMEPIPE_ETHERSCAN_API_KEY_FILE="+keyFile,
		"SLACK_SECRET=hookhook",
	)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Secrets.TwitterBearerToken.Reveal() != "AAAABEARER" || cfg.Secrets.EtherscanAPIKey.Reveal() != "FILEKEY123" || cfg.Secrets.APIToken.IsSet() {
		t.Errorf("secrets: %q %q %v", cfg.Secrets.TwitterBearerToken.Reveal(), cfg.Secrets.EtherscanAPIKey.Reveal(), cfg.Secrets.APIToken.IsSet())
	}
	if s, err := cfg.SecretFromEnv("SLACK_SECRET"); err != nil || s.Reveal() != "hookhook" {
		t.Errorf("SecretFromEnv: %q %v", s.Reveal(), err)
	}

	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"both set", []string{"MEMEPIPE_API_TOKEN=a", "MEMEPIPE_API_TOKEN_FILE=" + keyFile}, "secrets: both MEMEPIPE_API_TOKEN and MEMEPIPE_API_TOKEN_FILE are set; set only one"},
		{"missing file", []string{"MEMEPIPE_API_TOKEN_FILE=" + filepath.Join(dir, "none")}, "secrets: MEMEPIPE_API_TOKEN_FILE: cannot read secret file: open " + filepath.Join(dir, "none") + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, "db: x.db\n", tt.env...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestConfigShowRedactsSecrets(t *testing.T) {
	cfg, err := load(t, contract, "MEMEPIPE_ETHERSCAN_API_KEY=SUPERSECRETKEY", "MEMEPIPE_API_TOKEN=APITOKENVALUE")
	if err != nil {
		t.Fatal(err)
	}
	out, err := cfg.YAML()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, leak := range []string{"SUPERSECRETKEY", "APITOKENVALUE"} {
		if strings.Contains(s, leak) {
			t.Errorf("config show leaks %s:\n%s", leak, s)
		}
	}
	for _, want := range []string{"  etherscan_api_key: '[redacted]'\n", "  api_token: '[redacted]'\n", "  twitter_bearer_token: \"\"\n", "        retry_delay: 10ms\n", "    rate: 450/15m\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("config show lacks %q:\n%s", want, s)
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("hunter2")
	type holder struct{ Key Secret }
	j, _ := json.Marshal(holder{s})
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "key", s)
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v %+v %s %q %x %#v", s, s, s, s, s, s),
		fmt.Sprintf("%v", holder{s}), fmt.Sprintf("%+v", holder{s}), fmt.Sprintf("%#v", holder{s}),
		string(j), logged.String(), fmt.Errorf("wrapped %v", s).Error(),
	} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("leak: %s", out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("no [redacted] in %s", out)
		}
	}
	if s.Reveal() != "hunter2" {
		t.Error("Reveal lost the value")
	}
}

func TestParseDurationAndRate(t *testing.T) {
	durs := map[string]time.Duration{"0": 0, "10ms": 10 * time.Millisecond, "1h30m": 90 * time.Minute, "7d": 7 * 24 * time.Hour}
	for in, want := range durs {
		if got, err := ParseDuration(in); err != nil || got.D() != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"30", "5x", "1.5d", "-"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"3/s": "3/s", "450/15m": "450/15m", "2/5s": "2/5s", "5": "5/s", "0": "0", "100000/1d": "100000/1d"} {
		r, err := ParseRate(in)
		if err != nil || r.String() != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %s", in, r, err, want)
		}
	}
	if r, _ := ParseRate("450/15m"); r.PerSecond() != 0.5 {
		t.Errorf("450/15m = %v/s", r.PerSecond())
	}
	for _, bad := range []string{"fast", "3/x", "-1/s"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

func TestExplicitZeroBeatsTaskDefaults(t *testing.T) {
	cfg, err := load(t, `
task_defaults: {retries: 3, timeout: 10m, pool: etherscan}
pipelines:
  - name: p
    tasks:
      - {name: a, command: ["true"], retries: 0, timeout: 0}
      - {name: b, command: ["true"]}
`)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cfg.Pipeline("p")
	a, b := p.Tasks[0], p.Tasks[1]
	if a.Retries != 0 || a.Timeout != 0 || a.Pool != "etherscan" {
		t.Errorf("a: %+v", a)
	}
	if b.Retries != 3 || b.Timeout.D() != 10*time.Minute {
		t.Errorf("b: %+v", b)
	}
}

func TestYAMLAnchorsAndEmptyFile(t *testing.T) {
	cfg, err := load(t, `
x-retry: &retry {retries: 4, retry_delay: 1s}
pipelines:
  - name: p
    tasks:
      - {<<: *retry, name: a, command: ["true"]}
`)
	// x-retry is an unknown top-level key: anchors must live in known keys
	// or be reported, so a typo'd key is never silently ignored.
	if err == nil || !strings.Contains(err.Error(), "x-retry: unknown key") {
		t.Fatalf("err = %v", err)
	}
	if p, _ := cfg.Pipeline("p"); p.Tasks[0].Retries != 4 || p.Tasks[0].RetryDelay.D() != time.Second {
		t.Errorf("merge key not applied: %+v", p.Tasks[0])
	}
	if _, err := load(t, ""); err != nil {
		t.Errorf("empty file: %v", err)
	}
	if _, err := load(t, "- a\n- b\n"); err == nil || !strings.Contains(err.Error(), "top level must be a map") {
		t.Errorf("list file: %v", err)
	}
}

// cycleName is how pipeline.DAG names the cycle between a and b, so this
// test checks the key path, not pipeline's choice of starting task.
func cycleName(a, b string) string {
	d := pipeline.DAG{Name: "p", Tasks: []pipeline.Task{{Name: a, DependsOn: []string{b}}, {Name: b, DependsOn: []string{a}}}}
	return strings.Join(d.Cycles()[0], " -> ")
}

func TestDecodeParams(t *testing.T) {
	var p struct {
		Since   Duration `koanf:"since"`
		Symbols []string `koanf:"symbols"`
	}
	err := Decode(map[string]any{"since": "2h", "symbols": []any{"PEPE"}, "symbls": 1}, &p)
	if err == nil || err.Error() != `symbls: unknown key (did you mean "symbols"?)` {
		t.Fatalf("err = %v", err)
	}
	if p.Since.D() != 2*time.Hour || len(p.Symbols) != 1 {
		t.Errorf("decoded %+v", p)
	}
}

func TestDatabasePassword(t *testing.T) {
	_, err := load(t, "db: postgres://memepipe:hunter2@db:5432/memepipe\n")
	if err == nil || !strings.Contains(err.Error(), "db: contains a password") || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v", err)
	}
	cfg, err := load(t, "db: x.db\n", "MEMEPIPE_DB=postgres://memepipe:hunter2@db:5432/memepipe")
	if err != nil {
		t.Fatal(err)
	}
	out, _ := cfg.YAML()
	if strings.Contains(string(out), "hunter2") || !strings.Contains(string(out), "db: postgres://memepipe:xxxxx@db:5432/memepipe") {
		t.Errorf("config show:\n%s", out)
	}
	if got := RedactURL("host=db user=m password='a b' dbname=x"); got != "host=db user=m password=xxxxx dbname=x" {
		t.Errorf("RedactURL = %q", got)
	}
}

func TestConfigShowOutputLoadsBack(t *testing.T) {
	cfg, err := load(t, contract+"alerts:\n  renotify_after: 2h\n  notifiers: [{name: hook, type: webhook, url: \"https://example.com/h\", secret_env: HOOK_SECRET}]\n")
	if err != nil {
		t.Fatal(err)
	}
	out, err := cfg.YAML()
	if err != nil {
		t.Fatal(err)
	}
	body, _, _ := strings.Cut(string(out), "# from the environment only")
	again, err := load(t, body)
	if err != nil {
		t.Fatalf("config show output does not load back: %v\n%s", err, body)
	}
	out2, _ := again.YAML()
	if strings.SplitN(string(out2), "\n", 2)[1] != strings.SplitN(string(out), "\n", 2)[1] {
		t.Errorf("round trip changed the config:\n%s\n---\n%s", out, out2)
	}
	if again.Alerts.RenotifyAfter != 2*time.Hour || again.Alerts.Notifiers[0].SecretEnv != "HOOK_SECRET" {
		t.Errorf("alerts %+v", again.Alerts)
	}
}

func TestScoreSection(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "memepipe.yaml")
	if err := os.WriteFile(path, []byte("score:\n  csv_path: /srv/out/scores.csv\n  weights: {risk: -1, sentiment: 0.5}\n  caps: {only_owner_sells: 150}\n  bogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Options{Path: path, Environ: []string{}})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err %v", err)
	}
	got := err.Error()
	for _, want := range []string{
		`score.bogus: unknown key`,
		`score.weights.risk: is -1, want a finite number >= 0`,
		`score.caps.only_owner_sells: is 150, want 0..100`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q:\n%s", want, got)
		}
	}
	// Keys not written keep the defaults; written ones override.
	if cfg.Score.CSVPath != "/srv/out/scores.csv" || cfg.Score.Weights.Sentiment != 0.5 || cfg.Score.Weights.Momentum != 0.2 || cfg.Score.Caps["lp_removed_by_creator"] != 5 {
		t.Errorf("score %+v", cfg.Score)
	}
}
