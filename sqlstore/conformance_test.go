package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"livedash"
)

// The conformance suite: every Test* that calls eachBackend runs against SQLite always, and
// against PostgreSQL and MySQL/MariaDB when their variable names a server. Each run gets its own
// database (a file, a schema, a database), dropped at the end; each test works in tenants of its
// own, so tests do not see each other's rows.

type backend struct {
	name    string
	env     string // variable holding the DSN; "" for SQLite
	example string

	once    sync.Once
	store   *Store
	err     error
	cleanup func()
}

var backends = []*backend{
	{name: SQLite},
	{name: Postgres, env: "LIVEDASH_TEST_POSTGRES", example: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"},
	{name: MySQL, env: "LIVEDASH_TEST_MYSQL", example: "root@tcp(127.0.0.1:3306)/test"},
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, b := range backends {
		if b.cleanup != nil {
			b.cleanup()
		}
	}
	os.Exit(code)
}

// eachBackend runs fn as a subtest per database.
func eachBackend(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			fn(t, b.open(t))
		})
	}
}

// open returns the backend's store, opening it on first use; it skips when the backend is not
// configured and fails when it is configured but cannot be reached.
func (b *backend) open(t *testing.T) *Store {
	t.Helper()
	dsn := ""
	if b.env != "" {
		dsn = os.Getenv(b.env)
		if dsn == "" {
			t.Skipf("%s tests skipped: set %s to run them, e.g. %s='%s'", b.name, b.env, b.env, b.example)
		}
	}
	b.once.Do(func() { b.store, b.cleanup, b.err = openTestStore(b.name, dsn) })
	if b.err != nil {
		t.Fatalf("%s: %v", b.name, b.err)
	}
	return b.store
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// testOptions are the store options of the suite: cheap password hashes.
var testOptions = []Option{WithPasswordCost(bcrypt.MinCost)}

// openTestStore creates a fresh database for this run and opens a store on it.
func openTestStore(name, dsn string) (*Store, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	scratch := "ld_test_" + randomHex(6)
	switch name {
	case SQLite:
		dir, err := os.MkdirTemp("", "livedash-sqlstore-")
		if err != nil {
			return nil, nil, err
		}
		s, err := Open(ctx, "", dir, testOptions...)
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, err
		}
		return s, func() { s.Close(); os.RemoveAll(dir) }, nil

	case Postgres:
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, nil, err
		}
		if err := admin.PingContext(ctx); err != nil {
			admin.Close()
			return nil, nil, fmt.Errorf("cannot reach PostgreSQL at %s: %w", redact(dsn), err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+scratch); err != nil {
			admin.Close()
			return nil, nil, err
		}
		drop := func() {
			_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+scratch+" CASCADE")
			admin.Close()
		}
		u, err := url.Parse(dsn)
		if err != nil {
			drop()
			return nil, nil, err
		}
		q := u.Query()
		q.Set("search_path", scratch)
		u.RawQuery = q.Encode()
		s, err := Open(ctx, u.String(), "", testOptions...)
		if err != nil {
			drop()
			return nil, nil, err
		}
		return s, func() { s.Close(); drop() }, nil

	case MySQL:
		cfg, err := mysqlConfig(strings.TrimPrefix(dsn, "mysql://"))
		if err != nil {
			return nil, nil, err
		}
		admin, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			return nil, nil, err
		}
		if err := admin.PingContext(ctx); err != nil {
			admin.Close()
			return nil, nil, fmt.Errorf("cannot reach MySQL at %s: %w", redact(dsn), err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+scratch+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
			admin.Close()
			return nil, nil, err
		}
		drop := func() {
			_, _ = admin.ExecContext(context.Background(), "DROP DATABASE "+scratch)
			admin.Close()
		}
		cfg.DBName = scratch
		s, err := Open(ctx, cfg.FormatDSN(), "", testOptions...)
		if err != nil {
			drop()
			return nil, nil, err
		}
		return s, func() { s.Close(); drop() }, nil
	}
	return nil, nil, fmt.Errorf("unknown backend %s", name)
}

// --- helpers ---

var ctxT = context.Background()

// newTenant creates a tenant of the test's own.
func newTenant(t *testing.T, s *Store) string {
	t.Helper()
	tn, err := s.CreateTenant(ctxT, livedash.Tenant{ID: "t-" + randomHex(6), Name: "Tenant " + t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

// newUser creates a user with password "password1" and the given roles.
func newUser(t *testing.T, s *Store, tenant, name string, roles ...string) livedash.User {
	t.Helper()
	if len(roles) == 0 {
		roles = []string{livedash.RoleViewer}
	}
	u, err := s.CreateUser(ctxT, tenant, livedash.User{Email: name + "@example.com", DisplayName: name, Roles: roles}, "password1")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// wantCode fails unless err carries the domain code (nil for "").
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := livedash.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
