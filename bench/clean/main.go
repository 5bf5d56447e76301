// Command clean measures the clean path (raw object -> parse + normalise ->
// canonical upsert, many objects per transaction and each object all or
// nothing, with the data-quality checks) on 1 million transfers and 1
// million tweets, next to the database's own bulk load of the same rows
// (sqlite3 .import of a CSV, psql \copy), and reports the ratio.
// docs/PERFORMANCE.md (## Clean) has the numbers.
//
//	go run ./bench/clean gen  -dir /tmp/cleanbench -rows 1000000
//	go run ./bench/clean load -dir /tmp/cleanbench -db sqlite
//	go run ./bench/clean load -dir /tmp/cleanbench -db postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//	go run ./bench/clean parse -dir /tmp/cleanbench
//
// gen runs the etherscan and twitter collectors against the simulator (50
// tokens, 24 hours) and keeps their pages as templates; it then writes
// copies of them into a file:// raw zone, each copy with fresh natural keys
// (transaction hashes, post ids), until each table has -rows rows. The
// bodies are the simulator's wire format, byte for byte apart from the keys.
//
// load cleans the zone with tasks.CleanInterval, as a pipeline's clean task
// does, into a fresh database, then writes the rows it loaded as CSV and
// times the database's bulk path loading them into a fresh copy of the same
// tables. Peak memory (VmHWM) is read after the clean, before the CSV step:
// it shows the clean streams (memory bounded by a batch and the parsers'
// read-ahead, not by the corpus).
//
// parse times reading (gunzip, SHA-256) and parsing alone, one object
// after another on one goroutine, for where the time goes.
// On PostgreSQL each load uses schemas of its own, dropped at the end.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"memepipe/canonical"
	"memepipe/clean"
	"memepipe/config"
	"memepipe/pipeline"
	"memepipe/raw"
	"memepipe/sim"
	"memepipe/source"
	"memepipe/source/etherscan"
	"memepipe/source/httpx"
	"memepipe/source/twitter"
	"memepipe/store"
	"memepipe/store/open"
	"memepipe/tasks"
	"memepipe/watchlist"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: clean gen|load|parse [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	case "parse":
		err = parseOnly(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "clean bench:", err)
		os.Exit(1)
	}
}

// corpus is what gen leaves next to the raw zone for load.
type corpus struct {
	Watchlist watchlist.List    `json:"watchlist"`
	Interval  pipeline.Interval `json:"interval"`
	Rows      map[string]int    `json:"rows"` // per raw source
}

type memMarks struct {
	mu sync.Mutex
	m  map[string]string
}

func (w *memMarks) GetWatermark(_ context.Context, s, k string) (string, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	v, ok := w.m[s+"/"+k]
	return v, ok, nil
}

