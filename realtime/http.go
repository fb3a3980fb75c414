package realtime

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"livedash"
)

// SessionCookie is the cookie the web app's login sets; /ws and /dashboard/sse accept it.
const SessionCookie = "livedash_session"

// Handler returns the hub's HTTP endpoints: /ws, /dashboard/sse, /dashboard/broadcast,
// /websocket/health and /websocket/stats.
func (h *Hub) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", h.serveWebSocket)
	if h.cfg.SSE {
		mux.HandleFunc("GET /dashboard/sse", h.serveSSE)
		mux.HandleFunc("OPTIONS /dashboard/sse", h.serveSSEPreflight)
	}
	mux.HandleFunc("POST /dashboard/broadcast", h.serveBroadcast)
	mux.HandleFunc("GET /websocket/health", h.serveHealth)
	mux.HandleFunc("GET /websocket/stats", h.serveStats)
	return mux
}

// WriteError writes the JSON error envelope {"error":{"code","message"}} with status.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// bearerToken returns the token of a request: ?token=, Authorization: Bearer, or the session cookie.
func bearerToken(r *http.Request) string {
	if t := r.URL.Query().Get("token"); t != "" {
		return t
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// originAllowed guards against cross-site WebSocket hijacking: requests without Origin (not from
// a browser) pass; browser requests must be same-origin or from an allowed origin.
func (h *Hub) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	for _, a := range h.cfg.AllowedOrigins {
		if a == "*" || strings.EqualFold(a, o) {
			return true
		}
	}
	u, err := url.Parse(o)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// clientIP is the socket's peer address, or the first untrusted hop of X-Forwarded-For when the
// peer is a trusted proxy.
func (h *Hub) clientIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	ip = ip.Unmap()
	if !h.trusted(ip) {
		return ip
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return ip
		}
		ip = hop.Unmap()
		if !h.trusted(ip) {
			return ip
		}
	}
	return ip
}

