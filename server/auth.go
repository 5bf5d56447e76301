package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"html/template"
	"net"
	"net/http"
	"strings"
	"time"
)

// sessionCookie holds an HMAC of the token, never the token itself: a
// leaked cookie does not reveal the API token.
const sessionCookie = "memepipe_session"

func sessionValue(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("memepipe ui session v1"))
	return hex.EncodeToString(m.Sum(nil))
}

// public paths need no credentials: the probes (orchestrators do not
// carry secrets), the login form and its stylesheet.
func public(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/login", "/static/memepipe.css":
		return true
	}
	return false
}

func (s *Server) middleware(next http.Handler, loopback bool) http.Handler {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "cross-origin request refused: state-changing requests must come from memepipe's own pages or from a non-browser client")
	}))
	h := csrf.Handler(next)
	h = s.authenticate(h)
	if loopback {
		h = loopbackHosts(h)
	}
	return s.recoverPanics(h)
}

// loopbackHosts refuses Host headers that are not loopback names: a page
// on evil.example whose name re-resolves to 127.0.0.1 (DNS rebinding)
// would otherwise be same-origin with the UI.
func loopbackHosts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		ip := net.ParseIP(host)
		if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			writeError(w, http.StatusForbidden, "host "+r.Host+" refused: memepipe bound to a loopback address answers only to localhost, 127.0.0.1 and [::1]")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authenticate(next http.Handler) http.Handler {
	if !s.auth {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if public(r.URL.Path) || s.authorized(r) {
			next.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/metrics" || r.Method != http.MethodGet {
			w.Header().Set("WWW-Authenticate", `Bearer realm="memepipe"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong API token: send Authorization: Bearer $MEMEPIPE_API_TOKEN")
			return
		}
		http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.o.Token)) == 1
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.session)) == 1
	}
	return false
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>memepipe: sign in</title>
<link rel="stylesheet" href="/static/memepipe.css"></head>
<body><main class="login"><h1>memepipe</h1>
<form method="post" action="/login">
<input type="hidden" name="next" value="{{.Next}}">
<label>API token <input type="password" name="token" autocomplete="current-password" autofocus required></label>
<button type="submit">Sign in</button>
{{if .Failed}}<p class="error">That is not the API token.</p>{{end}}
</form></main></body></html>`))

// login shows the token form (GET) and, given the right token (POST),
// sets the session cookie and goes on to next.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	next := r.FormValue("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		next = "/" // only local paths: no open redirect
	}
	if r.Method == http.MethodGet || !s.auth {
		if !s.auth {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = loginPage.Execute(w, map[string]any{"Next": next})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	tok := r.PostFormValue("token")
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.o.Token)) != 1 {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_ = loginPage.Execute(w, map[string]any{"Next": next, "Failed": true})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.session, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, Expires: s.o.Now().Add(30 * 24 * time.Hour)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("server: handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v)
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}
