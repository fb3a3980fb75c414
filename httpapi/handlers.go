package httpapi

import (
	"context"
	"net/http"

	"livedash"
)

// listHandler serves a paginated list: ?limit=&cursor= → {"items":[…],"next_cursor":"…"}.
func listHandler[T any](d Deps, list func(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[T], error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opt, err := listOptions(r)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		page, err := list(r.Context(), principalOf(r), opt)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusOK, pageOf(page))
	})
}

// getHandler serves GET …/{id} of a versioned record, with its ETag.
func getHandler[T any](d Deps, get func(ctx context.Context, p livedash.Principal, id string) (T, error), version func(T) int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := get(r.Context(), principalOf(r), r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encodeVersioned(w, http.StatusOK, v, version(v))
	})
}

// deleteHandler serves DELETE …/{id}: with If-Match only that version is deleted (409 if stale).
func deleteHandler(d Deps, del func(ctx context.Context, p livedash.Principal, id string, version int64) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version, err := versionOf(r, nil, false)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		if err := del(r.Context(), principalOf(r), r.PathValue("id"), version); err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// encodeVersioned writes v with status and the ETag of the record's version.
func encodeVersioned(w http.ResponseWriter, status int, v any, version int64) {
	w.Header().Set("ETag", etag(version))
	encode(w, status, v)
}
