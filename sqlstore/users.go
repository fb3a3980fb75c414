package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"

	"livedash"
)

const userColumns = "id, tenant, email, display_name, roles, password_hash, created_at, updated_at"

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

func scanUser(sc scanner) (livedash.User, error) {
	var u livedash.User
	var roles string
	var created, updated int64
	err := sc.Scan(&u.ID, &u.Tenant, &u.Email, &u.DisplayName, &roles, &u.PasswordHash, &created, &updated)
	u.Roles = splitList(roles)
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return u, err
}

// splitList splits a comma-joined column; "" gives an empty, non-nil list.
func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// CreateUser implements livedash.UserStore.
func (s *Store) CreateUser(ctx context.Context, tenant string, u livedash.User, password string) (livedash.User, error) {
	u.Email = livedash.NormalizeEmail(u.Email)
	if err := u.Validate(); err != nil {
		return livedash.User{}, err
	}
	hash, err := HashPassword(password, s.pwCost)
	if err != nil {
		return livedash.User{}, fail("hash password", err)
	}
	now := s.nowMS()
	u.ID, u.Tenant, u.PasswordHash = s.newID(), tenant, hash
	u.CreatedAt, u.UpdatedAt = fromMS(now), fromMS(now)
	u.Roles = slices.Clone(u.Roles)
	err = s.write(ctx, func(r runner) error {
		if err := requireTenant(ctx, r, tenant); err != nil {
			return err
		}
		_, err := r.exec(ctx, "INSERT INTO users ("+userColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			u.ID, tenant, u.Email, u.DisplayName, strings.Join(u.Roles, ","), hash, now, now)
		if s.d.isUniqueViolation(err) {
			return livedash.Errorf(livedash.EConflict, "a user with email %q exists already", u.Email)
		}
		return err
	})
	if err != nil {
		return livedash.User{}, fail("create user", err)
	}
	return u, nil
}

// User implements livedash.UserStore.
func (s *Store) User(ctx context.Context, tenant, id string) (livedash.User, error) {
	u, err := scanUser(s.read().queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE tenant = ? AND id = ?", tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("user", id)
	}
	return u, fail("user", err)
}

