// Package open opens the store a DSN names, so that main, the server and
// tools accept one --db / MEMEPIPE_DB string for either database.
package open

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"memepipe/store"
	"memepipe/store/postgres"
	"memepipe/store/sqlite"
)

// Open opens the store dsn names:
//
//	""                                   ./memepipe.db (SQLite)
//	data/memepipe.db, /var/lib/m.db      a SQLite file
//	sqlite:///var/lib/m.db, sqlite:m.db  a SQLite file
//	file:/var/lib/m.db, file:m.db        a SQLite file
//	postgres://user@host:5432/db?...     PostgreSQL (also postgresql://)
//
// Errors name the DSN with any password replaced by "xxxxx".
func Open(ctx context.Context, dsn string) (store.Store, error) {
	kind, target, err := Parse(dsn)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "postgres":
		s, err := postgres.Open(ctx, target)
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", Redact(dsn), err)
		}
		return s, nil
	default:
		s, err := sqlite.Open(ctx, target)
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", Redact(dsn), err)
		}
		return s, nil
	}
}

// Parse tells which database dsn names: kind is "sqlite" (target a file
// path) or "postgres" (target the URL as given).
func Parse(dsn string) (kind, target string, err error) {
	switch {
	case dsn == "":
		return "sqlite", sqlite.DefaultPath, nil
	case hasPrefixFold(dsn, "postgres://"), hasPrefixFold(dsn, "postgresql://"):
		return "postgres", dsn, nil
	case hasPrefixFold(dsn, "sqlite:"), hasPrefixFold(dsn, "file:"):
		rest := dsn[strings.IndexByte(dsn, ':')+1:]
		// sqlite:///abs/path and file:///abs/path have an empty authority;
		// sqlite://rel/path is read as the relative path rel/path.
		rest = strings.TrimPrefix(rest, "//")
		if strings.ContainsAny(rest, "?#") {
			return "", "", fmt.Errorf("database %q: options in a SQLite DSN are not supported (memepipe sets its own pragmas)", Redact(dsn))
		}
		p, uerr := url.PathUnescape(rest)
		if uerr != nil {
			return "", "", fmt.Errorf("database %q: %w", Redact(dsn), uerr)
		}
		if p == "" {
			return "", "", fmt.Errorf("database %q: no file path", Redact(dsn))
		}
		return "sqlite", p, nil
	}
	if i := strings.Index(dsn, "://"); i > 0 {
		return "", "", fmt.Errorf("database %q: unsupported scheme %q (want a SQLite file path, sqlite://, file: or postgres://)", Redact(dsn), dsn[:i])
	}
	return "sqlite", dsn, nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Redact returns dsn with the password of a URL's user info and any
// password= or sslpassword= query parameter replaced by "xxxxx". A string that does not
// parse as a URL is returned as its scheme alone, since it may hold a
// password in a form we cannot see.
func Redact(dsn string) string {
	if !strings.Contains(dsn, "://") {
		return dsn // a file path
	}
	u, err := url.Parse(dsn)
	if err != nil {
		if i := strings.Index(dsn, "://"); i > 0 {
			return dsn[:i] + "://(unparsable, redacted)"
		}
		return "(unparsable, redacted)"
	}
	q := u.Query()
	changed := false
	for k := range q {
		if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
			q.Set(k, "xxxxx")
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
