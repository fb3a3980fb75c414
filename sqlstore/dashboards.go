package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"livedash"
)

const dashboardColumns = "id, tenant, owner_id, name, description, layout_json, visibility, version, created_at, updated_at"

func scanDashboard(sc scanner) (livedash.Dashboard, error) {
	var d livedash.Dashboard
	var layout string
	var created, updated int64
	err := sc.Scan(&d.ID, &d.Tenant, &d.OwnerID, &d.Name, &d.Description, &layout, &d.Visibility, &d.Version, &created, &updated)
	d.Layout = json.RawMessage(layout)
	d.CreatedAt, d.UpdatedAt = fromMS(created), fromMS(updated)
	return d, err
}

// jsonObject returns the compact text of a validated JSON object, "{}" for none or null.
func jsonObject(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "{}"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "{}" // cannot happen: Validate checked it
	}
	return b.String()
}

// CreateDashboard implements livedash.DashboardStore.
func (s *Store) CreateDashboard(ctx context.Context, tenant string, d livedash.Dashboard) (livedash.Dashboard, error) {
	if err := d.Validate(); err != nil {
		return livedash.Dashboard{}, err
	}
	if d.OwnerID == "" {
		return livedash.Dashboard{}, livedash.Errorf(livedash.EBadRequest, "owner_id: must not be empty")
	}
	if d.Visibility == "" {
		d.Visibility = livedash.VisibilityPrivate
	}
	now := s.nowMS()
	d.ID, d.Tenant, d.Version = s.newID(), tenant, 1
	d.CreatedAt, d.UpdatedAt = fromMS(now), fromMS(now)
	d.Layout = json.RawMessage(jsonObject(d.Layout))
	widgets := d.Widgets
	d.Widgets = make([]livedash.Widget, 0, len(widgets))
	err := s.write(ctx, func(r runner) error {
		if err := requireTenant(ctx, r, tenant); err != nil {
			return err
		}
		if _, err := r.exec(ctx, "INSERT INTO dashboards ("+dashboardColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			d.ID, tenant, d.OwnerID, d.Name, d.Description, string(d.Layout), d.Visibility, d.Version, now, now); err != nil {
			return err
		}
		for _, w := range widgets {
			w.DashboardID = d.ID
			w, err := s.insertWidget(ctx, r, tenant, w, now)
			if err != nil {
				return err
			}
			d.Widgets = append(d.Widgets, w)
		}
		return nil
	})
	if err != nil {
		return livedash.Dashboard{}, fail("create dashboard", err)
	}
	return d, nil
}

