package raw

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
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
				for obj, err := range z.objects(ctx, &blob.ListOptions{Prefix: prefix}) {
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
	var out []string
	for obj, err := range z.objects(ctx, &blob.ListOptions{Prefix: prefix, Delimiter: "/"}) {
		if err != nil {
			return nil, err
		}
		if obj.IsDir {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(obj.Key, prefix), "/"))
		}
	}
	return out, nil
}

// objects yields the zone's objects under opts.Prefix in key order. A file
// zone is read from its folders directly: fileblob answers every page of
// 1,000 keys by walking the whole prefix again and reading the attributes
// file of every key before the page token, so listing n objects cost
// n²/1,000 file reads (20,000 pages in one folder took 13 s; a million made
// listing about a quarter of a clean's CPU). Other buckets page as usual.
func (z *Zone) objects(ctx context.Context, opts *blob.ListOptions) iter.Seq2[*blob.ListObject, error] {
	if z.dir != "" && (opts.Prefix == "" || strings.HasSuffix(opts.Prefix, "/")) {
		return z.walk(ctx, opts.Prefix, opts.Delimiter == "/")
	}
	return func(yield func(*blob.ListObject, error) bool) {
		it := z.bucket.List(opts)
		for {
			obj, err := it.Next(ctx)
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(obj, err) || err != nil {
				return
			}
		}
	}
}

// walk lists a file zone's folder prefix (a folder key ending in "/", or ""
// for the root) as fileblob would: files by key with their size and time,
// or, with collapse, the folder's files and subfolders (IsDir) only. Keys
// map to paths one to one here because fileblob escapes none of the
// characters raw keys use (Put validates them). Each folder's entries are
// sorted by key, not by name, so "pepe-x/" comes before "pepe/" as in a
// bucket listing; memory is one folder's entries.
func (z *Zone) walk(ctx context.Context, prefix string, collapse bool) iter.Seq2[*blob.ListObject, error] {
	type entry struct {
		key string
		de  fs.DirEntry
	}
	return func(yield func(*blob.ListObject, error) bool) {
		var visit func(dir, keyPrefix string) bool
		visit = func(dir, keyPrefix string) bool {
			if err := ctx.Err(); err != nil {
				return yield(nil, err)
			}
			des, err := os.ReadDir(dir)
			if errors.Is(err, fs.ErrNotExist) {
				return true
			}
			if err != nil {
				return yield(nil, fmt.Errorf("list raw zone: %w", err))
			}
			entries := make([]entry, 0, len(des))
			for _, de := range des {
				switch name := de.Name(); {
				case de.IsDir():
					entries = append(entries, entry{keyPrefix + name + "/", de})
				case de.Type().IsRegular() && !strings.HasSuffix(name, fileAttrsExt):
					entries = append(entries, entry{keyPrefix + name, de})
				}
			}
			slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
			for _, e := range entries {
				if e.de.IsDir() {
					if collapse {
						if !yield(&blob.ListObject{Key: e.key, IsDir: true}, nil) {
							return false
						}
					} else if !visit(filepath.Join(dir, e.de.Name()), e.key) {
						return false
					}
					continue
				}
				fi, err := e.de.Info()
				if errors.Is(err, fs.ErrNotExist) {
					continue // removed since the folder was read
				}
				if err != nil {
					return yield(nil, fmt.Errorf("list raw zone: %w", err))
				}
				if !yield(&blob.ListObject{Key: e.key, Size: fi.Size(), ModTime: fi.ModTime()}, nil) {
					return false
				}
			}
			return true
		}
		visit(filepath.Join(z.dir, filepath.FromSlash(prefix)), prefix)
	}
}

// fileAttrsExt ends the files in which fileblob keeps an object's metadata
// beside it.
const fileAttrsExt = ".attrs"
