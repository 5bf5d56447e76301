package open_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"memepipe/store/open"
	"memepipe/store/storetest"
)

func TestParse(t *testing.T) {
	cases := []struct {
		dsn, kind, target string
	}{
		{"", "sqlite", "memepipe.db"},
		{"memepipe.db", "sqlite", "memepipe.db"},
		{"data/runs.db", "sqlite", "data/runs.db"},
		{"/var/lib/memepipe/memepipe.db", "sqlite", "/var/lib/memepipe/memepipe.db"},
		{"sqlite:///var/lib/memepipe.db", "sqlite", "/var/lib/memepipe.db"},
		{"sqlite://data/runs.db", "sqlite", "data/runs.db"},
		{"sqlite:runs.db", "sqlite", "runs.db"},
		{"SQLite:///tmp/My%20Runs.db", "sqlite", "/tmp/My Runs.db"},
		{"file:/tmp/m.db", "sqlite", "/tmp/m.db"},
		{"file:///tmp/m.db", "sqlite", "/tmp/m.db"},
		{"postgres://u:pw@db:5432/memepipe?sslmode=disable", "postgres", "postgres://u:pw@db:5432/memepipe?sslmode=disable"},
		{"postgresql://db/memepipe", "postgres", "postgresql://db/memepipe"},
	}
	for _, c := range cases {
		kind, target, err := open.Parse(c.dsn)
		if err != nil || kind != c.kind || target != c.target {
			t.Errorf("Parse(%q) = %q, %q, %v; want %q, %q", c.dsn, kind, target, err, c.kind, c.target)
		}
	}
	for _, dsn := range []string{
		"mysql://u:hunter2@db/memepipe",
		"sqlite:///tmp/m.db?mode=ro",
		"sqlite://",
		"file:",
	} {
		_, _, err := open.Parse(dsn)
		if err == nil {
			t.Errorf("Parse(%q): no error", dsn)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Parse(%q) error shows the password: %v", dsn, err)
		}
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"memepipe.db", "memepipe.db"},
		{"postgres://memepipe:hunter2@db:5432/memepipe?sslmode=disable", "postgres://memepipe:xxxxx@db:5432/memepipe?sslmode=disable"},
		{"postgres://memepipe@db/memepipe?password=hunter2&sslmode=require", "postgres://memepipe@db/memepipe?password=xxxxx&sslmode=require"},
		{"postgres://db/m?sslpassword=hunter2", "postgres://db/m?sslpassword=xxxxx"},
		{"postgres://db/m", "postgres://db/m"},
		{"postgres://u:hunter2@db:bad port/m", "postgres://(unparsable, redacted)"},
	}
	for _, c := range cases {
		if got := open.Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestOpenSQLite(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, dsn := range []string{"", "sqlite://sub/a.db", "file:" + filepath.Join(dir, "b.db")} {
		s, err := open.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		if s.Dialect() != "sqlite" {
			t.Errorf("Open(%q) dialect %s, want sqlite", dsn, s.Dialect())
		}
		s.Close()
	}
	for _, f := range []string{"memepipe.db", "sub/a.db", "b.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("database file %s: %v", f, err)
		}
	}
}

func TestOpenPostgres(t *testing.T) {
	s, err := open.Open(context.Background(), storetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dialect() != "postgres" {
		t.Errorf("dialect %s, want postgres", s.Dialect())
	}
}

func TestOpenErrorsRedact(t *testing.T) {
	_, err := open.Open(context.Background(), "postgres://memepipe:hunter2@127.0.0.1:1/memepipe?connect_timeout=2")
	if err == nil {
		t.Fatal("Open on a closed port: no error")
	}
	msg := err.Error()
	if strings.Contains(msg, "hunter2") || !strings.Contains(msg, "postgres://memepipe:xxxxx@127.0.0.1:1/memepipe") {
		t.Errorf("error = %q; want the DSN named with the password redacted", msg)
	}
	// A SQLite path that cannot be created names the path.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = open.Open(context.Background(), filepath.Join(blocker, "m.db"))
	if err == nil || !strings.Contains(err.Error(), blocker) {
		t.Errorf("Open under a regular file = %v; want an error naming the path", err)
	}
}
