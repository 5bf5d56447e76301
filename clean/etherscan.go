package clean

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"memepipe/evm"
)

// etherscanResult streams an Etherscan body {"status","message","result"}.
// When result is an array, each element is handed to elem with its path
// ($.result[i]) as it is read, so a million-row body never sits in memory.
// When the API reported an error (status "0", a string result), the body
// is classified: an empty result is success with zero rows; anything else
// is an UpstreamError, transient or permanent by its message.
func (in Input) etherscanResult(ctx context.Context, elem func(dec *json.Decoder, path string) error) error {
	dec := newDecoder(in.Body)
	if err := in.openObject(dec); err != nil {
		return err
	}
	var status, message, resultText string
	seen := map[string]bool{}
	rows := 0
	for dec.More() {
		key, err := in.objectKey(dec, "$")
		if err != nil {
			return err
		}
		seen[key] = true
		switch key {
		case "status", "message":
			var s string
			if err := dec.Decode(&s); err != nil {
				return in.jsonErr("$."+key, err)
			}
			if key == "status" {
				status = s
			} else {
				message = s
			}
		case "result":
			tok, err := dec.Token()
			if err != nil {
				return in.jsonErr("$.result", err)
			}
			switch v := tok.(type) {
			case json.Delim:
				if v != '[' {
					return in.errAtf("$.result", "want an array or a message, got an object")
				}
				for i := 0; dec.More(); i++ {
					if i%1024 == 0 {
						if err := ctx.Err(); err != nil {
							return err
						}
					}
					if err := elem(dec, "$.result["+strconv.Itoa(i)+"]"); err != nil {
						return err
					}
					rows++
				}
				if _, err := dec.Token(); err != nil { // ']'
					return in.jsonErr("$.result", err)
				}
			case string:
				resultText = v
			case nil:
			default:
				return in.errAtf("$.result", "want an array or a message, got %s", describeToken(tok))
			}
		default:
			if err := in.skipValue(dec, "$."+key); err != nil {
				return err
			}
		}
	}
	if err := in.closeObject(dec); err != nil {
		return err
	}
	if !seen["result"] || !seen["message"] {
		return in.errAtf("$", "not an Etherscan response (no result/message fields)")
	}
	if status == "1" && resultText == "" {
		return nil
	}
	if status != "0" && status != "1" && seen["status"] {
		return in.errAtf("$.status", "%q is neither \"0\" nor \"1\"", status)
	}
	if status == "1" {
		// A string result under status 1 (balance, tokenholdercount) is
		// not a shape the row parsers read.
		return in.errAtf("$.result", "want an array of rows, got the string %q", clip(resultText, 60))
	}
	kind, empty := classifyEtherscan(message, resultText)
	if empty {
		if rows > 0 {
			return in.errAtf("$", "status 0 (%s) with %d result rows", message, rows)
		}
		return nil
	}
	return in.upstream(kind, firstNonEmpty(message+": "+resultText, resultText, message))
}

// classifyEtherscan maps Etherscan's status-0 messages to what they mean.
// Messages as documented (docs.etherscan.io, common error messages) and as
// recorded in the samples.
func classifyEtherscan(message, result string) (kind UpstreamKind, empty bool) {
	text := strings.ToLower(message + " | " + result)
	switch {
	case strings.Contains(text, "no transactions found"),
		strings.Contains(text, "no records found"),
		strings.Contains(text, "no data found"),
		strings.Contains(text, "no token transfers found"):
		return "", true
	case strings.Contains(text, "rate limit"):
		return UpstreamRateLimited, false
	case strings.Contains(text, "temporarily unavailable"), strings.Contains(text, "try again later"),
		strings.Contains(text, "timeout"), strings.Contains(text, "unexpected error"):
		return UpstreamUnavailable, false
	case strings.Contains(text, "invalid api key"), strings.Contains(text, "missing/invalid api key"),
		strings.Contains(text, "api key") && (strings.Contains(text, "banned") || strings.Contains(text, "missing")):
		return UpstreamAuth, false
	case strings.Contains(text, "not supported for this chain"), strings.Contains(text, "upgrade your api plan"),
		strings.Contains(text, "api pro"), strings.Contains(text, "paid"):
		return UpstreamPlan, false
	case strings.Contains(text, "result window is too large"), strings.Contains(text, "invalid"),
		strings.Contains(text, "not verified"),
		strings.Contains(text, "error!"):
		return UpstreamRequest, false
	}
	return UpstreamOther, false
}

// Etherscan rows print every number as a decimal string.

func (in Input) decInt(path, s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, in.errAtf(path, "%q is not a non-negative integer", clip(s, 40))
	}
	return n, nil
}

func (in Input) decTime(path, s string) (time.Time, error) {
	n, err := in.decInt(path, s)
	if err != nil {
		return time.Time{}, err
	}
	t, err := unixTime(n)
	if err != nil {
		return time.Time{}, in.errAt(path, err)
	}
	return t, nil
}

func (in Input) address(path, s string) (string, error) {
	a, err := evm.ChecksumAddress(s)
	if err != nil {
		return "", in.errAt(path, err)
	}
	return a, nil
}

// optAddress allows "" (a contract creation has no "to").
func (in Input) optAddress(path, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	return in.address(path, s)
}

func (in Input) txHash(path, s string) (string, error) {
	if !evm.IsHash(s) {
		return "", in.errAtf(path, "%q is not a 32-byte transaction hash", clip(s, 80))
	}
	return strings.ToLower(s), nil
}
