// Package web serves the built web app. The app is built by `npm run build` (in web/) into
// web/dist, which is committed, so that `go build` and `go run ./cmd/livedash` need no Node.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// reserved are the path prefixes of the server's own endpoints: they are never answered with the
// app, so that a mistyped API call gets a 404 rather than a page of HTML.
var reserved = []string{"/api", "/ws", "/dashboard/sse", "/dashboard/broadcast", "/websocket", "/metrics"}

// Cache-Control values: file names under /assets/ carry a content hash, so they never change;
// everything else (index.html first) must be revalidated, cheaply thanks to the ETag.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheRevalid   = "no-cache"
)

// Handler returns the handler of the embedded app:
//   - files of dist, with an ETag; hashed files under /assets/ cached for a year (immutable),
//     the others (index.html) with Cache-Control: no-cache;
//   - gzip when the client accepts it, for text files (compressed once, at start);
//   - any other path answered with index.html (client-side routing), except the server's
//     endpoints (/api/, /ws, /dashboard/sse, /dashboard/broadcast, /websocket/, /metrics) and
//     missing files under /assets/, which get a JSON 404.
//
// Mount it last, behind the API and real-time routes.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// The embed pattern guarantees the directory; failure is a build error.
		panic("web: " + err.Error())
	}
	return newHandler(sub)
}

type asset struct {
	name    string // base name, for the content type
	body    []byte
	gz      []byte // nil when not worth compressing
	etag    string // of body; gz has its own (etag + "-gz"): they are different representations
	control string
}

type handler struct {
	files map[string]*asset // by URL path, e.g. "/assets/index-abc.js"
	index *asset
}

func newHandler(files fs.FS) http.Handler {
	h := &handler{files: map[string]*asset{}}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		urlPath := "/" + p
		sum := sha256.Sum256(body)
		a := &asset{
			name:    path.Base(p),
			body:    body,
			etag:    `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
			control: cacheRevalid,
		}
		if strings.HasPrefix(urlPath, "/assets/") {
			a.control = cacheImmutable
		}
		a.gz = compress(a.name, body)
		h.files[urlPath] = a
		return nil
	})
	h.index = h.files["/index.html"]
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	if isReserved(p) {
		notFound(w, "no such endpoint: "+p)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "bad_request", "method "+r.Method+" not allowed")
		return
	}
	a := h.files[p]
	if a == nil {
		if strings.HasPrefix(p, "/assets/") {
			notFound(w, "no such asset: "+p)
			return
		}
		a = h.index // client-side route
	}
	if a == nil {
		notFound(w, "the web app is not built: run npm run build in web/")
		return
	}
	h.serve(w, r, a)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, a *asset) {
	hd := w.Header()
	hd.Set("Cache-Control", a.control)
	hd.Set("ETag", a.etag)
	hd.Set("X-Content-Type-Options", "nosniff")
	body := a.body
	if a.gz != nil {
		hd.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			hd.Set("Content-Encoding", "gzip")
			hd.Set("ETag", a.etag[:len(a.etag)-1]+`-gz"`)
			body = a.gz
		}
	}
	if a == h.index {
		hd.Set("Content-Type", "text/html; charset=utf-8")
	}
	// ServeContent sets the content type from the name, answers If-None-Match with 304 and HEAD
	// without a body. The zero time leaves Last-Modified out: the ETag is the validator.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

func isReserved(p string) bool {
	for _, prefix := range reserved {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

// compress gzips text files worth it; nil otherwise.
func compress(name string, body []byte) []byte {
	switch path.Ext(name) {
	case ".html", ".js", ".mjs", ".css", ".svg", ".json", ".txt", ".map", ".webmanifest":
	default:
		return nil
	}
	if len(body) < 1024 {
		return nil
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	if b.Len() >= len(body) {
		return nil
	}
	return b.Bytes()
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			return strings.ReplaceAll(params, " ", "") != "q=0"
		}
	}
	return false
}

func notFound(w http.ResponseWriter, message string) {
	writeError(w, http.StatusNotFound, "not_found", message)
}

// writeError writes the server's JSON error envelope {"error":{"code","message"}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}
