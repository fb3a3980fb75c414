package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestPrecedence checks defaults < file < env < flags for every value type.
func TestPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key                         string
		file, env, flag             string // file is the YAML value; env and flag are text
		wantFile, wantEnv, wantFlag any
		get                         func(Config) any
	}{
		{
			key: "addr", file: `"127.0.0.1:7000"`, env: ":7001", flag: "localhost:7002",
			wantFile: "127.0.0.1:7000", wantEnv: ":7001", wantFlag: "localhost:7002",
			get: func(c Config) any { return c.Addr },
		},
		{
			key: "max_frame_size", file: "2048", env: "4096", flag: "8192",
			wantFile: 2048, wantEnv: 4096, wantFlag: 8192,
			get: func(c Config) any { return c.MaxFrameSize },
		},
		{
			key: "message_rate_limit", file: "12.5", env: "20", flag: "0.5",
			wantFile: 12.5, wantEnv: 20.0, wantFlag: 0.5,
			get: func(c Config) any { return c.MessageRateLimit },
		},
		{
			key: "write_timeout", file: "5s", env: "7", flag: "1m30s",
			wantFile: 5 * time.Second, wantEnv: 7 * time.Second, wantFlag: 90 * time.Second,
			get: func(c Config) any { return c.WriteTimeout },
		},
		{
			key: "allowed_origins", file: `["https://file.example"]`, env: "https://env.example, https://env2.example:8443", flag: "*",
			wantFile: []string{"https://file.example"}, wantEnv: []string{"https://env.example", "https://env2.example:8443"}, wantFlag: []string{"*"},
			get: func(c Config) any { return c.AllowedOrigins },
		},
		{
			key: "trusted_proxies", file: "[10.0.0.0/8]", env: "192.168.1.1,::1", flag: "",
			wantFile: []string{"10.0.0.0/8"}, wantEnv: []string{"192.168.1.1", "::1"}, wantFlag: []string(nil),
			get: func(c Config) any { return c.TrustedProxies },
		},
		{
			key: "channel_roles", file: "{metrics: [admin, editor], system: [admin]}", env: "project=viewer", flag: "metrics=admin|editor;system=admin",
			wantFile: map[string][]string{"metrics": {"admin", "editor"}, "system": {"admin"}},
			wantEnv:  map[string][]string{"project": {"viewer"}},
			wantFlag: map[string][]string{"metrics": {"admin", "editor"}, "system": {"admin"}},
			get:      func(c Config) any { return c.ChannelRoles },
		},
		{
			key: "sse_enabled", file: "false", env: "1", flag: "false",
			wantFile: false, wantEnv: true, wantFlag: false,
			get: func(c Config) any { return c.SSEEnabled },
		},
		{
			key: "demo", file: "true", env: "0", flag: "true",
			wantFile: true, wantEnv: false, wantFlag: true,
			get: func(c Config) any { return c.Demo },
		},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			s := settingByKey[tc.key]
			def := Default()
			file := tc.key + ": " + tc.file + "\n"
			env := map[string]string{s.env(): tc.env}
			flagArg := "--" + s.flag() + "=" + tc.flag

			steps := []struct {
				name string
				file string
				env  map[string]string
				args []string
				want any
			}{
				{"default", "", nil, nil, tc.get(def)},
				{"file", file, nil, nil, tc.wantFile},
				{"file+env", file, env, nil, tc.wantEnv},
				{"file+env+flag", file, env, []string{flagArg}, tc.wantFlag},
				{"env+flag", "", env, []string{flagArg}, tc.wantFlag},
				{"file+flag", file, nil, []string{flagArg}, tc.wantFlag},
			}
			for _, st := range steps {
				c, err := load(t, st.file, st.env, st.args...)
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				if got := tc.get(c); !reflect.DeepEqual(got, st.want) {
					t.Errorf("%s: %s = %#v, want %#v", st.name, tc.key, got, st.want)
				}
			}
		})
	}
}

func TestConfigFileFlagBeatsEnv(t *testing.T) {
	t.Parallel()
	fromEnv := writeFile(t, "env.yaml", "addr: \":1111\"\n")
	fromFlag := writeFile(t, "flag.yaml", "addr: \":2222\"\n")
	env := map[string]string{EnvConfig: fromEnv}

	c, err := load(t, "", env)
	if err != nil || c.Addr != ":1111" {
		t.Fatalf("LIVEDASH_CONFIG: addr = %q, err = %v; want :1111", c.Addr, err)
	}
	c, err = load(t, "", env, "--config", fromFlag)
	if err != nil || c.Addr != ":2222" {
		t.Fatalf("--config: addr = %q, err = %v; want :2222", c.Addr, err)
	}
}

