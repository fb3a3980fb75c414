package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Validate checks every setting and returns all problems found (as *FieldError values joined
// with errors.Join), or nil. Errors from Validate do not say where a value came from;
// errors from Load do.
func (c Config) Validate() error { return c.validate(nil) }

// describeFunc names where a setting's value came from and reports whether it was set explicitly.
type describeFunc func(key string) (desc string, set bool)

type validator struct {
	c        *Config
	describe describeFunc
	errs     []error
}

func (c Config) validate(describe describeFunc) error {
	v := &validator{c: &c, describe: describe}
	v.run()
	if len(v.errs) == 0 {
		return nil
	}
	return joinErrors(v.errs)
}

func (v *validator) fail(key, format string, args ...any) {
	e := &FieldError{Key: key, Reason: fmt.Sprintf(format, args...)}
	if v.describe != nil {
		e.Source, _ = v.describe(key)
	}
	v.errs = append(v.errs, e)
}

// ref names another setting and its value for cross-setting errors, with its source when it
// was set explicitly: "heartbeat_interval (30s)" or
// `heartbeat_interval (1m30s, from env LIVEDASH_HEARTBEAT_INTERVAL="90")`.
func (v *validator) ref(key string) string {
	val := formatValue(settingByKey[key].field(v.c))
	if v.describe != nil {
		if desc, set := v.describe(key); set {
			return fmt.Sprintf("%s (%s, from %s)", key, val, desc)
		}
	}
	return fmt.Sprintf("%s (%s)", key, val)
}

func (v *validator) min(key string, n, lo int) {
	if n < lo {
		v.fail(key, "must be at least %d", lo)
	}
}

func (v *validator) positive(key string, d time.Duration) {
	if d <= 0 {
		v.fail(key, "must be greater than 0")
	}
}

func (v *validator) oneOf(key, val string, allowed []string) {
	if !slices.Contains(allowed, val) {
		v.fail(key, "must be one of %s (got %q)", strings.Join(allowed, ", "), val)
	}
}

func (v *validator) file(key, path string) {
	if path == "" {
		return
	}
	if err := checkFile(path); err != nil {
		v.fail(key, "%v", err)
	}
}

func (v *validator) run() {
	c := v.c

	if err := checkAddr(c.Addr); err != nil {
		v.fail("addr", "%v", err)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		v.fail("data_dir", "must not be empty")
	}

	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		v.fail("jwt_secret", "must be at least 32 bytes (got %d); leave it empty to have one generated", len(c.JWTSecret))
	}
	v.file("jwt_public_key_file", c.JWTPublicKeyFile)
	if c.APIKey != "" && utf8.RuneCountInString(c.APIKey) < 16 {
		v.fail("api_key", "must be at least 16 characters (got %d)", utf8.RuneCountInString(c.APIKey))
	}

	for _, o := range c.AllowedOrigins {
		if err := checkOrigin(o); err != nil {
			v.fail("allowed_origins", "%v", err)
		}
	}
	for _, p := range c.TrustedProxies {
		if err := checkProxy(p); err != nil {
			v.fail("trusted_proxies", "%v", err)
		}
	}

	v.min("max_connections_per_user", c.MaxConnectionsPerUser, 0)
	v.min("max_connections_per_ip", c.MaxConnectionsPerIP, 0)

	switch {
	case c.TLSCertFile != "" && c.TLSKeyFile == "":
		v.fail("tls_cert_file", "tls_key_file must be set too (both or neither)")
	case c.TLSCertFile == "" && c.TLSKeyFile != "":
		v.fail("tls_key_file", "tls_cert_file must be set too (both or neither)")
	}
	v.file("tls_cert_file", c.TLSCertFile)
	v.file("tls_key_file", c.TLSKeyFile)

	v.positive("heartbeat_interval", c.HeartbeatInterval)
	if c.HeartbeatInterval > 0 && c.HeartbeatTimeout <= c.HeartbeatInterval {
		v.fail("heartbeat_timeout", "must be greater than %s", v.ref("heartbeat_interval"))
	}
	v.positive("auth_timeout", c.AuthTimeout)

	if !(c.MessageRateLimit > 0) || math.IsInf(c.MessageRateLimit, 1) {
		v.fail("message_rate_limit", "must be a number greater than 0")
	}
	v.min("message_burst", c.MessageBurst, 1)
	if c.MaxFrameSize < minFrameSize || c.MaxFrameSize > maxFrameSize {
		v.fail("max_frame_size", "must be between %d and %d (16 MiB)", minFrameSize, maxFrameSize)
	}
	v.min("max_channels_per_connection", c.MaxChannelsPerConnection, 1)
	v.min("send_queue_size", c.SendQueueSize, 16)
	v.positive("write_timeout", c.WriteTimeout)
	v.positive("shutdown_timeout", c.ShutdownTimeout)

	v.oneOf("log_format", c.LogFormat, logFormats)
	v.oneOf("log_level", c.LogLevel, logLevels)

	for _, kind := range slices.Sorted(maps.Keys(c.ChannelRoles)) {
		if err := checkChannelRoles(kind, c.ChannelRoles[kind]); err != nil {
			v.fail("channel_roles", "%v", err)
		}
	}

	v.min("history_size", c.HistorySize, 0)
	v.positive("history_ttl", c.HistoryTTL)
	v.min("history_size_metrics", c.HistorySizeMetrics, 0)

	if c.CollectorInterval < 100*time.Millisecond {
		v.fail("collector_interval", "must be at least 100ms")
	}

	if a, err := mail.ParseAddress(c.AdminEmail); err != nil || a.Address != c.AdminEmail {
		v.fail("admin_email", "%q is not a plain email address like admin@example.com", c.AdminEmail)
	}

	v.positive("metrics_retention", c.MetricsRetention)
}

