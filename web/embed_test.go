package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const indexHTML = `<!doctype html><html><body><div id="root"></div><script type="module" src="/assets/index-abc123.js"></script></body></html>`

var bigJS = strings.Repeat("console.log('livedash');\n", 200)

func testHandler() http.Handler {
	return newHandler(fstest.MapFS{
		"index.html":              {Data: []byte(indexHTML)},
		"assets/index-abc123.js":  {Data: []byte(bigJS)},
		"assets/index-def456.css": {Data: []byte("body{margin:0}")},
		"robots.txt":              {Data: []byte("User-agent: *\n")},
	})
}

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestIndexIsRevalidated(t *testing.T) {
	h := testHandler()
	for _, p := range []string{"/", "/index.html"} {
		w := get(t, h, http.MethodGet, p, nil)
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d", p, w.Code)
		}
		if got := w.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache", p, got)
		}
		if got := w.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", p, got)
		}
		if w.Body.String() != indexHTML {
			t.Errorf("GET %s: body %q", p, w.Body.String())
		}
	}
}

func TestHashedAssetsAreImmutable(t *testing.T) {
	h := testHandler()
	w := get(t, h, http.MethodGet, "/assets/index-abc123.js", nil)
	if w.Code != http.StatusOK || w.Body.String() != bigJS {
		t.Fatalf("status %d, body of %d bytes", w.Code, w.Body.Len())
	}
	if got := w.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := w.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/javascript") {
		t.Errorf("Content-Type %q", got)
	}
	w = get(t, h, http.MethodGet, "/assets/index-def456.css", nil)
	if got := w.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/css") {
		t.Errorf("css Content-Type %q", got)
	}
	// Files outside /assets/ have no hash in their name.
	w = get(t, h, http.MethodGet, "/robots.txt", nil)
	if got := w.Header().Get("Cache-Control"); got != "no-cache" {
		t.Errorf("robots.txt Cache-Control %q", got)
	}
}

func TestMissingAssetIsNotTheApp(t *testing.T) {
	w := get(t, testHandler(), http.MethodGet, "/assets/index-old999.js", nil)
	if w.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", w.Code)
	}
	checkJSONError(t, w, "not_found")
}

func TestSPAFallback(t *testing.T) {
	h := testHandler()
	for _, p := range []string{"/dashboards/42", "/alerts", "/settings/profile?tab=1", "/dashboard", "/dashboard/7", "/wsx", "/apix"} {
		w := get(t, h, http.MethodGet, p, nil)
		if w.Code != http.StatusOK || w.Body.String() != indexHTML {
			t.Errorf("GET %s: status %d, body %q; want index.html", p, w.Code, w.Body.String())
		}
		if got := w.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", p, got)
		}
	}
}

func TestServerPathsAreNotHandled(t *testing.T) {
	h := testHandler()
	for _, p := range []string{
		"/api", "/api/", "/api/v1/dashboards", "/ws", "/ws/x", "/dashboard/sse", "/dashboard/broadcast",
		"/websocket/health", "/websocket/stats", "/metrics", "/api/../api/x",
	} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			w := get(t, h, m, p, nil)
			if w.Code != http.StatusNotFound {
				t.Errorf("%s %s: status %d, want 404", m, p, w.Code)
				continue
			}
			checkJSONError(t, w, "not_found")
		}
	}
}

func TestMethods(t *testing.T) {
	h := testHandler()
	w := get(t, h, http.MethodPost, "/", nil)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: status %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
	w = get(t, h, http.MethodHead, "/assets/index-abc123.js", nil)
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("HEAD: status %d, body %d bytes", w.Code, w.Body.Len())
	}
}

func TestGzipAndETag(t *testing.T) {
	h := testHandler()
	w := get(t, h, http.MethodGet, "/assets/index-abc123.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if w.Header().Get("Content-Encoding") != "gzip" || w.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("headers %v", w.Header())
	}
	zr, err := gzip.NewReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != bigJS {
		t.Errorf("gunzipped body differs")
	}
	gzTag := w.Header().Get("ETag")

	w = get(t, h, http.MethodGet, "/assets/index-abc123.js", map[string]string{"Accept-Encoding": "gzip;q=0"})
	if w.Header().Get("Content-Encoding") != "" || w.Body.String() != bigJS {
		t.Errorf("gzip;q=0 still got gzip")
	}
	tag := w.Header().Get("ETag")
	if tag == "" || tag == gzTag {
		t.Errorf("ETags %q and %q: want two different ones", tag, gzTag)
	}

	w = get(t, h, http.MethodGet, "/", map[string]string{"If-None-Match": get(t, h, http.MethodGet, "/", nil).Header().Get("ETag")})
	if w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: status %d, want 304", w.Code)
	}
	// Small files are not compressed.
	w = get(t, h, http.MethodGet, "/robots.txt", map[string]string{"Accept-Encoding": "gzip"})
	if w.Header().Get("Content-Encoding") != "" {
		t.Errorf("robots.txt compressed")
	}
}

func TestNotBuilt(t *testing.T) {
	w := get(t, newHandler(fstest.MapFS{}), http.MethodGet, "/", nil)
	if w.Code != http.StatusNotFound {
		t.Errorf("status %d, want 404", w.Code)
	}
}

// The committed build: index.html refers to hashed assets that are served as immutable.
func TestEmbeddedBuild(t *testing.T) {
	h := Handler()
	w := get(t, h, http.MethodGet, "/", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `<div id="root">`) {
		t.Fatalf("GET /: status %d, body %q", w.Code, w.Body.String())
	}
	i := strings.Index(w.Body.String(), `src="/assets/`)
	if i < 0 {
		t.Fatalf("index.html refers to no /assets/ script: %s", w.Body.String())
	}
	src := w.Body.String()[i+len(`src="`):]
	src = src[:strings.IndexByte(src, '"')]
	a := get(t, h, http.MethodGet, src, nil)
	if a.Code != http.StatusOK || a.Header().Get("Cache-Control") != cacheImmutable {
		t.Errorf("GET %s: status %d, Cache-Control %q", src, a.Code, a.Header().Get("Cache-Control"))
	}
}

func checkJSONError(t *testing.T, w *httptest.ResponseRecorder, code string) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code != code {
		t.Errorf("body %q: want error code %q (%v)", w.Body.String(), code, err)
	}
}
