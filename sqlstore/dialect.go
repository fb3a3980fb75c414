package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names, as returned by Store.Dialect.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
	MySQL    = "mysql"
)

// dialect holds what differs between the databases: driver, placeholders, DDL types, upserts,
// error codes and migration locks. Queries are written with '?' placeholders and rebound.
type dialect struct {
	name   string
	driver string
	// maxParams bounds the placeholders of one statement (SQLite 32766, PostgreSQL and MySQL 65535).
	maxParams int
}

var (
	dialectSQLite   = dialect{name: SQLite, driver: "sqlite", maxParams: 32766}
	dialectPostgres = dialect{name: Postgres, driver: "pgx", maxParams: 65535}
	dialectMySQL    = dialect{name: MySQL, driver: "mysql", maxParams: 65535}
)

// sqlitePragmas are applied to every SQLite connection: WAL for concurrent readers, a busy timeout
// instead of immediate SQLITE_BUSY, foreign keys (off by default in SQLite) and NORMAL sync, which
// is durable across application crashes in WAL mode.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

// parseDSN picks the dialect of dsn and returns the driver's data source name:
//
//	""                                   SQLite file <dataDir>/livedash.db
//	sqlite:PATH, sqlite://PATH, file:PATH SQLite file PATH (relative to the working directory)
//	postgres://…, postgresql://…          PostgreSQL (pgx)
//	mysql://USER:PASS@tcp(HOST:PORT)/DB   MySQL/MariaDB (go-sql-driver form after the scheme)
//	mysql://USER:PASS@HOST:PORT/DB        MySQL/MariaDB (URL form; mariadb:// works too)
//	USER:PASS@tcp(HOST:PORT)/DB           MySQL/MariaDB (go-sql-driver DSN)
//
// MySQL DSNs get parseTime=true; SQLite ones get the pragmas above.
func parseDSN(dsn, dataDir string) (dialect, string, error) {
	switch {
	case dsn == "":
		if dataDir == "" {
			return dialect{}, "", errors.New("sqlstore: no database URL and no data directory")
		}
		return dialectSQLite, sqliteDSN(filepath.Join(dataDir, "livedash.db")), nil
	case strings.HasPrefix(dsn, "sqlite://"):
		return dialectSQLite, sqliteDSN(strings.TrimPrefix(dsn, "sqlite://")), nil
	case strings.HasPrefix(dsn, "sqlite:"):
		return dialectSQLite, sqliteDSN(strings.TrimPrefix(dsn, "sqlite:")), nil
	case strings.HasPrefix(dsn, "file:"):
		return dialectSQLite, sqliteDSN(strings.TrimPrefix(dsn, "file:")), nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return dialectPostgres, dsn, nil
	case strings.HasPrefix(dsn, "mysql://"), strings.HasPrefix(dsn, "mariadb://"):
		_, rest, _ := strings.Cut(dsn, "://")
		cfg, err := mysqlConfig(rest)
		if err != nil {
			return dialect{}, "", err
		}
		return dialectMySQL, cfg.FormatDSN(), nil
	case strings.Contains(dsn, "@tcp("), strings.Contains(dsn, "@unix("), strings.Contains(dsn, "@/"):
		cfg, err := mysqlConfig(dsn)
		if err != nil {
			return dialect{}, "", err
		}
		return dialectMySQL, cfg.FormatDSN(), nil
	}
	return dialect{}, "", fmt.Errorf("sqlstore: unrecognised database URL %q: use postgres://…, mysql://…, sqlite:PATH, or leave it empty for SQLite in the data directory", redact(dsn))
}

// sqliteDSN returns the modernc.org/sqlite DSN of the file path (with any query it carries kept).
func sqliteDSN(path string) string {
	path, query, _ := strings.Cut(path, "?")
	dsn := "file:" + path + "?" + sqlitePragmas
	if query != "" {
		dsn += "&" + query
	}
	return dsn
}

// mysqlConfig parses the go-sql-driver form (user:pass@tcp(host:port)/db?opts) or the URL form
// (user:pass@host:port/db?opts) and sets the options the store relies on.
func mysqlConfig(s string) (*mysql.Config, error) {
	if !isDriverDSN(s) {
		u, err := url.Parse("mysql://" + s)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: invalid MySQL URL %q: %w", redact(s), err)
		}
		host := u.Host
		if u.Port() == "" {
			host += ":3306"
		}
		s = "tcp(" + host + ")" + u.EscapedPath()
		if u.RawQuery != "" {
			s += "?" + u.RawQuery
		}
		if u.User != nil {
			user := u.User.Username()
			if pass, ok := u.User.Password(); ok {
				user += ":" + pass
			}
			s = user + "@" + s
		}
	}
	cfg, err := mysql.ParseDSN(s)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: invalid MySQL DSN %q: %w", redact(s), err)
	}
	if cfg.DBName == "" {
		return nil, fmt.Errorf("sqlstore: MySQL DSN %q names no database", redact(s))
	}
	cfg.ParseTime = true
	cfg.ClientFoundRows = true // RowsAffected counts matched rows, as on the other databases
	cfg.Loc = time.UTC
	cfg.MultiStatements = false
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	// Strict mode (errors, not silent truncation) and UTC, whatever the server's defaults.
	cfg.Params["sql_mode"] = "'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"
	cfg.Params["time_zone"] = "'+00:00'"
	return cfg, nil
}