func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		reason := err.Error()
		if ae, ok := errors.AsType[*net.AddrError](err); ok {
			reason = ae.Err
		}
		return fmt.Errorf("%q is not host:port (e.g. \":8080\" or \"127.0.0.1:8080\"): %s", addr, reason)
	}
	if port == "" {
		return nil // let the system pick a port
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < 0 || n > 65535 {
			return fmt.Errorf("port %d is out of range (0-65535)", n)
		}
		return nil
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("%q is not a valid port", port)
	}
	return nil
}

func checkFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("file %q does not exist", path)
		}
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%q is a directory, not a file", path)
	}
	return nil
}

// checkOrigin accepts "*" or a browser origin: scheme://host[:port], lower case, nothing else.
func checkOrigin(o string) error {
	if o == "*" {
		return nil
	}
	const form = "write scheme://host[:port], e.g. https://app.example.com"
	if o != strings.ToLower(o) {
		return fmt.Errorf("origin %q must be lower case (browsers send origins in lower case)", o)
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("origin %q is not a URL origin; %s", o, form)
	}
	if strings.Contains(u.Host, "*") {
		return fmt.Errorf("origin %q: wildcard hosts are not supported; list each origin, or use \"*\" alone", o)
	}
	if want := u.Scheme + "://" + u.Host; o != want {
		if o == want+"/" {
			return fmt.Errorf("origin %q must not end with \"/\"; write %s", o, want)
		}
		return fmt.Errorf("origin %q must not have a path, query or user info; %s", o, form)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("origin %q has no host; %s", o, form)
	}
	if p := u.Port(); p != "" || strings.HasSuffix(u.Host, ":") {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("origin %q has an invalid port", o)
		}
	}
	return nil
}

// checkProxy accepts an IP address or a CIDR prefix without host bits.
func checkProxy(p string) error {
	if strings.Contains(p, "/") {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return fmt.Errorf("%q is not a valid CIDR (e.g. 10.0.0.0/8)", p)
		}
		if pfx != pfx.Masked() {
			return fmt.Errorf("%q has host bits set; did you mean %s?", p, pfx.Masked())
		}
		return nil
	}
	if _, err := netip.ParseAddr(p); err != nil {
		return fmt.Errorf("%q is not an IP address or CIDR", p)
	}
	return nil
}

func checkChannelRoles(kind string, roles []string) error {
	if !slices.Contains(channelKinds, kind) {
		if kind == "global" {
			return errors.New(`channel kind "global" cannot be restricted: every connection is subscribed to it`)
		}
		return fmt.Errorf("unknown channel kind %q (known: %s)", kind, strings.Join(channelKinds, ", "))
	}
	if len(roles) == 0 {
		return fmt.Errorf("channel kind %q lists no roles; remove it to allow every role", kind)
	}
	for _, r := range roles {
		if r == "" || strings.ContainsAny(r, " \t\r\n,;|=") {
			return fmt.Errorf("channel kind %q: invalid role %q (separate roles with \"|\" in env and flags)", kind, r)
		}
	}
	return nil
}