func TestBoolFlagWithoutValue(t *testing.T) {
	t.Parallel()
	c, err := load(t, "demo: false\n", nil, "--demo")
	if err != nil || !c.Demo {
		t.Fatalf("--demo: Demo = %v, err = %v", c.Demo, err)
	}
	c, err = load(t, "", nil, "-sse-enabled=false")
	if err != nil || c.SSEEnabled {
		t.Fatalf("-sse-enabled=false: SSEEnabled = %v, err = %v", c.SSEEnabled, err)
	}
}

func TestDurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		env  map[string]string
		args []string
		want time.Duration // of history_ttl
	}{
		{"env bare integer is seconds", "", map[string]string{"LIVEDASH_HISTORY_TTL": "45"}, nil, 45 * time.Second},
		{"flag bare integer is seconds", "", nil, []string{"--history-ttl", "90"}, 90 * time.Second},
		{"env Go syntax", "", map[string]string{"LIVEDASH_HISTORY_TTL": "1h30m"}, nil, 90 * time.Minute},
		{"env with spaces", "", map[string]string{"LIVEDASH_HISTORY_TTL": " 2m "}, nil, 2 * time.Minute},
		{"file Go syntax", "history_ttl: 250ms\n", nil, nil, 250 * time.Millisecond},
		{"file quoted", "history_ttl: \"3m\"\n", nil, nil, 3 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := load(t, tc.file, tc.env, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if c.HistoryTTL != tc.want {
				t.Errorf("history_ttl = %v, want %v", c.HistoryTTL, tc.want)
			}
		})
	}
}

// TestParseErrors checks that values that do not parse are refused with the key, the source,
// and the reason.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		file      string
		env       map[string]string
		args      []string
		wantError string // full text of the (single) error
	}{
		{
			name:      "flag int",
			args:      []string{"--max-frame-size=abc"},
			wantError: `config: max_frame_size (flag --max-frame-size): "abc" is not an integer`,
		},
		{
			name:      "env int out of range",
			env:       map[string]string{"LIVEDASH_MESSAGE_BURST": "99999999999999999999"},
			wantError: `config: message_burst (env LIVEDASH_MESSAGE_BURST): "99999999999999999999" is out of range`,
		},
		{
			name:      "file int",
			file:      "addr: \":80\"\nsend_queue_size: lots\n",
			wantError: `config: send_queue_size (file FILE:2): "lots" is not an integer`,
		},
		{
			name:      "env float",
			env:       map[string]string{"LIVEDASH_MESSAGE_RATE_LIMIT": "fast"},
			wantError: `config: message_rate_limit (env LIVEDASH_MESSAGE_RATE_LIMIT): "fast" is not a number`,
		},
		{
			name:      "env bool",
			env:       map[string]string{"LIVEDASH_SSE_ENABLED": "yes"},
			wantError: `config: sse_enabled (env LIVEDASH_SSE_ENABLED): "yes" is not a boolean (use true, false, 1 or 0)`,
		},
		{
			name:      "file bool",
			file:      "demo: maybe\n",
			wantError: `config: demo (file FILE:1): "maybe" is not a boolean (use true, false, 1 or 0)`,
		},
		{
			name:      "flag duration",
			args:      []string{"--auth-timeout=soon"},
			wantError: `config: auth_timeout (flag --auth-timeout): "soon" is not a duration (like "30s", "1m" or "1h30m", or a number of seconds)`,
		},
		{
			name:      "env duration in days",
			env:       map[string]string{"LIVEDASH_METRICS_RETENTION": "7d"},
			wantError: `config: metrics_retention (env LIVEDASH_METRICS_RETENTION): "7d" is not a duration (Go durations have no "d" unit; write days as hours, e.g. "168h" for 7 days)`,
		},
		{
			name:      "file bare integer duration needs a unit",
			file:      "heartbeat_interval: 30\n",
			wantError: `config: heartbeat_interval (file FILE:1): 30 has no unit: write "30s" for seconds (see Go duration syntax)`,
		},
		{
			name:      "file list given a string",
			file:      "allowed_origins: https://a.example\n",
			wantError: `config: allowed_origins (file FILE:1): must be a list, not a single value (write [a, b] or one "- item" per line)`,
		},
		{
			name:      "file scalar given a list",
			file:      "addr: [a, b]\n",
			wantError: `config: addr (file FILE:1): must be a single value, not a list`,
		},
		{
			name:      "file int with no value",
			file:      "history_size:\n",
			wantError: `config: history_size (file FILE:1): has no value`,
		},
		{
			name:      "file roles not a list",
			file:      "channel_roles:\n  metrics: admin\n",
			wantError: `config: channel_roles (file FILE:1): metrics: must be a list of roles, not a single value (e.g. metrics: [admin])`,
		},
		{
			name:      "env roles syntax",
			env:       map[string]string{"LIVEDASH_CHANNEL_ROLES": "metrics:admin"},
			wantError: `config: channel_roles (env LIVEDASH_CHANNEL_ROLES): "metrics:admin" has no "=" (write kind=role|role;kind=role, e.g. metrics=admin|editor;system=admin)`,
		},
		{
			name:      "flag roles duplicate kind",
			args:      []string{"--channel-roles=metrics=admin;metrics=editor"},
			wantError: `config: channel_roles (flag --channel-roles): channel kind "metrics" is listed twice`,
		},
		{
			name:      "duplicate file key",
			file:      "addr: \":1\"\naddr: \":2\"\n",
			wantError: `config: addr (file FILE:2): set twice (also on line 1)`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range tc.env {
				env[k] = v
			}
			want := tc.wantError
			if tc.file != "" {
				env[EnvConfig] = writeFile(t, "livedash.yaml", tc.file)
				want = strings.ReplaceAll(want, "FILE", env[EnvConfig])
			}
			_, err := load(t, "", env, tc.args...)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if err.Error() != want {
				t.Errorf("error:\n got: %s\nwant: %s", err, want)
			}
			fieldErrors(t, err)
		})
	}
}

func TestUnknownYAMLKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		key     string
		line    int
		suggest string
	}{
		{"addr: \":80\"\nheartbeat_intervall: 5s\n", "heartbeat_intervall", 2, `did you mean "heartbeat_interval"?`},
		{"max-frame-size: 2048\n", "max-frame-size", 1, `did you mean "max_frame_size"?`},
		{"LIVEDASH_DEMO: true\n", "LIVEDASH_DEMO", 1, `did you mean "demo"?`},
		{"colour: blue\n", "colour", 1, "see docs/configuration.md"},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, "c.yaml", tc.file)
			_, err := load(t, "", map[string]string{EnvConfig: path})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			fes := fieldErrors(t, err)
			if len(fes) != 1 {
				t.Fatalf("got %d errors, want 1: %v", len(fes), err)
			}
			fe := fes[0]
			if fe.Key != tc.key || fe.Source != fmt.Sprintf("file %s:%d", path, tc.line) ||
				!strings.Contains(fe.Reason, "unknown setting") || !strings.Contains(fe.Reason, tc.suggest) {
				t.Errorf("error = %q; want key %q, line %d, %q", err, tc.key, tc.line, tc.suggest)
			}
			if !strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %q does not name the key", err)
			}
		})
	}
}

func TestFileProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string // "" means the file does not exist
		wantErr string // substring; "" means Load succeeds
	}{
		{"missing", "", "no such file"},
		{"empty", " ", ""},
		{"only comments", "# nothing yet\n", ""},
		{"syntax", "addr: [\n", "yaml:"},
		{"not a mapping", "- addr\n", "the top level must be a mapping"},
		{"two documents", "addr: \":1\"\n---\naddr: \":2\"\n", "single YAML document"},
		{"anchors", "x_roles: &r [admin]\n", "unknown setting"},
		{"null string", "jwt_issuer:\n", ""},
		{"null list", "allowed_origins:\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := t.TempDir() + "/missing.yaml"
			if tc.content != "" {
				path = writeFile(t, "c.yaml", tc.content)
			}
			_, err := load(t, "", map[string]string{EnvConfig: path})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Load: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("Load error = %v, want it to contain %q", err, tc.wantErr)
			case err != nil && !strings.HasPrefix(err.Error(), "config: "):
				t.Errorf("error %q lacks the config: prefix", err)
			}
		})
	}
}

