package config

import (
	"strings"
	"testing"
	"time"
)

// TestValidationErrors checks that each rule refuses a bad value with an error naming the key,
// where the value came from, and why.
func TestValidationErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert := writeFile(t, "cert.pem", "cert")
	missing := dir + "/missing.pem"

	type env = map[string]string
	tests := []struct {
		name   string
		file   string // YAML; FILE in source is replaced by its path
		env    env
		args   []string
		key    string
		source string // exact FieldError.Source
		reason string // substring of FieldError.Reason
	}{
		{name: "addr without port", args: []string{"--addr=localhost"},
			key: "addr", source: `flag --addr="localhost"`, reason: `"localhost" is not host:port`},
		{name: "addr port range", env: env{"LIVEDASH_ADDR": ":70000"},
			key: "addr", source: `env LIVEDASH_ADDR=":70000"`, reason: "port 70000 is out of range"},
		{name: "addr trailing space", file: "addr: \":80 \"\n",
			key: "addr", source: "file FILE:1", reason: `"80 " is not a valid port`},
		{name: "data_dir empty", args: []string{"--data-dir="},
			key: "data_dir", source: `flag --data-dir=""`, reason: "must not be empty"},
		{name: "jwt_secret short", env: env{"LIVEDASH_JWT_SECRET": "hunter2"},
			key: "jwt_secret", source: "env LIVEDASH_JWT_SECRET", reason: "must be at least 32 bytes (got 7)"},
		{name: "jwt_public_key_file missing", file: "jwt_public_key_file: " + missing + "\n",
			key: "jwt_public_key_file", source: "file FILE:1", reason: "does not exist"},
		{name: "jwt_public_key_file directory", args: []string{"--jwt-public-key-file=" + dir},
			key: "jwt_public_key_file", source: `flag --jwt-public-key-file="` + dir + `"`, reason: "is a directory"},
		{name: "api_key short", args: []string{"--api-key=tooshort"},
			key: "api_key", source: "flag --api-key", reason: "must be at least 16 characters (got 8)"},
		{name: "origin trailing slash", env: env{"LIVEDASH_ALLOWED_ORIGINS": "https://app.example/"},
			key: "allowed_origins", source: `env LIVEDASH_ALLOWED_ORIGINS="https://app.example/"`, reason: `must not end with "/"`},
		{name: "origin without scheme", file: "allowed_origins: [app.example]\n",
			key: "allowed_origins", source: "file FILE:1", reason: `"app.example" is not a URL origin`},
		{name: "origin with path", args: []string{"--allowed-origins=https://app.example/x"},
			key: "allowed_origins", source: `flag --allowed-origins="https://app.example/x"`, reason: "must not have a path"},
		{name: "origin with user", args: []string{"--allowed-origins=https://u@app.example"},
			key: "allowed_origins", source: `flag --allowed-origins="https://u@app.example"`, reason: "must not have a path, query or user info"},
		{name: "origin upper case", args: []string{"--allowed-origins=https://App.example"},
			key: "allowed_origins", source: `flag --allowed-origins="https://App.example"`, reason: "must be lower case"},
		{name: "origin wildcard host", args: []string{"--allowed-origins=https://*.app.example"},
			key: "allowed_origins", source: `flag --allowed-origins="https://*.app.example"`, reason: "wildcard hosts are not supported"},
		{name: "origin bad port", args: []string{"--allowed-origins=http://localhost:0"},
			key: "allowed_origins", source: `flag --allowed-origins="http://localhost:0"`, reason: "invalid port"},
		{name: "proxy garbage", env: env{"LIVEDASH_TRUSTED_PROXIES": "10.0.0.1,proxy.local"},
			key: "trusted_proxies", source: `env LIVEDASH_TRUSTED_PROXIES="10.0.0.1,proxy.local"`, reason: `"proxy.local" is not an IP address or CIDR`},
		{name: "proxy host bits", file: "trusted_proxies: [10.1.2.3/8]\n",
			key: "trusted_proxies", source: "file FILE:1", reason: "did you mean 10.0.0.0/8?"},
		{name: "proxy bad prefix", args: []string{"--trusted-proxies=10.0.0.0/33"},
			key: "trusted_proxies", source: `flag --trusted-proxies="10.0.0.0/33"`, reason: "is not a valid CIDR"},
		{name: "max_connections_per_user negative", env: env{"LIVEDASH_MAX_CONNECTIONS_PER_USER": "-1"},
			key: "max_connections_per_user", source: `env LIVEDASH_MAX_CONNECTIONS_PER_USER="-1"`, reason: "must be at least 0"},
		{name: "max_connections_per_ip negative", args: []string{"--max-connections-per-ip=-3"},
			key: "max_connections_per_ip", source: `flag --max-connections-per-ip="-3"`, reason: "must be at least 0"},
		{name: "tls cert without key", args: []string{"--tls-cert-file=" + cert},
			key: "tls_cert_file", source: `flag --tls-cert-file="` + cert + `"`, reason: "tls_key_file must be set too"},
		{name: "tls key without cert", env: env{"LIVEDASH_TLS_KEY_FILE": cert},
			key: "tls_key_file", source: `env LIVEDASH_TLS_KEY_FILE="` + cert + `"`, reason: "tls_cert_file must be set too"},
		{name: "tls cert missing", file: "tls_cert_file: " + missing + "\ntls_key_file: " + cert + "\n",
			key: "tls_cert_file", source: "file FILE:1", reason: "does not exist"},
		{name: "tls key missing", args: []string{"--tls-cert-file=" + cert, "--tls-key-file=" + missing},
			key: "tls_key_file", source: `flag --tls-key-file="` + missing + `"`, reason: "does not exist"},
		{name: "heartbeat_interval zero", env: env{"LIVEDASH_HEARTBEAT_INTERVAL": "0"},
			key: "heartbeat_interval", source: `env LIVEDASH_HEARTBEAT_INTERVAL="0"`, reason: "must be greater than 0"},
		{name: "heartbeat_timeout below interval", env: env{"LIVEDASH_HEARTBEAT_TIMEOUT": "5s"},
			key: "heartbeat_timeout", source: `env LIVEDASH_HEARTBEAT_TIMEOUT="5s"`, reason: "must be greater than heartbeat_interval (30s)"},
		{name: "heartbeat_timeout equal to interval set elsewhere", file: "heartbeat_timeout: 1m30s\n", args: []string{"--heartbeat-interval=90"},
			key: "heartbeat_timeout", source: "file FILE:1", reason: `must be greater than heartbeat_interval (1m30s, from flag --heartbeat-interval="90")`},
		{name: "heartbeat_timeout default below interval", env: env{"LIVEDASH_HEARTBEAT_INTERVAL": "2m"},
			key: "heartbeat_timeout", source: "default", reason: `heartbeat_interval (2m, from env LIVEDASH_HEARTBEAT_INTERVAL="2m")`},
		{name: "auth_timeout negative", args: []string{"--auth-timeout=-5"},
			key: "auth_timeout", source: `flag --auth-timeout="-5"`, reason: "must be greater than 0"},
		{name: "message_rate_limit zero", env: env{"LIVEDASH_MESSAGE_RATE_LIMIT": "0"},
			key: "message_rate_limit", source: `env LIVEDASH_MESSAGE_RATE_LIMIT="0"`, reason: "must be a number greater than 0"},
		{name: "message_rate_limit NaN", args: []string{"--message-rate-limit=NaN"},
			key: "message_rate_limit", source: `flag --message-rate-limit="NaN"`, reason: "must be a number greater than 0"},
		{name: "message_rate_limit Inf", file: "message_rate_limit: +Inf\n",
			key: "message_rate_limit", source: "file FILE:1", reason: "must be a number greater than 0"},
		{name: "message_burst zero", args: []string{"--message-burst=0"},
			key: "message_burst", source: `flag --message-burst="0"`, reason: "must be at least 1"},
		{name: "max_frame_size too small", env: env{"LIVEDASH_MAX_FRAME_SIZE": "1023"},
			key: "max_frame_size", source: `env LIVEDASH_MAX_FRAME_SIZE="1023"`, reason: "must be between 1024 and 16777216 (16 MiB)"},
		{name: "max_frame_size too large", file: "max_frame_size: 16777217\n",
			key: "max_frame_size", source: "file FILE:1", reason: "must be between 1024 and 16777216"},
		{name: "max_channels_per_connection zero", args: []string{"--max-channels-per-connection=0"},
			key: "max_channels_per_connection", source: `flag --max-channels-per-connection="0"`, reason: "must be at least 1"},
		{name: "send_queue_size small", env: env{"LIVEDASH_SEND_QUEUE_SIZE": "15"},
			key: "send_queue_size", source: `env LIVEDASH_SEND_QUEUE_SIZE="15"`, reason: "must be at least 16"},
		{name: "write_timeout zero", file: "write_timeout: 0s\n",
			key: "write_timeout", source: "file FILE:1", reason: "must be greater than 0"},
		{name: "shutdown_timeout zero", args: []string{"--shutdown-timeout=0"},
			key: "shutdown_timeout", source: `flag --shutdown-timeout="0"`, reason: "must be greater than 0"},
		{name: "log_format", env: env{"LIVEDASH_LOG_FORMAT": "xml"},
			key: "log_format", source: `env LIVEDASH_LOG_FORMAT="xml"`, reason: `must be one of text, json (got "xml")`},
		{name: "log_level", file: "log_level: WARN\n",
			key: "log_level", source: "file FILE:1", reason: `must be one of debug, info, warn, error (got "WARN")`},
		{name: "channel_roles unknown kind", env: env{"LIVEDASH_CHANNEL_ROLES": "widgets=admin"},
			key: "channel_roles", source: `env LIVEDASH_CHANNEL_ROLES="widgets=admin"`, reason: `unknown channel kind "widgets" (known: dashboard, alerts,`},
		{name: "channel_roles global", file: "channel_roles:\n  global: [admin]\n",
			key: "channel_roles", source: "file FILE:1", reason: `"global" cannot be restricted`},
		{name: "channel_roles empty", args: []string{"--channel-roles=metrics="},
			key: "channel_roles", source: `flag --channel-roles="metrics="`, reason: `"metrics" lists no roles`},
		{name: "channel_roles comma", args: []string{"--channel-roles=metrics=admin,editor"},
			key: "channel_roles", source: `flag --channel-roles="metrics=admin,editor"`, reason: `invalid role "admin,editor"`},
		{name: "history_size negative", env: env{"LIVEDASH_HISTORY_SIZE": "-1"},
			key: "history_size", source: `env LIVEDASH_HISTORY_SIZE="-1"`, reason: "must be at least 0"},
		{name: "history_ttl zero", args: []string{"--history-ttl=0s"},
			key: "history_ttl", source: `flag --history-ttl="0s"`, reason: "must be greater than 0"},
		{name: "history_size_metrics negative", file: "history_size_metrics: -5\n",
			key: "history_size_metrics", source: "file FILE:1", reason: "must be at least 0"},
		{name: "collector_interval too short", env: env{"LIVEDASH_COLLECTOR_INTERVAL": "99ms"},
			key: "collector_interval", source: `env LIVEDASH_COLLECTOR_INTERVAL="99ms"`, reason: "must be at least 100ms"},
		{name: "admin_email", args: []string{"--admin-email=admin"},
			key: "admin_email", source: `flag --admin-email="admin"`, reason: `"admin" is not a plain email address`},
		{name: "admin_email with name", file: "admin_email: Admin <admin@example.com>\n",
			key: "admin_email", source: "file FILE:1", reason: "is not a plain email address"},
		{name: "metrics_retention zero", env: env{"LIVEDASH_METRICS_RETENTION": "0"},
			key: "metrics_retention", source: `env LIVEDASH_METRICS_RETENTION="0"`, reason: "must be greater than 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := env{}
			for k, v := range tc.env {
				e[k] = v
			}
			source := tc.source
			if tc.file != "" {
				e[EnvConfig] = writeFile(t, "livedash.yaml", tc.file)
				source = strings.ReplaceAll(source, "FILE", e[EnvConfig])
			}
			_, err := load(t, "", e, tc.args...)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			fes := fieldErrors(t, err)
			if len(fes) != 1 {
				t.Fatalf("got %d errors, want 1:\n%v", len(fes), err)
			}
			fe := fes[0]
			if fe.Key != tc.key || fe.Source != source || !strings.Contains(fe.Reason, tc.reason) {
				t.Errorf("error:\n got: %s\nwant: config: %s (%s): ...%s...", err, tc.key, source, tc.reason)
			}
			if !strings.HasPrefix(err.Error(), "config: "+tc.key+" ("+source+"): ") {
				t.Errorf("error %q is not formatted as config: key (source): reason", err)
			}
		})
	}
}

