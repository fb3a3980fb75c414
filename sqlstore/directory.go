package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"livedash"
)

// The Directory lookups are by id alone: ids are unique across tenants, and the channel policy
// compares the tenant found with the caller's.

// ProjectTenant implements livedash.Directory.
func (s *Store) ProjectTenant(ctx context.Context, projectID string) (string, bool, error) {
	return s.tenantOf(ctx, "SELECT tenant FROM projects WHERE id = ?", projectID)
}

// UserTenant implements livedash.Directory.
func (s *Store) UserTenant(ctx context.Context, userID string) (string, bool, error) {
	return s.tenantOf(ctx, "SELECT tenant FROM users WHERE id = ?", userID)
}

func (s *Store) tenantOf(ctx context.Context, query, id string) (string, bool, error) {
	var tenant string
	err := s.read().queryRow(ctx, query, id).Scan(&tenant)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fail("directory", err)
	}
	return tenant, true, nil
}

// CanViewBoard implements livedash.Directory.
func (s *Store) CanViewBoard(ctx context.Context, p livedash.Principal, dashboardID string) (bool, error) {
	var d livedash.Dashboard
	err := s.read().queryRow(ctx, "SELECT tenant, owner_id, visibility FROM dashboards WHERE id = ?", dashboardID).Scan(&d.Tenant, &d.OwnerID, &d.Visibility)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fail("can view board", err)
	}
	return d.CanView(p), nil
}
