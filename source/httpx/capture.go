package httpx

import (
	"context"

	"memepipe/raw"
)

// Capture keeps a usable response before the caller decodes it, and returns
// where it went. It sees only redacted URLs.
type Capture func(ctx context.Context, req *Request, resp *Response) (key string, existed bool, err error)

// RawCapture stores responses in the raw zone: one object per response
// page, under the request's Source, Token and Interval; pages the decoder
// rejected go under raw.RejectedPrefix.
func RawCapture(z *raw.Zone) Capture {
	return func(ctx context.Context, req *Request, resp *Response) (string, bool, error) {
		return z.Put(ctx, raw.Object{
			Meta: raw.Meta{
				Source:      req.Source,
				Token:       req.Token,
				Interval:    req.Interval,
				URL:         resp.URL,
				Status:      resp.Status,
				FetchedAt:   resp.FetchedAt,
				ContentType: resp.ContentType,
				Rejected:    resp.Rejected,
			},
			Body: resp.Body,
		})
	}
}
