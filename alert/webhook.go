package alert

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// SignatureHeader carries the HMAC-SHA256 of the body, as
// "sha256=<hex>", in the style of GitHub's X-Hub-Signature-256.
const SignatureHeader = "X-Memepipe-Signature"

// Webhook POSTs the alert as JSON, signed with a shared secret so the
// receiver can tell the request came from memepipe.
type Webhook struct {
	name   string
	url    string
	secret string
	poster
}

// NewWebhook returns a webhook notifier; an empty secret sends unsigned.
func NewWebhook(name, url, secret string, p poster) *Webhook {
	return &Webhook{name: name, url: url, secret: secret, poster: p}
}

func (w *Webhook) Name() string { return w.name }
func (w *Webhook) Type() string { return "webhook" }

// Notify sends the alert's JSON (rule, status, severity, pipeline, task,
// run_id, state, error, ...).
func (w *Webhook) Notify(ctx context.Context, a Alert) error {
	body, err := json.Marshal(a)
	if err != nil {
		return Permanent(err)
	}
	h := http.Header{}
	if w.secret != "" {
		h.Set(SignatureHeader, Sign(w.secret, body))
	}
	return w.post(ctx, w.url, "application/json", body, h)
}

// Sign returns "sha256=" + hex(HMAC-SHA256(secret, body)).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a signature header in constant time: what a
// receiver should do with SignatureHeader.
func VerifySignature(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}
