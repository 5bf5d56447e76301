// Package web is memepipe's browser UI: server-rendered html/template
// pages with a little JavaScript, every asset embedded (no CDN: it works
// offline). It reads through the store and acts through the scheduler;
// package server mounts it at / behind its authentication and CSRF checks.
//
// Pages stay fast however long the history: the run grid is one keyset
// page of runs plus one query for all their task runs, the overview one
// newest-run lookup per pipeline, all on indexes.
package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"memepipe/pipeline"
	"memepipe/runview"
	"memepipe/scheduler"
	"memepipe/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// GridRuns is how many runs (columns) one page of the run grid shows.
const GridRuns = 30

// Options configure the UI.
type Options struct {
	Store     store.Store
	Scheduler *scheduler.Scheduler
	Logger    *slog.Logger
	Now       func() time.Time
}

// UI serves the pages.
type UI struct {
	o     Options
	log   *slog.Logger
	pages map[string]*template.Template
	mux   *http.ServeMux
}

// New parses the templates and returns the UI's handler.
func New(o Options) (*UI, error) {
	if o.Store == nil || o.Scheduler == nil {
		return nil, errors.New("web: a store and a scheduler are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	u := &UI{o: o, log: o.Logger.With("component", "web"), pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	for _, name := range []string{"overview", "pipeline", "run", "logs", "datasets", "tokens", "token", "error"} {
		t, err := template.New(name).Funcs(u.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		u.pages[name] = t
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	u.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	u.mux.HandleFunc("GET /{$}", u.overview)
	u.mux.HandleFunc("GET /pipelines/{name}", u.pipeline)
	u.mux.HandleFunc("POST /pipelines/{name}/trigger", u.trigger)
	u.mux.HandleFunc("POST /pipelines/{name}/pause", u.pause(true))
	u.mux.HandleFunc("POST /pipelines/{name}/unpause", u.pause(false))
	u.mux.HandleFunc("POST /pipelines/{name}/backfill", u.backfill)
	u.mux.HandleFunc("GET /runs/{id}", u.run)
	u.mux.HandleFunc("GET /runs/{id}/tasks/{task}/logs", u.logs)
	u.mux.HandleFunc("GET /datasets", u.datasets)
	u.mux.HandleFunc("GET /tokens", u.tokens)
	u.mux.HandleFunc("GET /tokens/{token}", u.token)
	u.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, http.StatusNotFound, "Not found", "There is no page at "+r.URL.Path+".")
	})
	return u, nil
}

// ServeHTTP serves the UI.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	// Everything is same-origin: scripts, styles and images from here only.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	u.mux.ServeHTTP(w, r)
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

// page is what every template gets besides its own data.
type page struct {
	Title   string
	Refresh float64 // seconds; 0: no auto-refresh
	Flash   string
}

func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var b strings.Builder
	if err := u.pages[name].ExecuteTemplate(&b, name+".html", data); err != nil {
		u.log.Error("web: render", "page", name, "err", err)
		http.Error(w, "internal error rendering "+name, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (u *UI) fail(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	u.render(w, r, status, "error", struct {
		page
		Message string
	}{page{Title: title}, msg})
}

// failErr shows err with the status its kind calls for.
func (u *UI) failErr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, scheduler.ErrUnknownPipeline), errors.Is(err, store.ErrNotFound):
		u.fail(w, r, http.StatusNotFound, "Not found", err.Error())
	case errors.Is(err, scheduler.ErrInvalid):
		u.fail(w, r, http.StatusBadRequest, "Cannot do that", err.Error())
	case errors.Is(err, scheduler.ErrStopped):
		u.fail(w, r, http.StatusServiceUnavailable, "Shutting down", err.Error())
	default:
		u.log.Error("web: request failed", "path", r.URL.Path, "err", err)
		u.fail(w, r, http.StatusInternalServerError, "Something went wrong", err.Error())
	}
}

func (u *UI) funcs() template.FuncMap {
	return template.FuncMap{
		"fmtTime": func(v any) string {
			switch t := v.(type) {
			case time.Time:
				return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
			case *time.Time:
				if t == nil {
					return ""
				}
				return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
			}
			return ""
		},
		"interval": func(iv pipeline.Interval) string {
			return iv.Start.UTC().Format("2006-01-02 15:04") + " → " + iv.End.UTC().Format("15:04")
		},
		"ago":   func(t time.Time) string { return roughly(u.o.Now().Sub(t)) },
		"until": func(t time.Time) string { return roughly(t.Sub(u.o.Now())) },
		"stale": func(t time.Time) bool { return u.o.Now().Sub(t) > 24*time.Hour },
		"dur":   func(d time.Duration) string { return runview.Round(d).String() },
		"add":   func(a, b int) int { return a + b },
		"list":  func(v ...int) []int { return v },
		"mul":   func(a, b int) int { return a * b },
		"fill":  fill,
		"firstLine": func(s string) string {
			s, _, _ = strings.Cut(s, "\n")
			if len(s) > 140 {
				s = s[:139] + "…"
			}
			return s
		},
		"num":     func(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) },
		"pct":     func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
		"json":    prettyJSON,
		"svgf":    func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"sevRank": severityClass,
		"opt": func(f *float64) string {
			if f == nil {
				return "—"
			}
			return fmt.Sprintf("%.1f", *f)
		},
		"barHeight": func(r pipeline.Run) int {
			// Column headers are bars as tall as the run was long (log scale).
			if r.StartedAt == nil || r.EndedAt == nil {
				return 6
			}
			d := r.EndedAt.Sub(*r.StartedAt)
			h := 6
			for s := time.Second; s < d && h < 40; s *= 2 {
				h += 3
			}
			return h
		},
	}
}

// fill is a state's colour in SVG (CSS classes do not reach SVG fills in
// every browser the same way).
func fill(s pipeline.State) string {
	switch s {
	case pipeline.Success:
		return "#2e9e44"
	case pipeline.Failed:
		return "#d0353a"
	case pipeline.Running:
		return "#52b3f0"
	case pipeline.UpForRetry:
		return "#f0a030"
	case pipeline.UpstreamFailed:
		return "#f08a5d"
	case pipeline.Skipped:
		return "#e4a8e8"
	case pipeline.TimedOut:
		return "#8a2be2"
	case pipeline.Queued:
		return "#a7b0b8"
	}
	return "#ffffff"
}

// roughly says a duration the way people do: 3m, 2h, 5d.
func roughly(d time.Duration) string {
	switch {
	case d < 0:
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// prettyJSON indents stored JSON (evidence, breakdowns) for a <pre>,
// capped so one huge evidence blob cannot swamp the page.
func prettyJSON(raw any) string {
	var b []byte
	switch v := raw.(type) {
	case json.RawMessage:
		b = v
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return err.Error()
		}
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		out.Reset()
		out.Write(b)
	}
	const max = 4000
	if out.Len() > max {
		return out.String()[:max] + "\n… (cut at 4000 characters)"
	}
	return out.String()
}

// severityClass is a severity's badge class.
func severityClass(sev string) string {
	switch sev {
	case "critical", "error":
		return "s-failed"
	case "warn":
		return "s-up_for_retry"
	}
	return "s-queued"
}
