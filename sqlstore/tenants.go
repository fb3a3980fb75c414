package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"livedash"
)

// CreateTenant implements livedash.TenantStore.
func (s *Store) CreateTenant(ctx context.Context, t livedash.Tenant) (livedash.Tenant, error) {
	if err := t.Validate(); err != nil {
		return livedash.Tenant{}, err
	}
	if t.ID == "" {
		t.ID = s.newID()
	}
	now := s.nowMS()
	t.CreatedAt = fromMS(now)
	err := s.write(ctx, func(r runner) error {
		_, err := r.exec(ctx, "INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)", t.ID, t.Name, now)
		if s.d.isUniqueViolation(err) {
			return livedash.Errorf(livedash.EConflict, "tenant %q exists already", t.ID)
		}
		return err
	})
	return t, fail("create tenant", err)
}

// Tenant implements livedash.TenantStore.
func (s *Store) Tenant(ctx context.Context, id string) (livedash.Tenant, error) {
	var t livedash.Tenant
	var created int64
	err := s.read().queryRow(ctx, "SELECT id, name, created_at FROM tenants WHERE id = ?", id).Scan(&t.ID, &t.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return t, notFound("tenant", id)
	}
	t.CreatedAt = fromMS(created)
	return t, fail("tenant", err)
}

// ListTenants implements livedash.TenantStore.
func (s *Store) ListTenants(ctx context.Context, opt livedash.ListOptions) (livedash.Page[livedash.Tenant], error) {
	lq, err := newListQuery(opt)
	if err != nil {
		return livedash.Page[livedash.Tenant]{}, err
	}
	rows, err := s.read().query(ctx, "SELECT id, name, created_at FROM tenants WHERE id > ? ORDER BY id LIMIT ?", lq.after, lq.limit+1)
	if err != nil {
		return livedash.Page[livedash.Tenant]{}, fail("list tenants", err)
	}
	defer rows.Close()
	var out []livedash.Tenant
	for rows.Next() {
		var t livedash.Tenant
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &created); err != nil {
			return livedash.Page[livedash.Tenant]{}, fail("list tenants", err)
		}
		t.CreatedAt = fromMS(created)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return livedash.Page[livedash.Tenant]{}, fail("list tenants", err)
	}
	return page(out, lq.limit, func(t livedash.Tenant) string { return t.ID }), nil
}

// UpdateTenant implements livedash.TenantStore.
func (s *Store) UpdateTenant(ctx context.Context, t livedash.Tenant) (livedash.Tenant, error) {
	if err := t.Validate(); err != nil {
		return livedash.Tenant{}, err
	}
	n, err := rowsAffected(s.wdb.ExecContext(ctx, s.d.rebind("UPDATE tenants SET name = ? WHERE id = ?"), t.Name, t.ID))
	if err != nil {
		return livedash.Tenant{}, fail("update tenant", err)
	}
	if n == 0 {
		return livedash.Tenant{}, notFound("tenant", t.ID)
	}
	return s.Tenant(ctx, t.ID)
}

// DeleteTenant implements livedash.TenantStore. The foreign keys cascade to every table but the
// points and rollups, which are deleted through their series first.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	err := s.write(ctx, func(r runner) error {
		if err := requireTenant(ctx, r, id); err != nil {
			return err
		}
		for _, table := range []string{"metric_points", "metric_rollups"} {
			if _, err := r.exec(ctx, "DELETE FROM "+table+" WHERE series_id IN (SELECT id FROM metric_series WHERE tenant = ?)", id); err != nil {
				return err
			}
		}
		_, err := r.exec(ctx, "DELETE FROM tenants WHERE id = ?", id)
		return err
	})
	if err == nil {
		s.forgetSeries()
	}
	return fail("delete tenant", err)
}
