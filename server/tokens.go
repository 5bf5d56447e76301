package server

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"memepipe/tokenview"
)

// TokenViewOptions reads a token view's parameters: days (1 to 90, default
// 7), the window ending at the token's newest data. Unknown parameters are
// refused.
func TokenViewOptions(q url.Values) (tokenview.Options, error) {
	var o tokenview.Options
	for k := range q {
		if k != "days" {
			return o, badRequest("unknown query parameter %q (want days)", k)
		}
	}
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		maxDays := int(tokenview.MaxWindow / (24 * time.Hour))
		if err != nil || n < 1 || n > maxDays {
			return o, badRequest("days: %q is not a number from 1 to %d", v, maxDays)
		}
		o.Window = time.Duration(n) * 24 * time.Hour
	}
	return o, nil
}

// token answers one token's view: newest score (with its breakdown), risk
// and flags, anomalies and the downsampled price, sentiment and score
// series (?days=).
func (s *Server) token(r *http.Request) (int, any, error) {
	o, err := TokenViewOptions(r.URL.Query())
	if err != nil {
		return 0, nil, err
	}
	o.Now = s.o.Now()
	v, err := tokenview.Load(r.Context(), s.o.Store, r.PathValue("token"), o)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}