func (w *memMarks) SetWatermark(_ context.Context, s, k, v string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.m[s+"/"+k] = v
	return nil
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	dir := fs.String("dir", "", "corpus directory (created; must not exist)")
	rows := fs.Int("rows", 1_000_000, "rows per table (transfers, tweets)")
	tokens := fs.Int("tokens", 50, "simulated tokens")
	fs.Parse(args)
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	if _, err := os.Stat(*dir); err == nil {
		return fmt.Errorf("%s exists", *dir)
	}
	ctx := context.Background()
	s := sim.New(sim.Options{Seed: 1, Tokens: *tokens})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	urls := sim.URLs(srv.URL)
	tmpl, err := raw.Open(ctx, "mem://")
	if err != nil {
		return err
	}
	deps := source.Deps{Zone: tmpl, Watermarks: &memMarks{m: map[string]string{}}}
	tw := twitter.DefaultConfig()
	tw.BaseURL, tw.HTTP.Limit = urls.Twitter, httpx.Unlimited
	es := etherscan.DefaultConfig()
	es.BaseURL, es.HTTP.Limit = urls.Etherscan, httpx.Unlimited
	twc, err := twitter.New(tw, "bench", deps)
	if err != nil {
		return err
	}
	ec, err := etherscan.New(es, "bench", deps)
	if err != nil {
		return err
	}
	end := time.Now().UTC().Truncate(time.Hour)
	iv := pipeline.Interval{Start: end.Add(-24 * time.Hour), End: end}
	wl := s.WatchlistAt(srv.URL)
	for _, tok := range wl {
		if _, err := twc.Collect(ctx, tok, iv); err != nil {
			return err
		}
		if err := ec.Transfers(ctx, tok, iv, 0, 1<<40, &source.Stats{}); err != nil {
			return err
		}
	}
	zone, err := raw.Open(ctx, "file://"+filepath.Join(*dir, "raw"))
	if err != nil {
		return err
	}
	defer zone.Close()
	c := corpus{Watchlist: wl, Interval: iv, Rows: map[string]int{}}
	for _, src := range []string{twitter.Source, etherscan.SourceTokenTx} {
		var templates []raw.Object
		for info, err := range tmpl.List(ctx, raw.Filter{Source: src}) {
			if err != nil {
				return err
			}
			obj, err := tmpl.Get(ctx, info.Key)
			if err != nil {
				return err
			}
			templates = append(templates, obj)
		}
		if len(templates) == 0 {
			return fmt.Errorf("no %s pages from the simulator", src)
		}
		for copyN := 0; c.Rows[src] < *rows; copyN++ {
			for _, t := range templates {
				body, n, err := rekey(src, t.Body, copyN, *rows-c.Rows[src])
				if err != nil {
					return fmt.Errorf("%s: %w", t.Key, err)
				}
				if n == 0 {
					continue
				}
				m := t.Meta
				m.FetchedAt = time.Time{}
				if _, _, err := zone.Put(ctx, raw.Object{Meta: m, Body: body}); err != nil {
					return err
				}
				c.Rows[src] += n
				if c.Rows[src] >= *rows {
					break
				}
			}
		}
		fmt.Printf("%s: %d rows in %s\n", src, c.Rows[src], *dir)
	}
	b, _ := json.MarshalIndent(c, "", "  ")
	return os.WriteFile(filepath.Join(*dir, "corpus.json"), b, 0o644)
}

// rekey gives a page's rows keys of copy n (and keeps at most limit rows):
// tokentx hashes get the copy number in their first 8 hex digits, post ids
// are shifted by n * 10^12 (far apart from the ids of one day's posts).
func rekey(src string, body []byte, n, limit int) ([]byte, int, error) {
	var page map[string]json.RawMessage
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, 0, err
	}
	field := "result"
	if src == twitter.Source {
		field = "data"
	}
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(page[field], &rows); err != nil {
		return nil, 0, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
	}
	for _, r := range rows {
		if src == twitter.Source {
			var id string
			json.Unmarshal(r["id"], &id)
			v, err := strconv.ParseUint(id, 10, 64)
			if err != nil {
				return nil, 0, err
			}
			r["id"], _ = json.Marshal(strconv.FormatUint(v+uint64(n)*1_000_000_000_000, 10))
			continue
		}
		var h string
		json.Unmarshal(r["hash"], &h)
		r["hash"], _ = json.Marshal(fmt.Sprintf("0x%08x%s", n, h[10:]))
	}
	page[field], _ = json.Marshal(rows)
	if src == twitter.Source {
		var meta map[string]any
		if json.Unmarshal(page["meta"], &meta) == nil && meta != nil {
			meta["result_count"] = len(rows)
			page["meta"], _ = json.Marshal(meta)
		}
	}
	out, err := json.Marshal(page)
	return out, len(rows), err
}

