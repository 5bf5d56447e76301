package raw

import (
	"context"
	"errors"
	"io"
	"iter"
	"strings"
	"time"

	"gocloud.dev/blob"

	"memepipe/pipeline"
)

// Filter selects objects for List. Zero fields select everything.
type Filter struct {
	// Source is a source name ("etherscan.tokentx"), or a family prefix
	// ending in a dot ("etherscan.") for all of its sources.
	Source string
	// Token is a token key (watchlist.Token.Key()) or its TokenSegment.
	Token string
	// Interval keeps objects whose interval overlaps it: a cleaner of a day
	// reads the hourly pages inside it.
	Interval pipeline.Interval
	// WithMeta reads each object's metadata (one extra request per object
	// on S3/GCS); without it, Info carries what the key says.
	WithMeta bool
	// Rejected lists the pages collectors rejected instead of the ones
	// they accepted.
	Rejected bool
}

// Info is one listed object.
type Info struct {
	Key string `json:"key"`
	// Meta is complete when Filter.WithMeta was set; otherwise only Key,
	// Source and Interval are filled (from the key) and Token holds the
	// key's token segment.
	Meta    Meta      `json:"meta"`
	Stored  int64     `json:"stored_bytes"` // compressed size in the bucket
	ModTime time.Time `json:"mod_time"`
}

// List yields the objects matching f in key order: by source, then interval
// start, then token, then hash. Objects whose keys were not written by Put
// (stranded temp files, foreign files) are skipped. Iteration stops at the
// first error, which is yielded.
func (z *Zone) List(ctx context.Context, f Filter) iter.Seq2[Info, error] {
	return func(yield func(Info, error) bool) {
		root := ""
		if f.Rejected {
			root = RejectedPrefix
		}
		sources, err := z.sources(ctx, root, f.Source)
		if err != nil {
			yield(Info{}, err)
			return
		}
		wantToken := ""
		if f.Token != "" {
			wantToken = TokenSegment(f.Token)
		}
		for _, src := range sources {
			ivDirs, err := z.intervalDirs(ctx, root+src, f.Interval)
			if err != nil {
				yield(Info{}, err)
				return
			}
			for _, dir := range ivDirs {
				prefix := dir
				if wantToken != "" {
					prefix += wantToken + "/"
				}
				it := z.bucket.List(&blob.ListOptions{Prefix: prefix})
				for {
					obj, err := it.Next(ctx)
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						yield(Info{}, err)
						return
					}
					pk, ok := parseKey(obj.Key)
					if !ok || obj.IsDir || pk.rejected != f.Rejected || (wantToken != "" && pk.token != wantToken) {
						continue
					}
					info := Info{Key: obj.Key, Stored: obj.Size, ModTime: obj.ModTime,
						Meta: Meta{Key: obj.Key, Source: pk.source, Token: pk.token, Interval: pk.interval}}
					if f.WithMeta {
						if info.Meta, err = z.Stat(ctx, obj.Key); err != nil {
							yield(Info{}, err)
							return
						}
					}
					if !yield(info, nil) {
						return
					}
				}
			}
		}
	}
}

// Keys collects List's keys (for small listings and tests).
func (z *Zone) Keys(ctx context.Context, f Filter) ([]string, error) {
	var keys []string
	for info, err := range z.List(ctx, f) {
		if err != nil {
			return keys, err
		}
		keys = append(keys, info.Key)
	}
	return keys, nil
}

// sources lists the top-level source folders that match want.
func (z *Zone) sources(ctx context.Context, root, want string) ([]string, error) {
	if want != "" && !strings.HasSuffix(want, ".") {
		return []string{want}, nil
	}
	dirs, err := z.dirs(ctx, root)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range dirs {
		if checkSource(d) == nil && strings.HasPrefix(d, want) && d+"/" != RejectedPrefix {
			out = append(out, d)
		}
	}
	return out, nil
}

// intervalDirs returns the "[_rejected/]source/date/interval/" prefixes whose interval
// overlaps iv (all of them when iv is zero), in order.
func (z *Zone) intervalDirs(ctx context.Context, source string, iv pipeline.Interval) ([]string, error) {
	dates, err := z.dirs(ctx, source+"/")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, date := range dates {
		d, err := time.Parse(keyDateLayout, date)
		if err != nil {
			continue
		}
		// An object's interval starts on its date folder's day; one that
		// starts after iv ends cannot overlap it.
		if !iv.IsZero() && !d.Before(iv.End) {
			continue
		}
		ivs, err := z.dirs(ctx, source+"/"+date+"/")
		if err != nil {
			return nil, err
		}
		for _, s := range ivs {
			oiv, ok := parseIntervalDir(s)
			if !ok {
				continue
			}
			if iv.IsZero() || (oiv.Start.Before(iv.End) && iv.Start.Before(oiv.End)) {
				out = append(out, source+"/"+date+"/"+s+"/")
			}
		}
	}
	return out, nil
}

// dirs lists the immediate "folder" names under prefix.
func (z *Zone) dirs(ctx context.Context, prefix string) ([]string, error) {
	it := z.bucket.List(&blob.ListOptions{Prefix: prefix, Delimiter: "/"})
	var out []string
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if obj.IsDir {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(obj.Key, prefix), "/"))
		}
	}
}
