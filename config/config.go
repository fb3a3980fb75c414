// Package config loads the livedash server configuration.
//
// Every setting has one name (for example "heartbeat_interval") that is used in three places:
//
//   - the YAML config file key:   heartbeat_interval: 30s
//   - the environment variable:   LIVEDASH_HEARTBEAT_INTERVAL=30s
//   - the command-line flag:      --heartbeat-interval=30s
//
// Sources are applied in this order, each overriding the previous one:
// defaults < YAML file (--config or LIVEDASH_CONFIG) < environment < flags.
// The resulting [Config] is validated; every problem is reported as a [*FieldError]
// that names the setting, where its value came from, and what is wrong with it.
//
// The list of settings in this package is the source of the table in docs/configuration.md;
// TestDocsTable fails when the two drift apart.
package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"livedash"
)

// EnvPrefix is the prefix of every environment variable read by [Load].
const EnvPrefix = "LIVEDASH_"

// Bounds of max_frame_size.
const (
	minFrameSize = 1024
	maxFrameSize = 16 << 20 // 16 MiB
)

// Config is the complete server configuration. The yaml tags are the public setting names.
type Config struct {
	Addr    string `yaml:"addr"`
	DataDir string `yaml:"data_dir"`

	JWTSecret        string `yaml:"jwt_secret"`
	JWTPublicKeyFile string `yaml:"jwt_public_key_file"`
	JWTIssuer        string `yaml:"jwt_issuer"`
	JWTAudience      string `yaml:"jwt_audience"`
	APIKey           string `yaml:"api_key"`

	AllowedOrigins []string `yaml:"allowed_origins"`
	TrustedProxies []string `yaml:"trusted_proxies"`

	MaxConnectionsPerUser int `yaml:"max_connections_per_user"`
	MaxConnectionsPerIP   int `yaml:"max_connections_per_ip"`

	TLSCertFile string `yaml:"tls_cert_file"`
	TLSKeyFile  string `yaml:"tls_key_file"`

	HeartbeatInterval time.Duration `yaml:"heartbeat_interval"`
	HeartbeatTimeout  time.Duration `yaml:"heartbeat_timeout"`
	AuthTimeout       time.Duration `yaml:"auth_timeout"`

	MessageRateLimit         float64       `yaml:"message_rate_limit"`
	MessageBurst             int           `yaml:"message_burst"`
	MaxFrameSize             int           `yaml:"max_frame_size"`
	MaxChannelsPerConnection int           `yaml:"max_channels_per_connection"`
	SendQueueSize            int           `yaml:"send_queue_size"`
	WriteTimeout             time.Duration `yaml:"write_timeout"`
	ShutdownTimeout          time.Duration `yaml:"shutdown_timeout"`

	LogFormat string `yaml:"log_format"`
	LogLevel  string `yaml:"log_level"`

	// ChannelRoles maps a channel kind to the roles allowed to subscribe to it.
	// A kind that is absent allows every role.
	ChannelRoles map[string][]string `yaml:"channel_roles"`

	HistorySize        int           `yaml:"history_size"`
	HistoryTTL         time.Duration `yaml:"history_ttl"`
	HistorySizeMetrics int           `yaml:"history_size_metrics"`

	SSEEnabled        bool          `yaml:"sse_enabled"`
	Demo              bool          `yaml:"demo"`
	CollectorEnabled  bool          `yaml:"collector_enabled"`
	CollectorInterval time.Duration `yaml:"collector_interval"`

	DatabaseURL   string `yaml:"database_url"`
	AdminEmail    string `yaml:"admin_email"`
	AdminPassword string `yaml:"admin_password"`

	MetricsRetention time.Duration `yaml:"metrics_retention"`
}

