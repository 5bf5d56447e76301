package raw

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Entry is one object as `memepipe raw list` shows it; its JSON form is the
// contract of `raw list --json` (key, source, fetched_at, sha256 at least).
type Entry struct {
	Key           string    `json:"key"`
	Source        string    `json:"source"`
	Token         string    `json:"token,omitempty"`
	IntervalStart time.Time `json:"interval_start"`
	IntervalEnd   time.Time `json:"interval_end"`
	FetchedAt     time.Time `json:"fetched_at"`
	SHA256        string    `json:"sha256"`
	Status        int       `json:"status"`
	Size          int64     `json:"size"`
	StoredBytes   int64     `json:"stored_bytes"`
	ContentType   string    `json:"content_type,omitempty"`
	URL           string    `json:"url,omitempty"`
	Rejected      string    `json:"rejected,omitempty"`
}

// Entries lists the objects matching f with their metadata (f.WithMeta is
// implied), in key order.
func (z *Zone) Entries(ctx context.Context, f Filter) ([]Entry, error) {
	f.WithMeta = true
	out := []Entry{}
	for info, err := range z.List(ctx, f) {
		if err != nil {
			return out, err
		}
		m := info.Meta
		out = append(out, Entry{Key: info.Key, Source: m.Source, Token: m.Token, IntervalStart: m.Interval.Start,
			IntervalEnd: m.Interval.End, FetchedAt: m.FetchedAt, SHA256: m.SHA256, Status: m.Status, Size: m.Size,
			StoredBytes: info.Stored, ContentType: m.ContentType, URL: m.URL, Rejected: m.Rejected})
	}
	return out, nil
}

// WriteTable prints entries as an aligned table for people.
func WriteTable(w io.Writer, entries []Entry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FETCHED_AT\tSOURCE\tTOKEN\tINTERVAL\tSTATUS\tSIZE\tKEY")
	for _, e := range entries {
		status := fmt.Sprint(e.Status)
		if e.Rejected != "" {
			status += " rejected"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s/%s\t%s\t%d\t%s\n", e.FetchedAt.UTC().Format(time.RFC3339), e.Source, e.Token,
			e.IntervalStart.UTC().Format("2006-01-02T15:04Z"), e.IntervalEnd.UTC().Format("2006-01-02T15:04Z"),
			status, e.Size, e.Key)
	}
	return tw.Flush()
}

// Cat writes an object's body, as received, to w (after checking it, as
// Get does).
func (z *Zone) Cat(ctx context.Context, key string, w io.Writer) error {
	obj, err := z.Get(ctx, strings.TrimSpace(key))
	if err != nil {
		return err
	}
	_, err = w.Write(obj.Body)
	return err
}
