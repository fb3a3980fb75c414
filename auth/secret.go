package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// SecretFileName is the name of the HMAC secret file inside the data directory.
const SecretFileName = "jwt_secret"

// SecretSize is the number of random bytes in a generated secret and the minimum a secret file must
// hold.
const SecretSize = 32

// LoadOrCreateSecret returns the HS256 secret kept hex-encoded in <dataDir>/jwt_secret (trailing
// whitespace ignored). When the file does not exist it creates dataDir (0700) and the file (0600)
// with SecretSize random bytes, written atomically, and reports created. A file that does not decode
// to at least SecretSize bytes is refused.
func LoadOrCreateSecret(dataDir string) (secret []byte, created bool, err error) {
	if dataDir == "" {
		return nil, false, errors.New("auth: data directory for the JWT secret is not set")
	}
	path := filepath.Join(dataDir, SecretFileName)
	secret, err = readSecret(path)
	if err == nil {
		return secret, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}

	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("auth: creating data directory: %w", err)
	}
	secret = make([]byte, SecretSize)
	if _, err := rand.Read(secret); err != nil {
		return nil, false, fmt.Errorf("auth: generating JWT secret: %w", err)
	}
	won, err := writeNewFile(path, []byte(hex.EncodeToString(secret)+"\n"))
	if err != nil {
		return nil, false, err
	}
	if !won {
		// Another process created the file between our read and our write: use its secret.
		secret, err = readSecret(path)
		return secret, false, err
	}
	return secret, true, nil
}

// readSecret reads and decodes a secret file. A missing file gives an error wrapping fs.ErrNotExist.
func readSecret(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("auth: reading JWT secret: %w", err)
	}
	text := strings.TrimRightFunc(string(data), unicode.IsSpace)
	secret, err := hex.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("auth: JWT secret %s is not hex-encoded: %w", path, err)
	}
	if len(secret) < SecretSize {
		return nil, fmt.Errorf("auth: JWT secret %s holds %d bytes, at least %d are required", path, len(secret), SecretSize)
	}
	return secret, nil
}

// writeNewFile writes data to path (0600) through a temporary file in the same directory, so that
// readers never see a partial file. It does not replace an existing file: won is false when path
// already existed. The no-replace publish uses a hard link; where the file system has none it falls
// back to rename.
func writeNewFile(path string, data []byte) (won bool, err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*") // mode 0600
	if err != nil {
		return false, fmt.Errorf("auth: creating JWT secret: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after a successful link or rename this is a no-op or removes the extra name

	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return false, fmt.Errorf("auth: creating JWT secret: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return false, fmt.Errorf("auth: writing JWT secret: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return false, fmt.Errorf("auth: writing JWT secret: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("auth: writing JWT secret: %w", err)
	}

	switch err := os.Link(tmpName, path); {
	case err == nil:
	case errors.Is(err, fs.ErrExist):
		return false, nil
	default:
		if err := os.Rename(tmpName, path); err != nil {
			return false, fmt.Errorf("auth: creating JWT secret %s: %w", path, err)
		}
	}
	syncDir(dir)
	return true, nil
}

// syncDir makes a new directory entry durable; failures are ignored (not every platform can).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
