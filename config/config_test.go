package config

import (
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// mapEnv is a getenv backed by a map.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// load runs Load with a fresh flag set. A non-empty yamlText is written to a temporary file
// named by LIVEDASH_CONFIG (unless env already names one).
func load(t *testing.T, yamlText string, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	e := make(map[string]string, len(env)+1)
	for k, v := range env {
		e[k] = v
	}
	if yamlText != "" && e[EnvConfig] == "" {
		e[EnvConfig] = writeFile(t, "livedash.yaml", yamlText)
	}
	fs := flag.NewFlagSet("livedash", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(fs, args, mapEnv(e))
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// fieldErrors lists the *FieldError values in err (which may be joined).
func fieldErrors(t *testing.T, err error) []*FieldError {
	t.Helper()
	var out []*FieldError
	for _, e := range unjoin(err) {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("error %q is not a *FieldError", e)
		}
		out = append(out, fe)
	}
	return out
}

func TestDefault(t *testing.T) {
	t.Parallel()
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"addr", c.Addr, ":8080"},
		{"data_dir", c.DataDir, "./data"},
		{"jwt_secret", c.JWTSecret, ""},
		{"allowed_origins", c.AllowedOrigins, []string(nil)},
		{"trusted_proxies", c.TrustedProxies, []string(nil)},
		{"max_connections_per_user", c.MaxConnectionsPerUser, 5},
		{"max_connections_per_ip", c.MaxConnectionsPerIP, 10},
		{"heartbeat_interval", c.HeartbeatInterval, 30 * time.Second},
		{"heartbeat_timeout", c.HeartbeatTimeout, 60 * time.Second},
		{"auth_timeout", c.AuthTimeout, 10 * time.Second},
		{"message_rate_limit", c.MessageRateLimit, 50.0},
		{"message_burst", c.MessageBurst, 100},
		{"max_frame_size", c.MaxFrameSize, 65536},
		{"max_channels_per_connection", c.MaxChannelsPerConnection, 100},
		{"send_queue_size", c.SendQueueSize, 4096},
		{"write_timeout", c.WriteTimeout, 10 * time.Second},
		{"shutdown_timeout", c.ShutdownTimeout, 10 * time.Second},
		{"log_format", c.LogFormat, "text"},
		{"log_level", c.LogLevel, "info"},
		{"channel_roles", c.ChannelRoles, map[string][]string{}},
		{"history_size", c.HistorySize, 1000},
		{"history_ttl", c.HistoryTTL, 10 * time.Minute},
		{"history_size_metrics", c.HistorySizeMetrics, 100},
		{"sse_enabled", c.SSEEnabled, true},
		{"demo", c.Demo, false},
		{"collector_enabled", c.CollectorEnabled, true},
		{"collector_interval", c.CollectorInterval, time.Second},
		{"database_url", c.DatabaseURL, ""},
		{"admin_email", c.AdminEmail, "admin@localhost"},
		{"admin_password", c.AdminPassword, ""},
		{"metrics_retention", c.MetricsRetention, 168 * time.Hour},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.name, tc.got, tc.want)
		}
	}

	// Default hands out fresh maps: mutating one result must not affect the next.
	c.ChannelRoles["metrics"] = []string{"admin"}
	if len(Default().ChannelRoles) != 0 {
		t.Error("Default shares its ChannelRoles map between calls")
	}

	// Load with nothing set is Default.
	got, err := load(t, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Default()) {
		t.Errorf("Load with no input = %+v, want Default()", got)
	}
}

// TestSettingsMatchConfig checks the settings table against the Config struct: one setting per
// field, named by the field's yaml tag, pointing at that field.
func TestSettingsMatchConfig(t *testing.T) {
	t.Parallel()
	var c Config
	rv := reflect.ValueOf(&c).Elem()
	if rv.NumField() != len(settings) {
		t.Fatalf("Config has %d fields, settings has %d entries", rv.NumField(), len(settings))
	}
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		key := f.Tag.Get("yaml")
		s := settingByKey[key]
		if s == nil {
			t.Errorf("field %s (yaml %q) has no setting", f.Name, key)
			continue
		}
		if got, want := reflect.ValueOf(s.field(&c)).Pointer(), rv.Field(i).Addr().Pointer(); got != want {
			t.Errorf("setting %q points at the wrong field (want %s)", key, f.Name)
		}
		if s.help == "" {
			t.Errorf("setting %q has no help", key)
		}
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	secs := []struct {
		d    time.Duration
		want int
	}{
		{30 * time.Second, 30},
		{90 * time.Second, 90},
		{1500 * time.Millisecond, 1},
		{200 * time.Millisecond, 1},
		{0, 0},
	}
	for _, tc := range secs {
		c := Config{HeartbeatInterval: tc.d}
		if got := c.HeartbeatIntervalSeconds(); got != tc.want {
			t.Errorf("HeartbeatIntervalSeconds(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}

	tls := []struct {
		cert, key string
		want      bool
	}{
		{"", "", false},
		{"c.pem", "", false},
		{"", "k.pem", false},
		{"c.pem", "k.pem", true},
	}
	for _, tc := range tls {
		c := Config{TLSCertFile: tc.cert, TLSKeyFile: tc.key}
		if got := c.TLS(); got != tc.want {
			t.Errorf("TLS() with cert %q key %q = %v, want %v", tc.cert, tc.key, got, tc.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	t.Parallel()
	d := func(v time.Duration) *time.Duration { return &v }
	tests := []struct {
		in   any
		want string
	}{
		{d(30 * time.Second), "30s"},
		{d(time.Minute), "1m"},
		{d(10 * time.Minute), "10m"},
		{d(168 * time.Hour), "168h"},
		{d(90 * time.Minute), "1h30m"},
		{d(100 * time.Millisecond), "100ms"},
		{d(0), "0s"},
		{&[]string{"a", "b"}, "a,b"},
		{&map[string][]string{"system": {"admin"}, "metrics": {"admin", "editor"}}, "metrics=admin|editor;system=admin"},
	}
	for _, tc := range tests {
		if got := formatValue(tc.in); got != tc.want {
			t.Errorf("formatValue(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestFormatRoundTrip checks that every default, rendered as text, parses back to itself,
// so flag defaults shown in --help are valid input.
func TestFormatRoundTrip(t *testing.T) {
	t.Parallel()
	def := Default()
	for i := range settings {
		s := &settings[i]
		text := formatValue(s.field(&def))
		var c Config
		if err := parseText(s.field(&c), text); err != nil {
			t.Errorf("%s: default %q does not parse: %v", s.key, text, err)
			continue
		}
		got, want := reflect.ValueOf(s.field(&c)).Elem().Interface(), reflect.ValueOf(s.field(&def)).Elem().Interface()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q parsed to %#v, want %#v", s.key, text, got, want)
		}
	}
}