func TestValidationExactMessage(t *testing.T) {
	t.Parallel()
	_, err := load(t, "", map[string]string{"LIVEDASH_HEARTBEAT_TIMEOUT": "5s"})
	const want = `config: heartbeat_timeout (env LIVEDASH_HEARTBEAT_TIMEOUT="5s"): must be greater than heartbeat_interval (30s)`
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got: %v\nwant: %s", err, want)
	}
}

func TestSecretsAreNotEchoed(t *testing.T) {
	t.Parallel()
	_, err := load(t, "", map[string]string{
		"LIVEDASH_JWT_SECRET": "s3cr3t-value",
		"LIVEDASH_API_KEY":    "k3y-value",
	})
	if err == nil {
		t.Fatal("Load succeeded, want errors")
	}
	for _, secret := range []string{"s3cr3t-value", "k3y-value"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error echoes a secret: %v", err)
		}
	}
}

// TestValidValues checks values at the edge of each rule that must be accepted.
func TestValidValues(t *testing.T) {
	t.Parallel()
	cert := writeFile(t, "cert.pem", "cert")
	key := writeFile(t, "key.pem", "key")
	tests := []struct {
		name string
		file string
		env  map[string]string
		args []string
	}{
		{name: "addr forms", args: []string{"--addr=127.0.0.1:0"}},
		{name: "addr ipv6", env: map[string]string{"LIVEDASH_ADDR": "[::1]:8080"}},
		{name: "addr service name", args: []string{"--addr=:http"}},
		{name: "secrets at minimum length", env: map[string]string{
			"LIVEDASH_JWT_SECRET": strings.Repeat("x", 32),
			"LIVEDASH_API_KEY":    strings.Repeat("é", 16), // 16 characters, 32 bytes
		}},
		{name: "origins", file: "allowed_origins:\n  - \"*\"\n  - https://app.example\n  - http://localhost:3000\n  - http://[::1]:8080\n"},
		{name: "proxies", args: []string{"--trusted-proxies=10.0.0.0/8, 192.168.0.1 ,fd00::/8,::1"}},
		{name: "unlimited connections", env: map[string]string{"LIVEDASH_MAX_CONNECTIONS_PER_USER": "0", "LIVEDASH_MAX_CONNECTIONS_PER_IP": "0"}},
		{name: "tls", args: []string{"--tls-cert-file", cert, "--tls-key-file", key}},
		{name: "heartbeat", env: map[string]string{"LIVEDASH_HEARTBEAT_INTERVAL": "1s", "LIVEDASH_HEARTBEAT_TIMEOUT": "1001ms"}},
		{name: "frame size bounds low", args: []string{"--max-frame-size=1024"}},
		{name: "frame size bounds high", args: []string{"--max-frame-size=16777216"}},
		{name: "small queues", args: []string{"--send-queue-size=16", "--message-burst=1", "--max-channels-per-connection=1", "--message-rate-limit=0.1"}},
		{name: "no history", file: "history_size: 0\nhistory_size_metrics: 0\n"},
		{name: "collector minimum", env: map[string]string{"LIVEDASH_COLLECTOR_INTERVAL": "100ms"}},
		{name: "every channel kind", args: []string{"--channel-roles=dashboard=a;alerts=a;notifications=a;metrics=a;system=a;project=a;board=a;user=a;tenant=a"}},
		{name: "json debug", env: map[string]string{"LIVEDASH_LOG_FORMAT": "json", "LIVEDASH_LOG_LEVEL": "debug"}},
		{name: "admin email", args: []string{"--admin-email=ops@example.com"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := load(t, tc.file, tc.env, tc.args...); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestValidate checks Validate on hand-built configs, whose errors have no source.
func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string // full error text; "" means valid
	}{
		{"default", func(*Config) {}, ""},
		{"heartbeat", func(c *Config) { c.HeartbeatTimeout = c.HeartbeatInterval },
			"config: heartbeat_timeout: must be greater than heartbeat_interval (30s)"},
		{"frame", func(c *Config) { c.MaxFrameSize = 0 },
			"config: max_frame_size: must be between 1024 and 16777216 (16 MiB)"},
		{"roles", func(c *Config) { c.ChannelRoles = map[string][]string{"metrics": nil} },
			`config: channel_roles: channel kind "metrics" lists no roles; remove it to allow every role`},
		{"nil roles map", func(c *Config) { c.ChannelRoles = nil }, ""},
		{"two problems", func(c *Config) { c.LogLevel = "loud"; c.CollectorInterval = time.Millisecond },
			"config: log_level: must be one of debug, info, warn, error (got \"loud\")\nconfig: collector_interval: must be at least 100ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := Default()
			tc.mutate(&c)
			err := c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
				fieldErrors(t, err)
			}
			if got != tc.want {
				t.Errorf("Validate():\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}
