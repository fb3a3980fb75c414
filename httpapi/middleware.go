package httpapi

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

	"livedash"
)

// Names of the request parts that carry credentials.
const (
	SessionCookie = "livedash_session" // set by login; the same cookie the real-time hub reads
	CSRFHeader    = "X-Livedash-CSRF"  // must be "1" on state-changing requests authenticated by the cookie
	APIKeyHeader  = "X-API-Key"
	TenantHeader  = "X-Livedash-Tenant" // the tenant an API-key ingest writes to
)

// access says who may call a route.
type access int

const (
	public    access = iota // anyone
	user                    // a token: Authorization: Bearer or the session cookie
	apiKey                  // X-API-Key only
	userOrKey               // a token or X-API-Key
)

// caller is who made a request, stored in its context by authenticate.
type caller struct {
	principal livedash.Principal // zero for the API key
	byAPIKey  bool
}

type callerKey struct{}

// principalOf returns the principal authenticate stored for r (zero for API-key requests).
func principalOf(r *http.Request) livedash.Principal {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c.principal
}

// byAPIKey reports whether r was authenticated by the API key.
func byAPIKey(r *http.Request) bool {
	c, _ := r.Context().Value(callerKey{}).(caller)
	return c.byAPIKey
}

// authenticate lets through the requests a admits, with their caller in the context, and refuses
// the others: 401 without valid credentials, 403 csrf for a state-changing request authenticated
// by the cookie without the CSRF header.
func authenticate(d Deps, a access, h http.Handler) http.Handler {
	if a == public {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key := r.Header.Get(APIKeyHeader); key != "" && (a == apiKey || a == userOrKey) {
			if d.APIKey == "" || subtle.ConstantTimeCompare([]byte(key), []byte(d.APIKey)) != 1 {
				unauthenticated(w, r, d.Logger, "invalid API key")
				return
			}
			ctx := context.WithValue(r.Context(), callerKey{}, caller{byAPIKey: true})
			h.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		if a == apiKey {
			unauthenticated(w, r, d.Logger, "send the API key in "+APIKeyHeader)
			return
		}
		tok, viaCookie := token(r)
		if tok == "" {
			unauthenticated(w, r, d.Logger, "log in first: send Authorization: Bearer <token> or the "+SessionCookie+" cookie")
			return
		}
		p, err := d.Verifier.Verify(tok)
		if err != nil {
			unauthenticated(w, r, d.Logger, livedash.ErrorMessage(err))
			return
		}
		if viaCookie && !safeMethod(r.Method) && r.Header.Get(CSRFHeader) != "1" {
			writeError(w, r, d.Logger, errorf(codeCSRF, "requests authenticated by the session cookie that change state must send the header %s: 1", CSRFHeader))
			return
		}
		ctx := context.WithValue(r.Context(), callerKey{}, caller{principal: p})
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func unauthenticated(w http.ResponseWriter, r *http.Request, log *slog.Logger, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="livedash"`)
	writeError(w, r, log, errorf(livedash.EUnauthenticated, "%s", msg))
}

// token returns the token of r from Authorization: Bearer or else the session cookie, and whether
// it came from the cookie.
func token(r *http.Request) (tok string, viaCookie bool) {
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:]), false
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// recoverPanics turns a panic of a handler into a logged 500.
func recoverPanics(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v)
				writeError(w, r, log, errorf(livedash.EInternal, "internal error"))
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// handleNotFound answers paths under /api/v1 that name no resource.
func handleNotFound(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, d.Logger, errorf(livedash.ENotFound, "no API endpoint %s", r.URL.Path))
	})
}

// handleMethodNotAllowed answers a known path asked with a method it does not serve.
func handleMethodNotAllowed(d Deps, allow []string) http.Handler {
	list := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", list)
		writeError(w, r, d.Logger, errorf(codeMethodNotAllowed, "%s does not serve %s; allowed: %s", r.URL.Path, r.Method, list))
	})
}
