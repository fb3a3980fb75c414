// Package sqlstore implements the livedash stores (tenants, users, projects, dashboards, metrics,
// alerts, notifications) and the channel policy's Directory on database/sql, for SQLite (the
// default, pure Go), PostgreSQL and MySQL/MariaDB, with embedded versioned migrations. The same
// conformance suite runs against each database.
package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"livedash"
)

// Store is the SQL implementation of the livedash stores. It is safe for concurrent use.
type Store struct {
	db  *sql.DB // reads
	wdb *sql.DB // writes: db itself, except on SQLite where one connection serialises writers
	d   dialect

	now    func() time.Time
	newID  func() string
	pwCost int

	seriesMu sync.RWMutex
	series   map[int64]struct{} // ids of series known to exist (see points.go)

	// Inserts of a full chunk of points, prepared by Open (see points.go).
	pointStmt, pointReplaceStmt *sql.Stmt

	rollupRes time.Duration // bucket width of Rollup (see rollup.go)
}

// Compile-time checks that Store implements every store of the domain.
var (
	_ livedash.TenantStore       = (*Store)(nil)
	_ livedash.UserStore         = (*Store)(nil)
	_ livedash.ProjectStore      = (*Store)(nil)
	_ livedash.DashboardStore    = (*Store)(nil)
	_ livedash.MetricStore       = (*Store)(nil)
	_ livedash.AlertStore        = (*Store)(nil)
	_ livedash.NotificationStore = (*Store)(nil)
	_ livedash.Directory         = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock of timestamps (default time.Now). Stored times are UTC milliseconds.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithIDs sets the id generator (default: a livedash.IDGenerator of the store's own, on its clock).
func WithIDs(newID func() string) Option { return func(s *Store) { s.newID = newID } }

// WithPasswordCost sets the bcrypt cost of new password hashes (default bcrypt.DefaultCost; tests
// use bcrypt.MinCost).
func WithPasswordCost(cost int) Option { return func(s *Store) { s.pwCost = cost } }

// WithRollupResolution sets the bucket width of Rollup (default DefaultRollupResolution, one
// minute): a positive whole number of milliseconds, else Open fails.
func WithRollupResolution(d time.Duration) Option { return func(s *Store) { s.rollupRes = d } }

// Open connects to the database dsn names (see parseDSN: empty means SQLite in
// <dataDir>/livedash.db), checks the connection and applies pending migrations.
func Open(ctx context.Context, dsn, dataDir string, opts ...Option) (*Store, error) {
	d, driverDSN, err := parseDSN(dsn, dataDir)
	if err != nil {
		return nil, err
	}
	s := &Store{d: d, now: time.Now, pwCost: bcrypt.DefaultCost, series: map[int64]struct{}{}, rollupRes: DefaultRollupResolution}
	for _, o := range opts {
		o(s)
	}
	if err := checkResolution(s.rollupRes); err != nil {
		return nil, fmt.Errorf("sqlstore: rollup resolution: %w", err)
	}
	if s.newID == nil {
		ids := new(livedash.IDGenerator)
		s.newID = func() string { return ids.New(s.now()) }
	}
	if d.name == SQLite {
		path, _, _ := strings.Cut(strings.TrimPrefix(driverDSN, "file:"), "?")
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("sqlstore: creating the directory of %s: %w", path, err)
		}
		// One writing connection (writers queue in Go rather than spin on SQLITE_BUSY) taking
		// the write lock when a transaction begins; readers in parallel thanks to WAL.
		if s.wdb, err = sql.Open(d.driver, driverDSN+"&_txlock=immediate"); err != nil {
			return nil, err
		}
		s.wdb.SetMaxOpenConns(1)
		s.wdb.SetMaxIdleConns(1)
		s.wdb.SetConnMaxIdleTime(0)
		if err := s.wdb.PingContext(ctx); err != nil {
			s.wdb.Close()
			return nil, fmt.Errorf("sqlstore: opening SQLite database %s: %w", path, err)
		}
		if s.db, err = sql.Open(d.driver, driverDSN+"&_pragma=query_only(1)"); err != nil {
			s.wdb.Close()
			return nil, err
		}
		n := max(4, runtime.GOMAXPROCS(0))
		s.db.SetMaxOpenConns(n)
		s.db.SetMaxIdleConns(n)
	} else {
		if s.db, err = sql.Open(d.driver, driverDSN); err != nil {
			return nil, err
		}
		s.db.SetMaxIdleConns(16)
		s.db.SetConnMaxIdleTime(5 * time.Minute)
		s.db.SetConnMaxLifetime(30 * time.Minute)
		s.wdb = s.db
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlstore: connecting to %s database %s: %w", d.name, redact(dsn), err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.preparePoints(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database connections.
func (s *Store) Close() error {
	var err error
	for _, stmt := range []*sql.Stmt{s.pointStmt, s.pointReplaceStmt} {
		if stmt != nil {
			err = errors.Join(err, stmt.Close())
		}
	}
	err = errors.Join(err, s.db.Close())
	if s.wdb != s.db {
		err = errors.Join(err, s.wdb.Close())
	}
	return err
}

// Dialect returns the kind of database: SQLite, Postgres or MySQL.
func (s *Store) Dialect() string { return s.d.name }

// Ping checks that the database answers (for readiness probes).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// runner runs '?'-placeholder queries on a querier, rebound for the dialect.
type runner struct {
	q  querier
	tx *sql.Tx // set inside write
	d  dialect
}

func (r runner) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.q.ExecContext(ctx, r.d.rebind(query), args...)
}

func (r runner) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.q.QueryContext(ctx, r.d.rebind(query), args...)
}

func (r runner) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, r.d.rebind(query), args...)
}