// peakRSS is the process's high-water resident set (VmHWM), in MiB.
func peakRSS() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	dir := fs.String("dir", "", "corpus directory written by gen")
	db := fs.String("db", "sqlite", "sqlite, or a postgres:// URL")
	only := fs.String("source", "", "clean only this raw source (twitter.search or etherscan.tokentx)")
	prof := fs.String("cpuprofile", "", "write a CPU profile of each clean here (F.<source> when both run)")
	batchRows := fs.Int("batch-rows", 0, "objects share a transaction up to this many rows (0: the clean task's default)")
	batchAge := fs.Duration("batch-age", 0, "... or for this long (0: the default)")
	withBulk := fs.Bool("bulk", true, "also time the bulk load (false: the clean alone, for comparing cleans)")
	fs.Parse(args)
	ctx := context.Background()
	b, err := os.ReadFile(filepath.Join(*dir, "corpus.json"))
	if err != nil {
		return err
	}
	var c corpus
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "cleanbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	zone, err := raw.Open(ctx, "file://"+filepath.Join(*dir, "raw"))
	if err != nil {
		return err
	}
	defer zone.Close()
	cfg, err := config.Load(config.Options{DefaultsOnly: true, Environ: []string{}})
	if err != nil {
		return err
	}
	cfg.Watchlist = c.Watchlist

	sources := []struct{ src, table string }{{twitter.Source, canonical.TableTweets}, {etherscan.SourceTokenTx, canonical.TableTransfers}}
	fmt.Printf("%-18s %-9s %9s %10s %12s %12s %12s %7s %9s %11s %11s\n", "source", "db", "rows", "objects", "clean rows/s", "bulk rows/s", "clean MB/s", "ratio", "peak RSS", "clean CPU", "bulk CPU")
	for _, s := range sources {
		if *only != "" && s.src != *only {
			continue
		}
		target, drop, err := freshDB(ctx, *db, work, s.table+"_clean")
		if err != nil {
			return err
		}
		defer drop()
		st, err := open.Open(ctx, target)
		if err != nil {
			return err
		}
		runtime.GC()
		stopProfile, err := startProfile(*prof, s.src, *only == "")
		if err != nil {
			return err
		}
		cpu0, srv0 := processCPU(), serverCPU()
		start := time.Now()
		out, err := tasks.CleanInterval(ctx, tasks.Deps{Config: cfg, Store: st, Raw: zone}, tasks.CleanSpec{Sources: []string{s.src}, Interval: c.Interval,
			Batch: tasks.BatchLimits{Rows: *batchRows, Age: *batchAge}})
		took := time.Since(start)
		cleanCPU, cleanSrv := processCPU()-cpu0, serverCPU()-srv0
		stopProfile()
		if err != nil {
			return err
		}
		rss := peakRSS()
		rows := out.Rows[s.table]
		var rawBytes int64
		for info, err := range zone.List(ctx, raw.Filter{Source: s.src, WithMeta: true}) {
			if err != nil {
				return err
			}
			rawBytes += info.Meta.Size
		}

		name := "sqlite"
		if strings.HasPrefix(*db, "postgres") {
			name = "postgres"
		}
		if !*withBulk {
			st.Close()
			fmt.Printf("%-18s %-9s %9d %10d %12.0f %12s %12.1f %7s %7.0f MiB %9.1f s\n", s.src, name, rows, out.Objects, float64(rows)/took.Seconds(), "-",
				float64(rawBytes)/took.Seconds()/1e6, "-", rss, cleanCPU.Seconds())
			continue
		}
		// The same rows, as the database's bulk path takes them.
		csvPath := filepath.Join(work, s.table+".csv")
		cols, err := writeCSV(ctx, st, s.table, csvPath, strings.HasPrefix(*db, "postgres"))
		if err != nil {
			return err
		}
		st.Close()
		bulkTarget, dropBulk, err := freshDB(ctx, *db, work, s.table+"_bulk")
		if err != nil {
			return err
		}
		defer dropBulk()
		if bst, err := open.Open(ctx, bulkTarget); err == nil { // migrations: the same tables
			bst.Close()
		} else {
			return err
		}
		srv0 = serverCPU()
		bulkTook, bulkCPU, err := bulkLoad(bulkTarget, s.table, cols, csvPath)
		bulkSrv := serverCPU() - srv0
		if err != nil {
			return err
		}
		cr, br := float64(rows)/took.Seconds(), float64(rows)/bulkTook.Seconds()
		cpu := fmt.Sprintf("%9.1f s %9.1f s", cleanCPU.Seconds(), bulkCPU.Seconds())
		if name == "postgres" {
			cpu += fmt.Sprintf("   server: clean %.1f s, bulk %.1f s", cleanSrv.Seconds(), bulkSrv.Seconds())
		}
		fmt.Printf("%-18s %-9s %9d %10d %12.0f %12.0f %12.1f %7.2f %7.0f MiB %s\n", s.src, name, rows, out.Objects, cr, br,
			float64(rawBytes)/took.Seconds()/1e6, cr/br, rss, cpu)
	}
	return nil
}

