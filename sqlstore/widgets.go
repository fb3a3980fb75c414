package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"livedash"
)

const widgetColumns = "id, tenant, dashboard_id, type, title, query_json, options_json, pos_x, pos_y, pos_w, pos_h, version, created_at, updated_at"

func scanWidget(sc scanner) (livedash.Widget, error) {
	var w livedash.Widget
	var query, options string
	var created, updated int64
	err := sc.Scan(&w.ID, &w.Tenant, &w.DashboardID, &w.Type, &w.Title, &query, &options,
		&w.Position.X, &w.Position.Y, &w.Position.W, &w.Position.H, &w.Version, &created, &updated)
	if err != nil {
		return w, err
	}
	if err := json.Unmarshal([]byte(query), &w.Query); err != nil {
		return w, err
	}
	w.Options = json.RawMessage(options)
	w.CreatedAt, w.UpdatedAt = fromMS(created), fromMS(updated)
	return w, nil
}

// queryJSON returns the stored text of a widget query.
func queryJSON(q livedash.MetricQuery) (string, error) {
	if q.Codes == nil {
		q.Codes = []string{}
	}
	b, err := json.Marshal(q)
	return string(b), err
}

// insertWidget stores a validated widget of dashboard w.DashboardID with version 1.
func (s *Store) insertWidget(ctx context.Context, r runner, tenant string, w livedash.Widget, now int64) (livedash.Widget, error) {
	w.ID, w.Tenant, w.Version = s.newID(), tenant, 1
	w.CreatedAt, w.UpdatedAt = fromMS(now), fromMS(now)
	w.Options = json.RawMessage(jsonObject(w.Options))
	if w.Query.Codes == nil {
		w.Query.Codes = []string{}
	}
	query, err := queryJSON(w.Query)
	if err != nil {
		return w, err
	}
	_, err = r.exec(ctx, "INSERT INTO widgets ("+widgetColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		w.ID, tenant, w.DashboardID, w.Type, w.Title, query, string(w.Options),
		w.Position.X, w.Position.Y, w.Position.W, w.Position.H, w.Version, now, now)
	return w, err
}

// CreateWidget implements livedash.DashboardStore.
func (s *Store) CreateWidget(ctx context.Context, tenant string, w livedash.Widget) (livedash.Widget, error) {
	if err := w.Validate(); err != nil {
		return livedash.Widget{}, err
	}
	err := s.write(ctx, func(r runner) error {
		var count int
		if err := r.queryRow(ctx, "SELECT COUNT(w.id) FROM dashboards d LEFT JOIN widgets w ON w.dashboard_id = d.id WHERE d.tenant = ? AND d.id = ? GROUP BY d.id",
			tenant, w.DashboardID).Scan(&count); errors.Is(err, sql.ErrNoRows) {
			return notFound("dashboard", w.DashboardID)
		} else if err != nil {
			return err
		}
		if count >= livedash.MaxWidgets {
			return livedash.Errorf(livedash.EBadRequest, "widgets: a dashboard holds at most %d", livedash.MaxWidgets)
		}
		var err error
		w, err = s.insertWidget(ctx, r, tenant, w, s.nowMS())
		return err
	})
	if err != nil {
		return livedash.Widget{}, fail("create widget", err)
	}
	return w, nil
}

// Widget implements livedash.DashboardStore.
func (s *Store) Widget(ctx context.Context, tenant, dashboardID, id string) (livedash.Widget, error) {
	w, err := scanWidget(s.read().queryRow(ctx, "SELECT "+widgetColumns+" FROM widgets WHERE tenant = ? AND dashboard_id = ? AND id = ?", tenant, dashboardID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, notFound("widget", id)
	}
	return w, fail("widget", err)
}

// ListWidgets implements livedash.DashboardStore. An unknown dashboard is ENotFound.
func (s *Store) ListWidgets(ctx context.Context, tenant, dashboardID string) ([]livedash.Widget, error) {
	r := s.read()
	var one int
	if err := r.queryRow(ctx, "SELECT 1 FROM dashboards WHERE tenant = ? AND id = ?", tenant, dashboardID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("dashboard", dashboardID)
	} else if err != nil {
		return nil, fail("list widgets", err)
	}
	return s.queryWidgets(ctx, r, "SELECT "+widgetColumns+" FROM widgets WHERE tenant = ? AND dashboard_id = ? ORDER BY id", tenant, dashboardID)
}

func (s *Store) queryWidgets(ctx context.Context, r runner, query string, args ...any) ([]livedash.Widget, error) {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, fail("list widgets", err)
	}
	defer rows.Close()
	out := []livedash.Widget{}
	for rows.Next() {
		w, err := scanWidget(rows)
		if err != nil {
			return nil, fail("list widgets", err)
		}
		out = append(out, w)
	}
	return out, fail("list widgets", rows.Err())
}

