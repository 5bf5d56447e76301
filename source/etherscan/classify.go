package etherscan

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"memepipe/source/httpx"
)

// envelope is every Etherscan answer: status "1" with data, or status "0"
// with a message and, in result, either [] or the error text.
type envelope struct {
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Result  json.RawMessage `json:"result"`
}

func (e envelope) resultText() string {
	var s string
	if json.Unmarshal(e.Result, &s) == nil {
		return s
	}
	return ""
}

// Classify reads Etherscan's HTTP-200 errors from the body (see the real
// bodies in api-samples/etherscan): "No transactions found" and friends are
// empty successes; "Max rate limit reached" and temporary unavailability are
// transient; "Invalid API Key" and unsupported chains are permanent.
// Anything else not understood is transient: a retry is cheap, and a body
// that is not an envelope at all is left to the decoder to report.
func Classify(status int, _ http.Header, body []byte) httpx.Verdict {
	if status != http.StatusOK {
		return httpx.Verdict{}
	}
	var env envelope
	if json.Unmarshal(body, &env) != nil || env.Status == "" {
		return httpx.Verdict{}
	}
	if env.Status == "1" {
		return httpx.Verdict{Outcome: httpx.OK}
	}
	msg, res := env.Message, env.resultText()
	has := func(s string, subs ...string) bool {
		s = strings.ToLower(s)
		for _, sub := range subs {
			if strings.Contains(s, strings.ToLower(sub)) {
				return true
			}
		}
		return false
	}
	reason := msg
	if res != "" {
		reason += ": " + res
	}
	switch {
	case has(msg, "No transactions found", "No records found", "No data found", "No token transfers found", "No logs found"):
		return httpx.Verdict{Outcome: httpx.Empty, Reason: msg}
	case has(res, "rate limit", "Max calls per sec"):
		// Etherscan's limit is per second: a second's pause is what it asks.
		return httpx.Verdict{Outcome: httpx.Transient, Reason: reason, Code: "rate_limited", RetryAfter: time.Second}
	case has(res, "temporarily unavailable", "Query Timeout", "timeout", "try again"):
		return httpx.Verdict{Outcome: httpx.Transient, Reason: reason, Code: "unavailable"}
	case has(res, "Invalid API Key", "Missing/Invalid API Key", "API Key not found", "API key expired"):
		return httpx.Verdict{Outcome: httpx.Permanent, Reason: reason, Code: "invalid_key"}
	case has(res, "not supported for this chain", "upgrade your api plan", "Missing or unsupported chainid", "Result window is too large"):
		return httpx.Verdict{Outcome: httpx.Permanent, Reason: reason, Code: "unsupported"}
	case has(res, "Error! Invalid", "Invalid address", "Invalid contract address"):
		return httpx.Verdict{Outcome: httpx.Permanent, Reason: reason, Code: "invalid_request"}
	}
	return httpx.Verdict{Outcome: httpx.Transient, Reason: reason, Code: "notok"}
}