// Dashboard implements livedash.DashboardStore.
func (s *Store) Dashboard(ctx context.Context, tenant, id string) (livedash.Dashboard, error) {
	d, err := scanDashboard(s.read().queryRow(ctx, "SELECT "+dashboardColumns+" FROM dashboards WHERE tenant = ? AND id = ?", tenant, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, notFound("dashboard", id)
	}
	if err != nil {
		return d, fail("dashboard", err)
	}
	d.Widgets, err = s.ListWidgets(ctx, tenant, id)
	return d, err
}

// ListDashboards implements livedash.DashboardStore.
func (s *Store) ListDashboards(ctx context.Context, tenant string, f livedash.DashboardFilter, opt livedash.ListOptions) (livedash.Page[livedash.Dashboard], error) {
	var none livedash.Page[livedash.Dashboard]
	lq, err := newListQuery(opt)
	if err != nil {
		return none, err
	}
	q := "SELECT " + dashboardColumns + " FROM dashboards WHERE tenant = ? AND id > ?"
	args := []any{tenant, lq.after}
	if f.Viewer != "" {
		q += " AND (visibility = ? OR owner_id = ?)"
		args = append(args, livedash.VisibilityShared, f.Viewer)
	}
	if f.Owner != "" {
		q += " AND owner_id = ?"
		args = append(args, f.Owner)
	}
	q += " ORDER BY id LIMIT ?"
	args = append(args, lq.limit+1)
	rows, err := s.read().query(ctx, q, args...)
	if err != nil {
		return none, fail("list dashboards", err)
	}
	defer rows.Close()
	var out []livedash.Dashboard
	for rows.Next() {
		d, err := scanDashboard(rows)
		if err != nil {
			return none, fail("list dashboards", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return none, fail("list dashboards", err)
	}
	return page(out, lq.limit, func(d livedash.Dashboard) string { return d.ID }), nil
}

// UpdateDashboard implements livedash.DashboardStore.
func (s *Store) UpdateDashboard(ctx context.Context, tenant string, d livedash.Dashboard) (livedash.Dashboard, error) {
	d.Widgets = nil // not changed here; not validated either
	if err := d.Validate(); err != nil {
		return livedash.Dashboard{}, err
	}
	if d.Version <= 0 {
		return livedash.Dashboard{}, livedash.Errorf(livedash.EBadRequest, "version: is required (the version the update is based on)")
	}
	if d.Visibility == "" {
		d.Visibility = livedash.VisibilityPrivate
	}
	err := s.write(ctx, func(r runner) error {
		n, err := rowsAffected(r.exec(ctx, "UPDATE dashboards SET name = ?, description = ?, layout_json = ?, visibility = ?, version = version + 1, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?",
			d.Name, d.Description, jsonObject(d.Layout), d.Visibility, s.nowMS(), tenant, d.ID, d.Version))
		if err == nil && n == 0 {
			return versionMismatch(ctx, r, "dashboard", "dashboards", tenant, d.ID)
		}
		return err
	})
	if err != nil {
		return livedash.Dashboard{}, fail("update dashboard", err)
	}
	return s.Dashboard(ctx, tenant, d.ID)
}

// deleteVersioned deletes record id of table if it is still at version (0: whatever its version),
// explaining a miss with versionMismatch. extra is the widget's dashboard, as for versionMismatch.
func deleteVersioned(ctx context.Context, r runner, resource, table, tenant, id string, version int64, extra ...any) error {
	q := "DELETE FROM " + table + " WHERE tenant = ? AND id = ?"
	args := []any{tenant, id}
	if len(extra) == 1 {
		q += " AND dashboard_id = ?"
		args = append(args, extra[0])
	}
	if version != 0 {
		q += " AND version = ?"
		args = append(args, version)
	}
	n, err := rowsAffected(r.exec(ctx, q, args...))
	if err == nil && n == 0 {
		return versionMismatch(ctx, r, resource, table, tenant, id, extra...)
	}
	return err
}

// versionMismatch explains an optimistic update or delete that matched no row: ENotFound when
// the record is gone, *VersionConflict with the current version otherwise. It must be the first
// read of its transaction: on MySQL (repeatable read) the first read fixes the snapshot, and one
// taken before a concurrent writer committed would report the version that writer replaced.
func versionMismatch(ctx context.Context, r runner, resource, table, tenant, id string, extra ...any) error {
	q := "SELECT version FROM " + table + " WHERE tenant = ? AND id = ?"
	args := []any{tenant, id}
	if len(extra) == 1 { // widgets: the dashboard too
		q += " AND dashboard_id = ?"
		args = append(args, extra[0])
	}
	var current int64
	err := r.queryRow(ctx, q, args...).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(resource, id)
	}
	if err != nil {
		return err
	}
	return &livedash.VersionConflict{Resource: resource, ID: id, Current: current}
}

// DeleteDashboard implements livedash.DashboardStore.
func (s *Store) DeleteDashboard(ctx context.Context, tenant, id string, version int64) error {
	err := s.write(ctx, func(r runner) error {
		return deleteVersioned(ctx, r, "dashboard", "dashboards", tenant, id, version)
	})
	return fail("delete dashboard", err)
}