// freshDB returns a DSN for an empty database: a SQLite file in work, or a
// new schema on the PostgreSQL URL (drop removes it).
func freshDB(ctx context.Context, db, work, name string) (string, func(), error) {
	if !strings.HasPrefix(db, "postgres") {
		return filepath.Join(work, name+".db"), func() {}, nil
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	schema := "memepipe_bench_" + name + "_" + hex.EncodeToString(rnd[:])
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(db)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	var once sync.Once
	drop := func() { once.Do(func() { dropSchema(ctx, db, schema) }) }
	return u.String(), drop, nil
}

func dropSchema(ctx context.Context, db, schema string) {
	{
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	}
}

// writeCSV writes a table's rows as CSV with a header of its columns (the
// rows' JSON names, which are the column names), times in the layout the
// store keeps, nulls as empty fields (sqlite3 .import has no null marker)
// or as \N for psql (whose CSV reads an unquoted empty field as null, and
// empty strings are not null in the canonical tables).
func writeCSV(ctx context.Context, st store.Store, table, path string, nullMarker bool) ([]string, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	var cols []string
	err = st.ScanCanonical(ctx, store.CanonicalQuery{Table: table}, func(r canonical.Row) error {
		line, err := canonical.MarshalLine(r)
		if err != nil {
			return err
		}
		dec := json.NewDecoder(strings.NewReader(string(line)))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return err
		}
		if cols == nil {
			cols = columnOrder(line)
			if err := w.Write(cols); err != nil {
				return err
			}
		}
		rec := make([]string, len(cols))
		for i, c := range cols {
			switch v := m[c].(type) {
			case nil:
				if nullMarker {
					rec[i] = `\N`
				}
			case string:
				if t, err := time.Parse(time.RFC3339Nano, v); err == nil && len(v) >= 20 {
					v = t.UTC().Format("2006-01-02T15:04:05.000000Z")
				}
				rec[i] = v
			case json.Number:
				rec[i] = v.String()
			case bool:
				rec[i] = strconv.FormatBool(v)
			default:
				b, _ := json.Marshal(v)
				rec[i] = string(b)
			}
		}
		return w.Write(rec)
	})
	w.Flush()
	if err == nil {
		err = w.Error()
	}
	return cols, err
}

// columnOrder is the keys of a MarshalLine object in order, without "table".
func columnOrder(line []byte) []string {
	dec := json.NewDecoder(strings.NewReader(string(line)))
	dec.Token() // {
	var cols []string
	for dec.More() {
		k, _ := dec.Token()
		var v json.RawMessage
		dec.Decode(&v)
		if k != "table" {
			cols = append(cols, k.(string))
		}
	}
	return cols
}