// UpdateWidget implements livedash.DashboardStore.
func (s *Store) UpdateWidget(ctx context.Context, tenant string, w livedash.Widget) (livedash.Widget, error) {
	if err := w.Validate(); err != nil {
		return livedash.Widget{}, err
	}
	if w.Version <= 0 {
		return livedash.Widget{}, livedash.Errorf(livedash.EBadRequest, "version: is required (the version the update is based on)")
	}
	query, err := queryJSON(w.Query)
	if err != nil {
		return livedash.Widget{}, fail("update widget", err)
	}
	err = s.write(ctx, func(r runner) error {
		n, err := rowsAffected(r.exec(ctx, "UPDATE widgets SET type = ?, title = ?, query_json = ?, options_json = ?, pos_x = ?, pos_y = ?, pos_w = ?, pos_h = ?, version = version + 1, updated_at = ? WHERE tenant = ? AND dashboard_id = ? AND id = ? AND version = ?",
			w.Type, w.Title, query, jsonObject(w.Options), w.Position.X, w.Position.Y, w.Position.W, w.Position.H, s.nowMS(),
			tenant, w.DashboardID, w.ID, w.Version))
		if err == nil && n == 0 {
			return versionMismatch(ctx, r, "widget", "widgets", tenant, w.ID, w.DashboardID)
		}
		return err
	})
	if err != nil {
		return livedash.Widget{}, fail("update widget", err)
	}
	return s.Widget(ctx, tenant, w.DashboardID, w.ID)
}

// MoveWidgets implements livedash.DashboardStore.
func (s *Store) MoveWidgets(ctx context.Context, tenant, dashboardID string, moves []livedash.WidgetMove) ([]livedash.Widget, error) {
	ids := make([]string, 0, len(moves))
	for i, m := range moves {
		if err := m.Position.Validate(); err != nil {
			return nil, livedash.Errorf(livedash.EBadRequest, "moves[%d].%s", i, livedash.ErrorMessage(err))
		}
		if m.Version <= 0 {
			return nil, livedash.Errorf(livedash.EBadRequest, "moves[%d].version: is required", i)
		}
		if slices.Contains(ids, m.ID) {
			return nil, livedash.Errorf(livedash.EBadRequest, "moves[%d].id: widget %q is moved twice", i, m.ID)
		}
		ids = append(ids, m.ID)
	}
	if len(moves) == 0 {
		return []livedash.Widget{}, nil
	}
	var out []livedash.Widget
	err := s.write(ctx, func(r runner) error {
		now := s.nowMS()
		for _, m := range moves {
			n, err := rowsAffected(r.exec(ctx, "UPDATE widgets SET pos_x = ?, pos_y = ?, pos_w = ?, pos_h = ?, version = version + 1, updated_at = ? WHERE tenant = ? AND dashboard_id = ? AND id = ? AND version = ?",
				m.Position.X, m.Position.Y, m.Position.W, m.Position.H, now, tenant, dashboardID, m.ID, m.Version))
			if err != nil {
				return err
			}
			if n == 0 {
				return versionMismatch(ctx, r, "widget", "widgets", tenant, m.ID, dashboardID)
			}
		}
		var err error
		out, err = s.queryWidgets(ctx, r, "SELECT "+widgetColumns+" FROM widgets WHERE tenant = ? AND dashboard_id = ? AND id IN ("+placeholders(len(ids))+") ORDER BY id",
			append([]any{tenant, dashboardID}, anySlice(ids)...)...)
		return err
	})
	if err != nil {
		return nil, fail("move widgets", err)
	}
	return out, nil
}

// DeleteWidget implements livedash.DashboardStore.
func (s *Store) DeleteWidget(ctx context.Context, tenant, dashboardID, id string, version int64) error {
	err := s.write(ctx, func(r runner) error {
		return deleteVersioned(ctx, r, "widget", "widgets", tenant, id, version, dashboardID)
	})
	return fail("delete widget", err)
}
