package alert

import (
	"context"
	"time"
)

// PagerDutyEventsURL is the Events API v2 endpoint.
const PagerDutyEventsURL = "https://events.pagerduty.com/v2/enqueue"

// PagerDuty triggers and resolves incidents through the Events API v2,
// with the alert's key as dedup_key so a resolve closes the trigger's
// incident and a re-notify does not open a second one.
type PagerDuty struct {
	name       string
	url        string
	routingKey string
	poster
}

// NewPagerDuty returns a PagerDuty notifier; url "" is the public endpoint.
func NewPagerDuty(name, url, routingKey string, p poster) *PagerDuty {
	if url == "" {
		url = PagerDutyEventsURL
	}
	return &PagerDuty{name: name, url: url, routingKey: routingKey, poster: p}
}

func (p *PagerDuty) Name() string { return p.name }
func (p *PagerDuty) Type() string { return "pagerduty" }

type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload,omitempty"`
	Links       []pdLink   `json:"links,omitempty"`
}

type pdPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

type pdLink struct {
	Href string `json:"href"`
	Text string `json:"text"`
}

// pdSeverity maps onto PagerDuty's critical, error, warning, info.
func pdSeverity(s Severity) string {
	switch s {
	case SeverityCritical, SeverityError, SeverityWarning:
		return string(s)
	}
	return "info"
}

// Notify sends a trigger for a firing alert and a resolve for a resolved one.
func (p *PagerDuty) Notify(ctx context.Context, a Alert) error {
	ev := pdEvent{RoutingKey: p.routingKey, EventAction: "trigger", DedupKey: a.Key}
	if a.Status == Resolved {
		// A resolve carries only the key; PagerDuty ignores a payload there.
		ev.EventAction = "resolve"
		return p.postJSON(ctx, p.url, ev, nil)
	}
	summary := a.Title() + ": " + a.Summary
	if len(summary) > 1024 { // PagerDuty's limit
		summary = summary[:1024]
	}
	ev.Payload = &pdPayload{
		Summary:   summary,
		Source:    "memepipe/" + a.Pipeline,
		Severity:  pdSeverity(a.Severity),
		Timestamp: a.At.UTC().Format(time.RFC3339),
		Component: a.Task,
		Group:     a.Pipeline,
		Class:     string(a.Rule),
		CustomDetails: map[string]any{
			"run_id": a.RunID, "attempt": a.Attempt, "state": a.State, "error": a.Error,
			"dataset": a.Dataset, "interval_start": a.IntervalStart, "interval_end": a.IntervalEnd,
		},
	}
	if a.URL != "" {
		ev.Links = []pdLink{{Href: a.URL, Text: "memepipe run"}}
	}
	return p.postJSON(ctx, p.url, ev, nil)
}
