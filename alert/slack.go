package alert

import (
	"context"
	"fmt"
)

// Slack posts to an incoming webhook: a fallback text plus a block with the
// details, coloured by status through the attachment's colour bar.
type Slack struct {
	name string
	url  string // the incoming-webhook URL is itself the secret
	poster
}

// NewSlack returns a Slack incoming-webhook notifier.
func NewSlack(name, url string, p poster) *Slack { return &Slack{name: name, url: url, poster: p} }

func (s *Slack) Name() string { return s.name }
func (s *Slack) Type() string { return "slack" }

type slackMessage struct {
	Text        string            `json:"text"`
	Attachments []slackAttachment `json:"attachments,omitempty"`
}

type slackAttachment struct {
	Color  string       `json:"color"`
	Blocks []slackBlock `json:"blocks"`
}

type slackBlock struct {
	Type string     `json:"type"`
	Text *slackText `json:"text,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Notify sends the alert.
func (s *Slack) Notify(ctx context.Context, a Alert) error {
	color := "#d62728" // red
	switch {
	case a.Status == Resolved:
		color = "#2ca02c"
	case a.Severity.Rank() <= SeverityWarning.Rank():
		color = "#ff7f0e"
	}
	detail := a.Summary
	if a.RunID != "" {
		detail += fmt.Sprintf("\n*run* `%s`", a.RunID)
		if a.Attempt > 0 {
			detail += fmt.Sprintf(" attempt %d", a.Attempt)
		}
	}
	if a.URL != "" {
		detail += fmt.Sprintf("\n<%s|Open the run>", a.URL)
	}
	if a.Error != "" {
		detail += "\n```" + a.Error + "```"
	}
	msg := slackMessage{
		Text: a.Title(),
		Attachments: []slackAttachment{{
			Color: color,
			Blocks: []slackBlock{
				{Type: "section", Text: &slackText{Type: "mrkdwn", Text: "*" + a.Title() + "*"}},
				{Type: "section", Text: &slackText{Type: "mrkdwn", Text: detail}},
			},
		}},
	}
	return s.postJSON(ctx, s.url, msg, nil)
}
