package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"memepipe/scheduler"
)

// The buttons post plain forms (they work without JavaScript) and answer
// with a redirect: to the run a trigger started, back to the pipeline
// otherwise. Server-side CSRF protection (package server) applies.

func (u *UI) trigger(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	tr, err := u.o.Scheduler.Trigger(r.Context(), name, nil, false)
	if errors.Is(err, scheduler.ErrRunActive) && tr.Run.ID != "" {
		// Already going: show it.
		http.Redirect(w, r, "/runs/"+tr.Run.ID, http.StatusSeeOther)
		return
	}
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/runs/"+tr.Run.ID, http.StatusSeeOther)
}

func (u *UI) pause(paused bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		var err error
		if paused {
			_, err = u.o.Scheduler.Pause(r.Context(), name)
		} else {
			_, err = u.o.Scheduler.Unpause(r.Context(), name)
		}
		if err != nil {
			u.failErr(w, r, err)
			return
		}
		http.Redirect(w, r, back(r, "/pipelines/"+url.PathEscape(name)), http.StatusSeeOther)
	}
}

func (u *UI) backfill(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	from, err1 := parseFormTime(r.PostFormValue("from"))
	to, err2 := parseFormTime(r.PostFormValue("to"))
	if err := errors.Join(err1, err2); err != nil {
		u.fail(w, r, http.StatusBadRequest, "Cannot backfill", err.Error())
		return
	}
	b, err := u.o.Scheduler.Backfill(r.Context(), name, from, to)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	msg := "Backfill queued: " + itoa(b.Created) + " new runs for " + itoa(b.Slots) + " intervals."
	http.Redirect(w, r, "/pipelines/"+url.PathEscape(name)+"?flash="+url.QueryEscape(msg), http.StatusSeeOther)
}

// parseFormTime reads a datetime-local value (taken as UTC) or RFC 3339.
func parseFormTime(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("time " + `"` + v + `"` + " is not like 2026-11-28T18:00")
}

// back is the page the form was on, when it is one of ours.
func back(r *http.Request, fallback string) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host || ref.Path == "" {
		return fallback
	}
	return ref.RequestURI()
}

func itoa(n int) string { return strconv.Itoa(n) }
