package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// migrationFiles are the versioned schema changes, NNNN_name.sql, applied in order. A released
// file is never edited: a change of schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations sorted by version.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, path := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(path, "migrations/"), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration file %s is not named NNNN_name.sql", path)
		}
		b, err := migrationFiles.ReadFile(path)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("sqlstore: two migrations have version %d", ms[i].version)
		}
	}
	return ms, nil
}

// statements splits migration SQL into statements: comment lines are dropped and statements end
// with ';'. Migrations hold no ';' inside literals.
func statements(sqlText string) []string {
	var b strings.Builder
	for line := range strings.Lines(sqlText) {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line)
		}
	}
	var out []string
	for stmt := range strings.SplitSeq(b.String(), ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}

// Migrate applies the migrations the database has not seen yet, each in its own transaction
// (PostgreSQL and SQLite roll a failed one back whole; MySQL commits DDL as it goes). Nodes that
// start together take turns through a database lock. Open calls it; it is safe to call again.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, s.d.ddl(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT NOT NULL PRIMARY KEY,
		name VARCHAR(200) NOT NULL,
		applied_at BIGINT NOT NULL
	){{TABLE}}`)); err != nil {
		return fmt.Errorf("sqlstore: migrate: creating schema_migrations: %w", err)
	}
	unlock, err := s.d.lock(ctx, conn)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: taking the migration lock: %w", err)
	}
	defer unlock()

	current, err := schemaVersion(ctx, conn)
	if err != nil {
		return err
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("sqlstore: the database schema is at version %d, newer than this binary knows (%d): run a newer livedash", current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlstore: migration %d: %w", m.version, err)
		}
		for _, stmt := range statements(s.d.ddl(m.sql)) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("sqlstore: migration %04d_%s: %w\n%s", m.version, m.name, err, stmt)
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.rebind("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
			m.version, m.name, s.nowMS()); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("sqlstore: recording migration %d: %w", m.version, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlstore: migration %d: %w", m.version, err)
		}
	}
	return nil
}

// SchemaVersion returns the version of the latest migration applied (0 for an empty database).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, s.db)
}

func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v *int64
	if err := q.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlstore: reading schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return int(*v), nil
}
