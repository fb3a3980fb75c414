package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"livedash"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn     string
		dialect string
		want    string // substring of the driver DSN
	}{
		{"", SQLite, "file:" + filepath.Join("/data", "livedash.db") + "?_pragma=journal_mode(WAL)"},
		{"sqlite:/var/lib/ld.db", SQLite, "file:/var/lib/ld.db?"},
		{"sqlite:///var/lib/ld.db", SQLite, "file:/var/lib/ld.db?"},
		{"sqlite://rel/ld.db", SQLite, "file:rel/ld.db?"},
		{"file:/x/y.db?cache=shared", SQLite, "&cache=shared"},
		{"postgres://u:p@db:5432/app?sslmode=disable", Postgres, "postgres://u:p@db:5432/app?sslmode=disable"},
		{"postgresql://db/app", Postgres, "postgresql://db/app"},
		{"mysql://root:pw@tcp(db:3306)/app", MySQL, "root:pw@tcp(db:3306)/app?"},
		{"mysql://root:pw@db:3307/app?charset=utf8mb4", MySQL, "root:pw@tcp(db:3307)/app?"},
		{"mariadb://root@db/app", MySQL, "root@tcp(db:3306)/app?"},
		{"root@tcp(127.0.0.1:3306)/test", MySQL, "root@tcp(127.0.0.1:3306)/test?"},
		{"root@/test", MySQL, "root@tcp(127.0.0.1:3306)/test?"},
	}
	for _, tt := range tests {
		d, got, err := parseDSN(tt.dsn, "/data")
		if err != nil {
			t.Errorf("parseDSN(%q): %v", tt.dsn, err)
			continue
		}
		if d.name != tt.dialect || !strings.Contains(got, tt.want) {
			t.Errorf("parseDSN(%q) = %s %q, want %s containing %q", tt.dsn, d.name, got, tt.dialect, tt.want)
		}
		if d.name == MySQL && (!strings.Contains(got, "parseTime=true") || !strings.Contains(got, "clientFoundRows=true")) {
			t.Errorf("parseDSN(%q) = %q: want parseTime and clientFoundRows", tt.dsn, got)
		}
	}
	for _, bad := range []string{"redis://x", "mysql://root@tcp(db:3306)/", "nonsense"} {
		if _, _, err := parseDSN(bad, "/data"); err == nil {
			t.Errorf("parseDSN(%q): no error", bad)
		}
	}
	if _, _, err := parseDSN("", ""); err == nil {
		t.Error("parseDSN with no DSN and no data dir: no error")
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h/db":  "postgres://u:xxxxx@h/db",
		"root:secret@tcp(h:1)/db":   "root:xxxxx@tcp(h:1)/db",
		"root@tcp(h:1)/db":          "root@tcp(h:1)/db",
		"postgres://u@h/db?x=1":     "postgres://u@h/db?x=1",
		"mysql://u:secret@h:3306/d": "mysql://u:xxxxx@h:3306/d",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRebind(t *testing.T) {
	if got := dialectPostgres.rebind("SELECT a FROM t WHERE x = ? AND y IN (?, ?)"); got != "SELECT a FROM t WHERE x = $1 AND y IN ($2, $3)" {
		t.Errorf("rebind = %q", got)
	}
	if got := dialectMySQL.rebind("x = ?"); got != "x = ?" {
		t.Errorf("rebind = %q", got)
	}
}

func TestStatements(t *testing.T) {
	got := statements("-- a comment; with a semicolon\nCREATE TABLE a (x INT);\n\nCREATE INDEX i ON a (x);\n")
	if len(got) != 2 || got[0] != "CREATE TABLE a (x INT)" || got[1] != "CREATE INDEX i ON a (x)" {
		t.Errorf("statements = %q", got)
	}
}

func TestMigrate(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	latest := ms[len(ms)-1].version
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if v := must[int](t)(s.SchemaVersion(ctx)); v != latest {
			t.Fatalf("schema version = %d, want %d", v, latest)
		}
		ok(t, s.Migrate(ctx)) // again: nothing to do
		if v := must[int](t)(s.SchemaVersion(ctx)); v != latest {
			t.Fatalf("schema version after second Migrate = %d, want %d", v, latest)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOpenSQLiteFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	ctx := context.Background()
	s, err := Open(ctx, "", dir, testOptions...)
	if err != nil {
		t.Fatal(err)
	}
	tn := must[livedash.Tenant](t)(s.CreateTenant(ctx, livedash.Tenant{ID: "acme", Name: "Acme"})).ID
	var mode string
	ok(t, s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var fk int
	ok(t, s.wdb.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk))
	if fk != 1 {
		t.Errorf("foreign_keys = %d, want 1", fk)
	}
	ok(t, s.Close())

	// Reopening finds the data and applies no migration twice.
	s, err = Open(ctx, "sqlite:"+filepath.Join(dir, "livedash.db"), "", testOptions...)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Tenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	// The reading pool refuses writes.
	if _, err := s.db.ExecContext(ctx, "DELETE FROM tenants"); err == nil {
		t.Error("write through the reading pool succeeded")
	}
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", ""); err == nil {
		t.Error("Open of an unreachable PostgreSQL: no error")
	}
	if _, err := Open(ctx, "nobody@tcp(127.0.0.1:1)/none?timeout=2s", ""); err == nil {
		t.Error("Open of an unreachable MySQL: no error")
	}
}
