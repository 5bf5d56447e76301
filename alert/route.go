package alert

import "path"

// Route sends matching alerts to notifiers. Every route that matches an
// alert contributes its notifiers; a notifier named twice gets it once.
type Route struct {
	Notifiers []string `koanf:"notifiers" json:"notifiers"`
	// Pipelines are glob patterns (path.Match); empty matches every pipeline.
	Pipelines []string `koanf:"pipelines" json:"pipelines,omitempty"`
	// Rules restricts the route to these rules; empty matches every rule.
	Rules []Rule `koanf:"rules" json:"rules,omitempty"`
	// MinSeverity drops alerts below it (default: all).
	MinSeverity Severity `koanf:"min_severity" json:"min_severity,omitempty"`
}

// Matches reports whether the route takes the alert. A resolve is routed
// like the alert it resolves, so severity is the firing one's.
func (r Route) Matches(a Alert) bool {
	if a.Severity.Rank() < r.MinSeverity.Rank() {
		return false
	}
	if len(r.Rules) > 0 {
		ok := false
		for _, rule := range r.Rules {
			ok = ok || rule == a.Rule
		}
		if !ok {
			return false
		}
	}
	if len(r.Pipelines) == 0 {
		return true
	}
	for _, p := range r.Pipelines {
		if m, _ := path.Match(p, a.Pipeline); m {
			return true
		}
	}
	return false
}

// Recipients returns the names of the notifiers the routes send a to, in
// route order, each once.
func Recipients(routes []Route, a Alert) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range routes {
		if !r.Matches(a) {
			continue
		}
		for _, n := range r.Notifiers {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}