// read returns a runner on the reading pool.
func (s *Store) read() runner { return runner{q: s.db, d: s.d} }

// write runs fn in a transaction on the writing pool, committing if it returns nil.
func (s *Store) write(ctx context.Context, fn func(r runner) error) error {
	return s.writeTx(ctx, nil, fn)
}

// writeTx is write with transaction options.
func (s *Store) writeTx(ctx context.Context, opts *sql.TxOptions, fn func(r runner) error) error {
	tx, err := s.wdb.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(runner{q: tx, tx: tx, d: s.d}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// fail returns err as is when it is a domain error, and wrapped with the operation otherwise.
func fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*livedash.Error](err); ok {
		return err
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

func notFound(kind, id string) error {
	return livedash.Errorf(livedash.ENotFound, "%s %q not found", kind, id)
}

// requireTenant fails with ENotFound unless tenant exists.
func requireTenant(ctx context.Context, r runner, tenant string) error {
	var one int
	err := r.queryRow(ctx, "SELECT 1 FROM tenants WHERE id = ?", tenant).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("tenant", tenant)
	}
	return err
}

// rowsAffected returns the count of rows a statement changed.
func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// nowMS returns the store clock in Unix milliseconds.
func (s *Store) nowMS() int64 { return s.now().UnixMilli() }

// fromMS returns the UTC time of Unix milliseconds.
func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// fromNullMS returns nil for NULL.
func fromNullMS(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := fromMS(ms.Int64)
	return &t
}

// placeholders returns "?, ?, …" for n arguments.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// anySlice converts strings to query arguments.
func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Cursors are the base64url text of the sort key of the last item of a page.

func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || (c != "" && len(b) == 0) {
		return "", livedash.Errorf(livedash.EBadRequest, "cursor: is not a cursor of this list")
	}
	return string(b), nil
}

// listQuery holds a normalised ListOptions: the decoded cursor key and the limit.
type listQuery struct {
	after string // "" from the start
	limit int
}

func newListQuery(opt livedash.ListOptions) (listQuery, error) {
	opt, err := opt.Normalize()
	if err != nil {
		return listQuery{}, err
	}
	after, err := decodeCursor(opt.Cursor)
	return listQuery{after: after, limit: opt.Limit}, err
}

// page trims items (fetched with limit+1) to the page and sets the cursor to the key of its last
// item when more follow.
func page[T any](items []T, limit int, key func(T) string) livedash.Page[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) <= limit {
		return livedash.Page[T]{Items: items}
	}
	items = items[:limit]
	return livedash.Page[T]{Items: items, NextCursor: encodeCursor(key(items[limit-1]))}
}
