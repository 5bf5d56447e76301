package raw

import (
	"net/url"
	"strings"
)

// bucketURL turns the raw zone's URL into the one gocloud.dev opens. A raw
// zone is written s3://bucket/prefix or gs://bucket/prefix, as operators
// write object locations, but gocloud.dev's openers take the bucket from the
// host and ignore the path: its prefix is the `prefix` query parameter.
// Without this, s3://bucket/raw would silently write to the bucket's root.
// Other query parameters (region, endpoint, use_path_style, ...) pass
// through to gocloud.dev.
func bucketURL(u *url.URL) string {
	p := strings.Trim(u.Path, "/")
	if p == "" {
		return u.String()
	}
	v := *u
	q := v.Query()
	prefix := p + "/"
	if extra := q.Get("prefix"); extra != "" {
		prefix += strings.TrimLeft(extra, "/")
	}
	q.Set("prefix", prefix)
	v.Path, v.RawPath = "", ""
	v.RawQuery = q.Encode()
	return v.String()
}