// Default returns the built-in configuration. Each call returns fresh maps and slices.
func Default() Config {
	return Config{
		Addr:                     ":8080",
		DataDir:                  "./data",
		MaxConnectionsPerUser:    5,
		MaxConnectionsPerIP:      10,
		HeartbeatInterval:        30 * time.Second,
		HeartbeatTimeout:         60 * time.Second,
		AuthTimeout:              10 * time.Second,
		MessageRateLimit:         50,
		MessageBurst:             100,
		MaxFrameSize:             65536,
		MaxChannelsPerConnection: 100,
		SendQueueSize:            4096,
		WriteTimeout:             10 * time.Second,
		ShutdownTimeout:          10 * time.Second,
		LogFormat:                "text",
		LogLevel:                 "info",
		ChannelRoles:             map[string][]string{},
		HistorySize:              1000,
		HistoryTTL:               10 * time.Minute,
		HistorySizeMetrics:       100,
		SSEEnabled:               true,
		Demo:                     false,
		CollectorEnabled:         true,
		CollectorInterval:        time.Second,
		AdminEmail:               "admin@localhost",
		MetricsRetention:         7 * 24 * time.Hour,
	}
}

// HeartbeatIntervalSeconds is the heartbeat interval in whole seconds, rounded down,
// but at least 1 when the interval is positive (for telling clients how often to ping).
func (c Config) HeartbeatIntervalSeconds() int {
	if c.HeartbeatInterval <= 0 {
		return 0
	}
	return max(1, int(c.HeartbeatInterval/time.Second))
}

// TLS reports whether the server should serve HTTPS (both certificate and key are set).
func (c Config) TLS() bool { return c.TLSCertFile != "" && c.TLSKeyFile != "" }

// channelKinds are the channel kinds accepted as channel_roles keys.
// The implicit "global" channel is not listed: every connection is subscribed to it.
var channelKinds = []string{
	livedash.KindDashboard,
	livedash.KindAlerts,
	livedash.KindNotifications,
	livedash.KindMetrics,
	livedash.KindSystem,
	livedash.KindProject,
	livedash.KindBoard,
	livedash.KindUser,
	livedash.KindTenant,
}

// logFormats and logLevels are the accepted values of log_format and log_level.
var (
	logFormats = []string{"text", "json"}
	logLevels  = []string{"debug", "info", "warn", "error"}
)

// setting describes one configuration setting. The list below is the single source of truth for
// names, flags, environment variables, flag help and the documentation table.
type setting struct {
	key    string            // YAML key; env var and flag are derived from it
	help   string            // what it means (flag usage and docs)
	rule   string            // accepted values (docs only); empty when anything goes
	secret bool              // never echo the value in errors
	field  func(*Config) any // pointer to the field: *string, *int, *float64, *bool, *time.Duration, *[]string, *map[string][]string
}

func (s *setting) env() string  { return EnvPrefix + strings.ToUpper(s.key) }
func (s *setting) flag() string { return strings.ReplaceAll(s.key, "_", "-") }

// typeName is the value type shown in flag help.
func (s *setting) typeName() string {
	switch s.field(new(Config)).(type) {
	case *int:
		return "int"
	case *float64:
		return "number"
	case *bool:
		return "bool"
	case *time.Duration:
		return "duration"
	case *[]string:
		return "list"
	case *map[string][]string:
		return "kind=role|role;..."
	default:
		return "string"
	}
}