func (h *Hub) trusted(ip netip.Addr) bool {
	for _, p := range h.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// admitRequest runs every check that can refuse a real-time connection before it is upgraded:
// draining, origin, token, connection limits. It writes the refusal itself.
func (h *Hub) admitRequest(w http.ResponseWriter, r *http.Request) (*livedash.Principal, netip.Addr, bool) {
	ip := h.clientIP(r)
	if h.draining.Load() {
		WriteError(w, http.StatusServiceUnavailable, livedash.EUnavailable, "server is shutting down; reconnect shortly")
		return nil, ip, false
	}
	if !h.originAllowed(r) {
		h.stats.refusedOrigin.Add(1)
		WriteError(w, http.StatusForbidden, livedash.EForbidden, "origin "+r.Header.Get("Origin")+" is not allowed")
		return nil, ip, false
	}
	var p *livedash.Principal
	if tok := bearerToken(r); tok != "" {
		pr, err := h.auth.Verify(tok)
		if err != nil {
			h.stats.refusedAuth.Add(1)
			WriteError(w, http.StatusUnauthorized, livedash.EUnauthenticated, livedash.ErrorMessage(err))
			return nil, ip, false
		}
		p = &pr
	}
	if err := h.admit(ip, p); err != nil {
		w.Header().Set("Retry-After", "5")
		WriteError(w, http.StatusTooManyRequests, livedash.ERateLimited, err.Error())
		return nil, ip, false
	}
	return p, ip, true
}

// authorizeAdmin accepts the API key (any target) or a token with role admin. It returns the
// principal (nil for the API key) or writes the refusal.
func (h *Hub) authorizeAdmin(w http.ResponseWriter, r *http.Request) (p *livedash.Principal, ok bool) {
	if key := r.Header.Get("X-API-Key"); key != "" {
		if h.apiKey == "" || subtle.ConstantTimeCompare([]byte(key), []byte(h.apiKey)) != 1 {
			WriteError(w, http.StatusUnauthorized, livedash.EUnauthenticated, "invalid API key")
			return nil, false
		}
		return nil, true
	}
	tok := bearerToken(r)
	if tok == "" {
		WriteError(w, http.StatusUnauthorized, livedash.EUnauthenticated, "send an admin token (Authorization: Bearer) or X-API-Key")
		return nil, false
	}
	pr, err := h.auth.Verify(tok)
	if err != nil {
		WriteError(w, http.StatusUnauthorized, livedash.EUnauthenticated, livedash.ErrorMessage(err))
		return nil, false
	}
	if !pr.HasRole(livedash.RoleAdmin) {
		WriteError(w, http.StatusForbidden, livedash.EForbidden, "role admin is required")
		return nil, false
	}
	return &pr, true
}

// BroadcastRequest is the body of POST /dashboard/broadcast: exactly one target.
type BroadcastRequest struct {
	Channel string          `json:"channel,omitempty"`
	User    string          `json:"user,omitempty"`
	Tenant  string          `json:"tenant,omitempty"`
	Global  bool            `json:"global,omitempty"`
	Event   string          `json:"event"`
	Data    json.RawMessage `json:"data"`
}

func (h *Hub) serveBroadcast(w http.ResponseWriter, r *http.Request) {
	p, ok := h.authorizeAdmin(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(h.cfg.MaxFrameSize)))
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			WriteError(w, http.StatusRequestEntityTooLarge, livedash.ETooLarge, "body larger than the limit")
			return
		}
		WriteError(w, http.StatusBadRequest, livedash.EBadRequest, "cannot read body")
		return
	}
	var req BroadcastRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		WriteError(w, http.StatusBadRequest, livedash.EBadRequest, "body is not a valid broadcast request: "+err.Error())
		return
	}
	channel, field, err := h.broadcastTarget(req, p)
	if err != nil {
		status := http.StatusBadRequest
		if livedash.ErrorCode(err) == livedash.EForbidden {
			status = http.StatusForbidden
		}
		WriteError(w, status, livedash.ErrorCode(err), field+": "+livedash.ErrorMessage(err))
		return
	}
	if p != nil {
		if err := h.policy.AuthorizePublish(r.Context(), *p, channel); err != nil {
			WriteError(w, http.StatusForbidden, livedash.EForbidden, livedash.ErrorMessage(err))
			return
		}
	}
	if len(req.Data) == 0 {
		req.Data = json.RawMessage("null")
	}
	pub, err := h.Publish(r.Context(), channel, req.Event, req.Data)
	if err != nil {
		if livedash.ErrorCode(err) == livedash.EBadRequest {
			WriteError(w, http.StatusBadRequest, livedash.EBadRequest, "event: "+livedash.ErrorMessage(err))
			return
		}
		h.log.Error("broadcast failed", "channel", channel, "err", err)
		WriteError(w, http.StatusInternalServerError, livedash.EInternal, "publish failed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"channel": pub.Channel, "seq": pub.Seq, "epoch": pub.Epoch})
}

// broadcastTarget picks the channel of a broadcast request and names the field at fault.
func (h *Hub) broadcastTarget(req BroadcastRequest, p *livedash.Principal) (channel, field string, err error) {
	n := 0
	for _, set := range []bool{req.Channel != "", req.User != "", req.Tenant != "", req.Global} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", "channel", livedash.Errorf(livedash.EBadRequest, "give exactly one target: channel, user, tenant or global")
	}
	switch {
	case req.Channel != "":
		if err := h.policy.ValidChannel(req.Channel); err != nil {
			return "", "channel", err
		}
		return req.Channel, "", nil
	case req.User != "":
		return livedash.UserChannel(req.User), "", nil
	case req.Tenant != "":
		return livedash.TenantChannel(req.Tenant), "", nil
	default:
		if p != nil {
			return "", "global", livedash.Errorf(livedash.EForbidden, "only the API key may broadcast to everyone")
		}
		return livedash.ChannelGlobal, "", nil
	}
}

func (h *Hub) serveHealth(w http.ResponseWriter, r *http.Request) {
	st := h.Stats()
	body := map[string]any{
		"status":         "ok",
		"uptime_seconds": st.UptimeSeconds,
		"connections":    st.Connections["total"],
		"checks":         map[string]string{"hub": "ok", "broker": "ok"},
		"time":           h.now().UTC().Format(time.RFC3339),
	}
	status := http.StatusOK
	checks := body["checks"].(map[string]string)
	fail := func(name string, err error) {
		checks[name] = err.Error()
		body["status"], status = "degraded", http.StatusServiceUnavailable
	}
	if p, ok := h.broker.(interface{ Ping(context.Context) error }); ok {
		if err := p.Ping(r.Context()); err != nil {
			fail("broker", err)
		}
	}
	for name, check := range h.checks {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		if err := check(ctx); err != nil {
			fail(name, err)
		} else {
			checks[name] = "ok"
		}
		cancel()
	}
	if h.draining.Load() {
		body["status"], status = "draining", http.StatusServiceUnavailable
	}
	writeJSON(w, status, body)
}

func (h *Hub) serveStats(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.authorizeAdmin(w, r); !ok {
		return
	}
	st := h.Stats()
	if h.extra == nil {
		writeJSON(w, http.StatusOK, st)
		return
	}
	body := map[string]any{}
	for k, v := range h.extra() {
		body[k] = v
	}
	b, _ := json.Marshal(st)
	_ = json.Unmarshal(b, &body)
	writeJSON(w, http.StatusOK, body)
}