// startProfile starts a CPU profile of one clean in path (path.<source>
// when several cleans run), if path is set.
func startProfile(path, source string, several bool) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	if several {
		path += "." + source
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// processCPU is the CPU time (user + system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU is the CPU time used so far by the local PostgreSQL server's
// processes, live and exited (reaped by the postmaster), for comparing the
// server's work in a clean with its work in the bulk load. Zero when the
// server is not on this machine (not visible in /proc).
func serverCPU() time.Duration {
	dirs, _ := os.ReadDir("/proc")
	var ticks int64
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ... : fields after the comm's closing paren.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || !bytes.HasPrefix(b[bytes.IndexByte(b, '(')+1:], []byte("postgres")) {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		for _, k := range []int{11, 12, 13, 14} { // utime stime cutime cstime
			if k < len(f) {
				n, _ := strconv.ParseInt(f[k], 10, 64)
				ticks += n
			}
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ 100
}

// bulkLoad times the database's own CSV load into the empty table, and
// reports the CPU time of the client it runs (sqlite3 does the whole load;
// psql only sends the file, the server's work is not in it).
func bulkLoad(target, table string, cols []string, csvPath string) (time.Duration, time.Duration, error) {
	var cmd *exec.Cmd
	if strings.HasPrefix(target, "postgres") {
		u, _ := url.Parse(target)
		schema := u.Query().Get("search_path")
		q := u.Query()
		q.Del("search_path")
		u.RawQuery = q.Encode()
		cmd = exec.Command("psql", u.String(), "-v", "ON_ERROR_STOP=1", "-c",
			fmt.Sprintf(`\copy %s.%s (%s) FROM '%s' WITH (FORMAT csv, HEADER true, NULL '\N')`, schema, table, strings.Join(cols, ", "), csvPath))
	} else {
		cmd = exec.Command("sqlite3", target, ".mode csv", fmt.Sprintf(".import --skip 1 %s %s", csvPath, table))
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil || len(strings.TrimSpace(string(out))) > 0 && strings.Contains(string(out), "rror") {
		return 0, 0, fmt.Errorf("%s: %v\n%s", cmd.Path, err, out)
	}
	return took, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// parseOnly times the stages before the store, one object after another
// on one goroutine: reading the raw objects (gunzip, SHA-256 check), then
// parsing and normalising them into rows that go nowhere.
func parseOnly(args []string) error {
	fs := flag.NewFlagSet("parse", flag.ExitOnError)
	dir := fs.String("dir", "", "corpus directory written by gen")
	only := fs.String("source", "", "parse only this raw source")
	prof := fs.String("cpuprofile", "", "write a CPU profile of the parses here")
	fs.Parse(args)
	ctx := context.Background()
	b, err := os.ReadFile(filepath.Join(*dir, "corpus.json"))
	if err != nil {
		return err
	}
	var c corpus
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	zone, err := raw.Open(ctx, "file://"+filepath.Join(*dir, "raw"))
	if err != nil {
		return err
	}
	defer zone.Close()
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("%-18s %9s %10s %12s %12s\n", "source", "rows", "objects", "read obj/s", "parse rows/s")
	for _, src := range []string{twitter.Source, etherscan.SourceTokenTx} {
		if *only != "" && src != *only {
			continue
		}
		p, _ := clean.ParserFor(src)
		var readTook, parseTook time.Duration
		objects, rows := 0, 0
		for info, err := range zone.List(ctx, raw.Filter{Source: src}) {
			if err != nil {
				return err
			}
			start := time.Now()
			obj, body, err := zone.GetText(ctx, info.Key)
			if err != nil {
				return err
			}
			readTook += time.Since(start)
			in := clean.Input{Source: src, Key: info.Key, Body: clean.NewTextBody(body), FetchedAt: obj.FetchedAt, URL: obj.URL, Watchlist: c.Watchlist}
			for i := range c.Watchlist {
				if c.Watchlist[i].Key() == obj.Token {
					in.Token = &c.Watchlist[i]
				}
			}
			start = time.Now()
			if err := p.Parse(ctx, in, func(canonical.Row) error { rows++; return nil }); err != nil {
				return err
			}
			parseTook += time.Since(start)
			objects++
		}
		fmt.Printf("%-18s %9d %10d %12.0f %12.0f\n", src, rows, objects, float64(objects)/readTook.Seconds(), float64(rows)/parseTook.Seconds())
	}
	return nil
}
