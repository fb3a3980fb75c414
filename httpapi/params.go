package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"livedash"
)

// listOptions reads ?limit= and ?cursor=.
func listOptions(r *http.Request) (livedash.ListOptions, error) {
	q := r.URL.Query()
	opt := livedash.ListOptions{Cursor: q.Get("cursor")}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return opt, badField("limit", "must be a whole number from 0 to 500")
		}
		opt.Limit = n
	}
	return opt, nil
}

// boolParam reads an optional boolean query parameter (true/false/1/0).
func boolParam(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, badField(name, "must be true or false")
	}
	return b, nil
}

// ifMatchVersion reads a version from If-Match: "5", 5 or W/"5". ok is false without the header.
func ifMatchVersion(r *http.Request) (v int64, ok bool, err error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, false, nil
	}
	s := strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil || v < 1 {
		return 0, false, badField("If-Match", `must be the version the client read, e.g. "3"`)
	}
	return v, true, nil
}

// versionOf returns the version a write is based on: from the body, else If-Match. They must
// agree when both are given. Without either it is an error when required, else 0 (any version).
func versionOf(r *http.Request, body *int64, required bool) (int64, error) {
	hv, hok, err := ifMatchVersion(r)
	if err != nil {
		return 0, err
	}
	switch {
	case body != nil && *body < 1:
		return 0, badField("version", "must be the version you read (1 or more)")
	case body != nil && hok && *body != hv:
		return 0, badField("version", "differs from If-Match")
	case body != nil:
		return *body, nil
	case hok:
		return hv, nil
	case required:
		return 0, badField("version", `is required: send the version you read in the body or as If-Match: "<version>"`)
	}
	return 0, nil
}

// etag is the ETag of a record at version v.
func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// pageOf returns p with a non-nil Items so that lists encode as [] rather than null.
func pageOf[T any](p livedash.Page[T]) livedash.Page[T] {
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}