func TestYAMLAliases(t *testing.T) {
	t.Parallel()
	// The whole file is one mapping, so anchors can only be reused inside it.
	c, err := load(t, "channel_roles:\n  metrics: &admins [admin, editor]\n  system: *admins\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"metrics": {"admin", "editor"}, "system": {"admin", "editor"}}
	if !reflect.DeepEqual(c.ChannelRoles, want) {
		t.Errorf("channel_roles = %v, want %v", c.ChannelRoles, want)
	}
}

func TestEmptyEnvIsIgnored(t *testing.T) {
	t.Parallel()
	c, err := load(t, "addr: \":9000\"\n", map[string]string{"LIVEDASH_ADDR": ""})
	if err != nil || c.Addr != ":9000" {
		t.Fatalf("addr = %q, err = %v; want the file's :9000", c.Addr, err)
	}
}

func TestEmptyFlagClearsList(t *testing.T) {
	t.Parallel()
	c, err := load(t, "allowed_origins: [\"https://a.example\"]\n", nil, "--allowed-origins=")
	if err != nil || c.AllowedOrigins != nil {
		t.Fatalf("allowed_origins = %q, err = %v; want empty", c.AllowedOrigins, err)
	}
}

func TestFlagSetHandling(t *testing.T) {
	t.Parallel()

	t.Run("help", func(t *testing.T) {
		t.Parallel()
		var out bytes.Buffer
		fs := flag.NewFlagSet("livedash", flag.ContinueOnError)
		fs.SetOutput(&out)
		_, err := Load(fs, []string{"-h"}, mapEnv(nil))
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("err = %v, want flag.ErrHelp", err)
		}
		for _, want := range []string{
			"-heartbeat-interval duration",
			"LIVEDASH_HEARTBEAT_INTERVAL",
			"(default 30s)",
			"-config file",
			"-max-connections-per-user int",
			"-demo\n",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("usage lacks %q:\n%s", want, out.String())
			}
		}
	})

	t.Run("every setting has a flag", func(t *testing.T) {
		t.Parallel()
		fs := flag.NewFlagSet("livedash", flag.ContinueOnError)
		if _, err := Load(fs, nil, mapEnv(nil)); err != nil {
			t.Fatal(err)
		}
		for i := range settings {
			if fs.Lookup(settings[i].flag()) == nil {
				t.Errorf("no flag --%s", settings[i].flag())
			}
		}
		if fs.Lookup("config") == nil {
			t.Error("no flag --config")
		}
		if fs.Lookup("data-dir") == nil || fs.Lookup("max-connections-per-user") == nil {
			t.Error("flag names are not kebab-case")
		}
	})

	t.Run("unknown flag", func(t *testing.T) {
		t.Parallel()
		_, err := load(t, "", nil, "--no-such-flag")
		if err == nil || !strings.Contains(err.Error(), "no-such-flag") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("positional argument", func(t *testing.T) {
		t.Parallel()
		_, err := load(t, "", nil, "--demo", "false")
		if err == nil || !strings.Contains(err.Error(), `unexpected argument "false"`) || !strings.Contains(err.Error(), "--demo=false") {
			t.Fatalf("err = %v, want a hint about --demo=false", err)
		}
	})

	t.Run("nil flag set and getenv", func(t *testing.T) {
		t.Parallel()
		if _, err := Load(nil, []string{"--addr=:0"}, func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
	})
}

// TestAllErrorsReported checks that Load reports parse and validation problems together.
func TestAllErrorsReported(t *testing.T) {
	t.Parallel()
	_, err := load(t, "bogus: 1\nlog_level: loud\n", map[string]string{
		"LIVEDASH_MAX_FRAME_SIZE":    "big",
		"LIVEDASH_HEARTBEAT_TIMEOUT": "5s",
	}, "--send-queue-size=1")
	keys := map[string]bool{}
	for _, fe := range fieldErrors(t, err) {
		keys[fe.Key] = true
	}
	for _, k := range []string{"bogus", "log_level", "max_frame_size", "heartbeat_timeout", "send_queue_size"} {
		if !keys[k] {
			t.Errorf("no error for %s in:\n%v", k, err)
		}
	}
	if len(keys) != 5 {
		t.Errorf("errors for %v, want exactly 5 keys:\n%v", keys, err)
	}
}

func TestLoadConcurrently(t *testing.T) {
	t.Parallel()
	done := make(chan error)
	for i := range 8 {
		go func() {
			fs := flag.NewFlagSet("livedash", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			c, err := Load(fs, []string{fmt.Sprintf("--max-frame-size=%d048", 2+i%2)}, mapEnv(nil))
			if err == nil && c.MaxFrameSize != 2048 && c.MaxFrameSize != 3048 {
				err = errors.New("wrong value")
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