// isDriverDSN reports whether s is in the go-sql-driver form: its address part (after the last
// '@', before the first '/') is empty or of the form net(addr).
func isDriverDSN(s string) bool {
	addr := s
	if at := strings.LastIndex(s, "@"); at >= 0 {
		addr = s[at+1:]
	}
	addr, _, _ = strings.Cut(addr, "/")
	return addr == "" || strings.Contains(addr, "(")
}

// redact hides the password of a DSN for error messages.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
		return dsn
	}
	if at := strings.LastIndex(dsn, "@"); at >= 0 {
		if c := strings.Index(dsn[:at], ":"); c >= 0 {
			return dsn[:c+1] + "xxxxx" + dsn[at:]
		}
	}
	return dsn
}

// rebind turns '?' placeholders into the dialect's ($1, $2, … for PostgreSQL). Queries here never
// hold a '?' inside a string literal.
func (d dialect) rebind(q string) string {
	if d.name != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// appendPlaceholder appends the placeholder of the n-th (1-based) argument.
func (d dialect) appendPlaceholder(b []byte, n int) []byte {
	if d.name == Postgres {
		return strconv.AppendInt(append(b, '$'), int64(n), 10)
	}
	return append(b, '?')
}

// ddl fills in the per-dialect parts of migration SQL:
//
//	{{TEXT}}   long text (MEDIUMTEXT on MySQL)
//	{{BIN}}    byte-wise collation of a key column (COLLATE "C" on PostgreSQL; MySQL tables are utf8mb4_bin)
//	{{TABLE}}  table options (InnoDB, utf8mb4_bin on MySQL)
//	{{WITHOUT_ROWID}} clustered primary key on SQLite
func (d dialect) ddl(s string) string {
	text, bin, table, noRowid := "TEXT", "", "", ""
	switch d.name {
	case SQLite:
		noRowid = " WITHOUT ROWID"
	case Postgres:
		bin = ` COLLATE "C"`
	case MySQL:
		text = "MEDIUMTEXT"
		table = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
	}
	return strings.NewReplacer("{{TEXT}}", text, "{{BIN}}", bin, "{{TABLE}}", table, "{{WITHOUT_ROWID}}", noRowid).Replace(s)
}

// onConflict returns the clause that ends an INSERT whose rows may collide on the key columns:
// the update columns take the inserted values; with none, the colliding rows are left as they are.
func (d dialect) onConflict(key []string, update ...string) string {
	var b strings.Builder
	if d.name == MySQL {
		b.WriteString(" ON DUPLICATE KEY UPDATE ")
		if len(update) == 0 {
			b.WriteString(key[0] + " = " + key[0])
		}
		for i, c := range update {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c + " = VALUES(" + c + ")")
		}
		return b.String()
	}
	b.WriteString(" ON CONFLICT (" + strings.Join(key, ", ") + ") DO ")
	if len(update) == 0 {
		b.WriteString("NOTHING")
		return b.String()
	}
	b.WriteString("UPDATE SET ")
	for i, c := range update {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = excluded." + c)
	}
	return b.String()
}

// isUniqueViolation reports whether err is a unique or primary key violation.
func (d dialect) isUniqueViolation(err error) bool {
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		return e.Code == "23505"
	}
	if e, ok := errors.AsType[*mysql.MySQLError](err); ok {
		return e.Number == 1062
	}
	return false
}

// migrationLockID names the lock that serialises migrations of nodes starting together.
const migrationLockID = 7_263_514_902

// lock takes the migration lock on conn and returns its release. SQLite needs none: the store has
// a single writing connection and each migration runs in an immediate transaction.
func (d dialect) lock(ctx context.Context, conn *sql.Conn) (func(), error) {
	switch d.name {
	case Postgres:
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
			return nil, err
		}
		return func() {
			_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLockID)
		}, nil
	case MySQL:
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('livedash_migrate', 60)").Scan(&got); err != nil {
			return nil, err
		}
		if got.Int64 != 1 {
			return nil, errors.New("timed out waiting for the migration lock held by another node")
		}
		return func() { _, _ = conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK('livedash_migrate')") }, nil
	}
	return func() {}, nil
}