var settings = []setting{
	{key: "addr", help: "Address to listen on.", rule: `Format: host:port, e.g. ":8080" or "127.0.0.1:8080".`,
		field: func(c *Config) any { return &c.Addr }},
	{key: "data_dir", help: "Directory for the SQLite database, generated secrets and other state.", rule: "Must not be empty.",
		field: func(c *Config) any { return &c.DataDir }},
	{key: "jwt_secret", secret: true, help: "HS256 secret for verifying tokens. When empty, the server generates one and keeps it in data_dir.", rule: "At least 32 bytes when set.",
		field: func(c *Config) any { return &c.JWTSecret }},
	{key: "jwt_public_key_file", help: "PEM public key file for verifying RS256, ES256 or EdDSA tokens.", rule: "The file must exist when set.",
		field: func(c *Config) any { return &c.JWTPublicKeyFile }},
	{key: "jwt_issuer", help: "When set, tokens must carry this iss claim.",
		field: func(c *Config) any { return &c.JWTIssuer }},
	{key: "jwt_audience", help: "When set, tokens must carry this aud claim.",
		field: func(c *Config) any { return &c.JWTAudience }},
	{key: "api_key", secret: true, help: "Key for server-side publishing over HTTP. Empty disables it.", rule: "At least 16 characters when set.",
		field: func(c *Config) any { return &c.APIKey }},
	{key: "allowed_origins", help: `Browser origins allowed for WebSocket, SSE and CORS. Empty allows the same origin only; "*" allows any site (risky).`, rule: `Each entry is "*" or scheme://host[:port]; see [Security notes](#security-notes) before using "*".`,
		field: func(c *Config) any { return &c.AllowedOrigins }},
	{key: "trusted_proxies", help: "Proxies whose X-Forwarded-For header is trusted for the client IP.", rule: `Each entry is an IP ("10.0.0.1") or a CIDR ("10.0.0.0/8").`,
		field: func(c *Config) any { return &c.TrustedProxies }},
	{key: "max_connections_per_user", help: "Maximum concurrent connections per user. 0 means unlimited.", rule: "At least 0.",
		field: func(c *Config) any { return &c.MaxConnectionsPerUser }},
	{key: "max_connections_per_ip", help: "Maximum concurrent connections per client IP. 0 means unlimited.", rule: "At least 0.",
		field: func(c *Config) any { return &c.MaxConnectionsPerIP }},
	{key: "tls_cert_file", help: "TLS certificate (PEM). Set together with tls_key_file to serve HTTPS.", rule: "Both TLS files or neither; the file must exist.",
		field: func(c *Config) any { return &c.TLSCertFile }},
	{key: "tls_key_file", help: "TLS private key (PEM). Set together with tls_cert_file.", rule: "Both TLS files or neither; the file must exist.",
		field: func(c *Config) any { return &c.TLSKeyFile }},
	{key: "heartbeat_interval", help: "How often the server pings each connection.", rule: "Greater than 0.",
		field: func(c *Config) any { return &c.HeartbeatInterval }},
	{key: "heartbeat_timeout", help: "A connection silent for this long is closed.", rule: "Greater than heartbeat_interval.",
		field: func(c *Config) any { return &c.HeartbeatTimeout }},
	{key: "auth_timeout", help: "Time a connection opened without a token has to send an authenticate message.", rule: "Greater than 0.",
		field: func(c *Config) any { return &c.AuthTimeout }},
	{key: "message_rate_limit", help: "Inbound messages per second allowed per connection (token bucket refill rate).", rule: "Greater than 0.",
		field: func(c *Config) any { return &c.MessageRateLimit }},
	{key: "message_burst", help: "Inbound messages a connection may send in a burst (token bucket size).", rule: "At least 1.",
		field: func(c *Config) any { return &c.MessageBurst }},
	{key: "max_frame_size", help: "Largest inbound WebSocket frame or HTTP publish body, in bytes.", rule: "Between 1024 and 16777216 (16 MiB).",
		field: func(c *Config) any { return &c.MaxFrameSize }},
	{key: "max_channels_per_connection", help: "Maximum channels one connection may subscribe to.", rule: "At least 1.",
		field: func(c *Config) any { return &c.MaxChannelsPerConnection }},
	{key: "send_queue_size", help: "Messages queued per connection before it is dropped as a slow consumer.", rule: "At least 16.",
		field: func(c *Config) any { return &c.SendQueueSize }},
	{key: "write_timeout", help: "Deadline for one socket write.", rule: "Greater than 0.",
		field: func(c *Config) any { return &c.WriteTimeout }},
	{key: "shutdown_timeout", help: "How long to drain connections on SIGTERM before exiting.", rule: "Greater than 0.",
		field: func(c *Config) any { return &c.ShutdownTimeout }},
	{key: "log_format", help: "Log output format.", rule: "One of `text`, `json`.",
		field: func(c *Config) any { return &c.LogFormat }},
	{key: "log_level", help: "Minimum level logged.", rule: "One of `debug`, `info`, `warn`, `error`.",
		field: func(c *Config) any { return &c.LogLevel }},
	{key: "channel_roles", help: "Per channel kind, the roles allowed to subscribe. A kind not listed allows every role.", rule: "Kinds: " + strings.Join(channelKinds, ", ") + ". Each listed kind needs at least one role.",
		field: func(c *Config) any { return &c.ChannelRoles }},
	{key: "history_size", help: "Maximum messages kept in each channel's history. 0 keeps none.", rule: "At least 0.",
		field: func(c *Config) any { return &c.HistorySize }},
	{key: "history_ttl", help: "How long a message stays in channel history.", rule: "Greater than 0.",
		field: func(c *Config) any { return &c.HistoryTTL }},
	{key: "history_size_metrics", help: "Like history_size, for metrics channels (which keep fewer).", rule: "At least 0.",
		field: func(c *Config) any { return &c.HistorySizeMetrics }},
	{key: "sse_enabled", help: "Serve the Server-Sent Events (SSE) endpoint GET /dashboard/sse.",
		field: func(c *Config) any { return &c.SSEEnabled }},
	{key: "demo", help: "Seed a demo project, a Demo shop dashboard and an alert rule, and stream synthetic metrics every second.",
		field: func(c *Config) any { return &c.Demo }},
	{key: "collector_enabled", help: "Sample this host's CPU, memory, network and disk (and livedash's own figures) into the first-run tenant.",
		field: func(c *Config) any { return &c.CollectorEnabled }},
	{key: "collector_interval", help: "How often the host metrics collector samples.", rule: "At least 100ms.",
		field: func(c *Config) any { return &c.CollectorInterval }},
	{key: "database_url", secret: true, help: "Database: empty for a SQLite file (data_dir/livedash.db); postgres://user@host:5432/db or mysql://user:pass@tcp(host:3306)/db for PostgreSQL or MySQL/MariaDB. Migrations run at start.",
		field: func(c *Config) any { return &c.DatabaseURL }},
	{key: "admin_email", help: "Email of the admin created on first run (when the database has no tenant yet).", rule: "A plain email address.",
		field: func(c *Config) any { return &c.AdminEmail }},
	{key: "admin_password", secret: true, help: "Password of the admin created on first run. When empty, one is generated and printed once.",
		field: func(c *Config) any { return &c.AdminPassword }},
	{key: "metrics_retention", help: "How long stored metrics are kept: points older than an hour are rolled up into 1-minute buckets, and everything older than this is deleted (checked every minute).", rule: "Greater than 0.",
		field: func(c *Config) any { return &c.MetricsRetention }},
}

// settingByKey indexes settings by YAML key.
var settingByKey = func() map[string]*setting {
	m := make(map[string]*setting, len(settings))
	for i := range settings {
		m[settings[i].key] = &settings[i]
	}
	return m
}()

// formatValue renders a field value the way it would be written in an env var or flag.
func formatValue(p any) string {
	switch v := p.(type) {
	case *string:
		return *v
	case *int:
		return strconv.Itoa(*v)
	case *float64:
		return strconv.FormatFloat(*v, 'g', -1, 64)
	case *bool:
		return strconv.FormatBool(*v)
	case *time.Duration:
		return formatDuration(*v)
	case *[]string:
		return strings.Join(*v, ",")
	case *map[string][]string:
		return formatRoles(*v)
	}
	panic(fmt.Sprintf("config: unsupported field type %T", p))
}

// formatDuration is time.Duration.String without trailing zero units: "10m", not "10m0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// formatRoles renders channel roles in the env/flag syntax, kinds sorted.
func formatRoles(m map[string][]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, k+"="+strings.Join(m[k], "|"))
	}
	return strings.Join(parts, ";")
}