// UserByEmail implements livedash.UserStore.
func (s *Store) UserByEmail(ctx context.Context, tenant, email string) (livedash.User, error) {
	email = livedash.NormalizeEmail(email)
	u, err := scanUser(s.read().queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE tenant = ? AND email = ?", tenant, email))
	if errors.Is(err, sql.ErrNoRows) {
		return u, livedash.Errorf(livedash.ENotFound, "no user with email %q", email)
	}
	return u, fail("user by email", err)
}

// ListUsers implements livedash.UserStore.
func (s *Store) ListUsers(ctx context.Context, tenant string, opt livedash.ListOptions) (livedash.Page[livedash.User], error) {
	lq, err := newListQuery(opt)
	if err != nil {
		return livedash.Page[livedash.User]{}, err
	}
	users, err := s.queryUsers(ctx, "SELECT "+userColumns+" FROM users WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?", tenant, lq.after, lq.limit+1)
	if err != nil {
		return livedash.Page[livedash.User]{}, fail("list users", err)
	}
	return page(users, lq.limit, func(u livedash.User) string { return u.ID }), nil
}

func (s *Store) queryUsers(ctx context.Context, query string, args ...any) ([]livedash.User, error) {
	rows, err := s.read().query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []livedash.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser implements livedash.UserStore.
func (s *Store) UpdateUser(ctx context.Context, tenant string, u livedash.User) (livedash.User, error) {
	u.Email = livedash.NormalizeEmail(u.Email)
	if err := u.Validate(); err != nil {
		return livedash.User{}, err
	}
	err := s.write(ctx, func(r runner) error {
		n, err := rowsAffected(r.exec(ctx, "UPDATE users SET email = ?, display_name = ?, roles = ?, updated_at = ? WHERE tenant = ? AND id = ?",
			u.Email, u.DisplayName, strings.Join(u.Roles, ","), s.nowMS(), tenant, u.ID))
		if s.d.isUniqueViolation(err) {
			return livedash.Errorf(livedash.EConflict, "a user with email %q exists already", u.Email)
		}
		if err == nil && n == 0 {
			return notFound("user", u.ID)
		}
		return err
	})
	if err != nil {
		return livedash.User{}, fail("update user", err)
	}
	return s.User(ctx, tenant, u.ID)
}

// SetPassword implements livedash.UserStore.
func (s *Store) SetPassword(ctx context.Context, tenant, id, password string) error {
	hash, err := HashPassword(password, s.pwCost)
	if err != nil {
		return fail("hash password", err)
	}
	err = s.write(ctx, func(r runner) error {
		n, err := rowsAffected(r.exec(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE tenant = ? AND id = ?", hash, s.nowMS(), tenant, id))
		if err == nil && n == 0 {
			return notFound("user", id)
		}
		return err
	})
	return fail("set password", err)
}

// errBadCredentials is the one answer to every failed login, so that it tells nothing.
func errBadCredentials() error {
	return livedash.Errorf(livedash.EUnauthenticated, "wrong email or password")
}

// Authenticate implements livedash.UserStore. An unknown email costs a hash comparison too, so
// that timing does not tell which emails exist.
func (s *Store) Authenticate(ctx context.Context, tenant, email, password string) (livedash.User, error) {
	email = livedash.NormalizeEmail(email)
	var users []livedash.User
	var err error
	if tenant == "" {
		users, err = s.queryUsers(ctx, "SELECT "+userColumns+" FROM users WHERE email = ? ORDER BY tenant", email)
	} else {
		users, err = s.queryUsers(ctx, "SELECT "+userColumns+" FROM users WHERE tenant = ? AND email = ?", tenant, email)
	}
	if err != nil {
		return livedash.User{}, fail("authenticate", err)
	}
	if len(users) == 0 {
		CheckPassword(s.dummyHash(), password)
		return livedash.User{}, errBadCredentials()
	}
	var match []livedash.User
	for _, u := range users {
		if CheckPassword(u.PasswordHash, password) {
			match = append(match, u)
		}
	}
	switch len(match) {
	case 0:
		return livedash.User{}, errBadCredentials()
	case 1:
		return match[0], nil
	}
	return livedash.User{}, livedash.Errorf(livedash.EBadRequest, "tenant: this email belongs to several tenants: name the tenant")
}

var (
	dummyMu     sync.Mutex
	dummyHashes = map[int]string{}
)

// dummyHash returns a hash at the store's cost to compare unknown emails against.
func (s *Store) dummyHash() string {
	dummyMu.Lock()
	defer dummyMu.Unlock()
	h, ok := dummyHashes[s.pwCost]
	if !ok {
		h, _ = HashPassword("not-a-password-of-anyone", s.pwCost)
		dummyHashes[s.pwCost] = h
	}
	return h
}

// DeleteUser implements livedash.UserStore. The user's shared dashboards stay (owned by a user
// id that no longer exists); their private ones, memberships and read marks go.
func (s *Store) DeleteUser(ctx context.Context, tenant, id string) error {
	err := s.write(ctx, func(r runner) error {
		n, err := rowsAffected(r.exec(ctx, "DELETE FROM users WHERE tenant = ? AND id = ?", tenant, id))
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound("user", id)
		}
		if _, err := r.exec(ctx, "DELETE FROM dashboards WHERE tenant = ? AND owner_id = ? AND visibility = ?", tenant, id, livedash.VisibilityPrivate); err != nil {
			return err
		}
		_, err = r.exec(ctx, "DELETE FROM notification_reads WHERE tenant = ? AND user_id = ?", tenant, id)
		return err
	})
	return fail("delete user", err)
}
