package auth

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadOrCreateSecret(t *testing.T) {
	valid := bytes.Repeat([]byte{0xab}, SecretSize)
	long := bytes.Repeat([]byte{0x01}, 64)
	tests := []struct {
		name        string
		content     *string // nil: no file
		want        []byte  // nil with wantErr == "": any fresh secret
		wantCreated bool
		wantErr     string // substring
	}{
		{name: "absent: created", wantCreated: true},
		{name: "existing", content: ptr(hex.EncodeToString(valid)), want: valid},
		{name: "trailing whitespace", content: ptr(hex.EncodeToString(valid) + " \r\n\t\n"), want: valid},
		{name: "upper-case hex", content: ptr(strings.ToUpper(hex.EncodeToString(valid)) + "\n"), want: valid},
		{name: "longer than 32 bytes", content: ptr(hex.EncodeToString(long)), want: long},
		{name: "too short", content: ptr(hex.EncodeToString(valid[:31]) + "\n"), wantErr: "holds 31 bytes, at least 32"},
		{name: "empty file", content: ptr(""), wantErr: "holds 0 bytes"},
		{name: "not hex", content: ptr(strings.Repeat("zz", SecretSize)), wantErr: "is not hex-encoded"},
		{name: "leading whitespace", content: ptr(" " + hex.EncodeToString(valid)), wantErr: "is not hex-encoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			path := filepath.Join(dir, SecretFileName)
			if tt.content != nil {
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(*tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			secret, created, err := LoadOrCreateSecret(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error = %v, want one containing %q and the path %s", err, tt.wantErr, path)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadOrCreateSecret: %v", err)
			}
			if created != tt.wantCreated {
				t.Errorf("created = %v, want %v", created, tt.wantCreated)
			}
			if tt.want != nil && !bytes.Equal(secret, tt.want) {
				t.Errorf("secret = %x, want %x", secret, tt.want)
			}
			if len(secret) < SecretSize {
				t.Errorf("secret has %d bytes", len(secret))
			}
			// Loading again gives the same secret and creates nothing.
			again, created2, err := LoadOrCreateSecret(dir)
			if err != nil || created2 || !bytes.Equal(again, secret) {
				t.Errorf("second load = %x, %v, %v; want %x, false, nil", again, created2, err, secret)
			}
		})
	}
}

func TestLoadOrCreateSecretCreatesFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	secret, created, err := LoadOrCreateSecret(dir)
	if err != nil || !created {
		t.Fatalf("LoadOrCreateSecret = %v, %v", created, err)
	}
	if len(secret) != SecretSize || bytes.Equal(secret, make([]byte, SecretSize)) {
		t.Errorf("secret = %x, want %d random bytes", secret, SecretSize)
	}
	tests := []struct {
		path string
		mode os.FileMode
	}{
		{dir, 0o700 | os.ModeDir},
		{filepath.Join(dir, SecretFileName), 0o600},
	}
	for _, tt := range tests {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != tt.mode {
			t.Errorf("%s: mode %v, want %v", tt.path, fi.Mode(), tt.mode)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, SecretFileName))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(data)); got != hex.EncodeToString(secret) {
		t.Errorf("file holds %q, want %q", got, hex.EncodeToString(secret))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only %s (temp file left behind?)", len(entries), SecretFileName)
	}
	// A second, distinct data dir gets a distinct secret.
	other, _, err := LoadOrCreateSecret(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other, secret) {
		t.Error("two data directories got the same secret")
	}
}

func TestLoadOrCreateSecretConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 8
	var (
		wg      sync.WaitGroup
		secrets [n][]byte
		created [n]bool
		errs    [n]error
	)
	for i := range n {
		wg.Go(func() { secrets[i], created[i], errs[i] = LoadOrCreateSecret(dir) })
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if !bytes.Equal(secrets[i], secrets[0]) {
			t.Errorf("call %d got a different secret than call 0", i)
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Errorf("%d calls report creating the secret, want 1", creators)
	}
}

func TestLoadOrCreateSecretErrors(t *testing.T) {
	fileAsDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(fileAsDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	secretIsDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(secretIsDir, SecretFileName), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir string
	}{
		{"empty data dir", ""},
		{"data dir is a file", fileAsDir},
		{"secret path is a directory", secretIsDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s, _, err := LoadOrCreateSecret(tt.dir); err == nil {
				t.Fatalf("LoadOrCreateSecret(%q) = %x, want an error", tt.dir, s)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
