package alert

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// OpsgenieAPIURL is the Alert API's base (EU accounts use api.eu.opsgenie.com).
const OpsgenieAPIURL = "https://api.opsgenie.com"

// Opsgenie creates alerts and closes them by alias (the alert's key).
type Opsgenie struct {
	name   string
	base   string
	apiKey string
	poster
}

// NewOpsgenie returns an Opsgenie notifier; base "" is the public API.
func NewOpsgenie(name, base, apiKey string, p poster) *Opsgenie {
	if base == "" {
		base = OpsgenieAPIURL
	}
	return &Opsgenie{name: name, base: strings.TrimRight(base, "/"), apiKey: apiKey, poster: p}
}

func (o *Opsgenie) Name() string { return o.name }
func (o *Opsgenie) Type() string { return "opsgenie" }

type ogCreate struct {
	Message     string            `json:"message"`
	Alias       string            `json:"alias"`
	Description string            `json:"description,omitempty"`
	Priority    string            `json:"priority"`
	Source      string            `json:"source"`
	Tags        []string          `json:"tags,omitempty"`
	Details     map[string]string `json:"details,omitempty"`
}

type ogClose struct {
	Source string `json:"source"`
	Note   string `json:"note,omitempty"`
}

// ogPriority maps severities onto P1 (critical) .. P5 (info).
func ogPriority(s Severity) string {
	switch s {
	case SeverityCritical:
		return "P1"
	case SeverityError:
		return "P2"
	case SeverityWarning:
		return "P3"
	}
	return "P5"
}

// Notify creates (firing) or closes (resolved) the alert with alias a.Key.
func (o *Opsgenie) Notify(ctx context.Context, a Alert) error {
	h := http.Header{"Authorization": {"GenieKey " + o.apiKey}}
	if a.Status == Resolved {
		u := o.base + "/v2/alerts/" + url.PathEscape(a.Key) + "/close?identifierType=alias"
		return o.postJSON(ctx, u, ogClose{Source: "memepipe", Note: a.Summary}, h)
	}
	msg := a.Title()
	if len(msg) > 130 { // Opsgenie's message limit
		msg = msg[:130]
	}
	details := map[string]string{"rule": string(a.Rule), "pipeline": a.Pipeline, "task": a.Task, "run_id": a.RunID, "state": a.State}
	if a.URL != "" {
		details["url"] = a.URL
	}
	for k, v := range details {
		if v == "" {
			delete(details, k)
		}
	}
	return o.postJSON(ctx, o.base+"/v2/alerts", ogCreate{
		Message:     msg,
		Alias:       a.Key,
		Description: a.Text(),
		Priority:    ogPriority(a.Severity),
		Source:      "memepipe",
		Tags:        []string{"memepipe", string(a.Rule)},
		Details:     details,
	}, h)
}
