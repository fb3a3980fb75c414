package service

import (
	"context"

	"livedash"
)

// ListDashboards lists the dashboards p may view (shared ones and p's private ones).
func (s *Service) ListDashboards(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[livedash.Dashboard], error) {
	if err := canRead(p); err != nil {
		return livedash.Page[livedash.Dashboard]{}, err
	}
	return s.store.ListDashboards(ctx, p.Tenant, livedash.DashboardFilter{Viewer: p.UserID}, opt)
}

// Dashboard returns dashboard id and its widgets (also in the dashboard's Widgets); ENotFound when
// p may not view it.
func (s *Service) Dashboard(ctx context.Context, p livedash.Principal, id string) (livedash.Dashboard, []livedash.Widget, error) {
	if err := canRead(p); err != nil {
		return livedash.Dashboard{}, nil, err
	}
	d, err := s.viewDashboard(ctx, p, id)
	if err != nil {
		return livedash.Dashboard{}, nil, err
	}
	return d, d.Widgets, nil
}

// viewDashboard reads dashboard id with its widgets, as ENotFound when p may not view it.
func (s *Service) viewDashboard(ctx context.Context, p livedash.Principal, id string) (livedash.Dashboard, error) {
	d, err := s.store.Dashboard(ctx, p.Tenant, id)
	if err != nil {
		return livedash.Dashboard{}, err
	}
	if !d.CanView(p) {
		return livedash.Dashboard{}, livedash.Errorf(livedash.ENotFound, "dashboard %s not found", id)
	}
	return d, nil
}

// CreateDashboard creates d, and the widgets it carries, owned by p (private when no visibility
// is given). Editors and admins.
func (s *Service) CreateDashboard(ctx context.Context, p livedash.Principal, d livedash.Dashboard) (livedash.Dashboard, error) {
	if err := canEdit(p); err != nil {
		return livedash.Dashboard{}, err
	}
	d.ID, d.Tenant, d.OwnerID, d.Version = "", p.Tenant, p.UserID, 0
	if err := d.Validate(); err != nil {
		return livedash.Dashboard{}, err
	}
	created, err := s.store.CreateDashboard(ctx, p.Tenant, d)
	if err != nil {
		return livedash.Dashboard{}, err
	}
	s.indexChange(p.Tenant, func(x *indexData) { x.putDashboard(created) })
	ev := created
	s.publish(ctx, EventDashboardUpdate, DashboardEvent{
		DashboardID: created.ID, Version: created.Version, Change: ChangeCreated, By: p.UserID, Dashboard: &ev,
	}, boardChannels(created.OwnerID, created.ID, created.Visibility == livedash.VisibilityShared)...)
	return created, nil
}

// UpdateDashboard replaces name, description, layout and visibility of d.ID; d.Version is the
// version the caller read (a stale one is *livedash.VersionConflict). Editors and admins, on
// dashboards they may view.
func (s *Service) UpdateDashboard(ctx context.Context, p livedash.Principal, d livedash.Dashboard) (livedash.Dashboard, error) {
	if err := canEdit(p); err != nil {
		return livedash.Dashboard{}, err
	}
	cur, err := s.viewDashboard(ctx, p, d.ID)
	if err != nil {
		return livedash.Dashboard{}, err
	}
	d.Tenant, d.OwnerID, d.Widgets = p.Tenant, cur.OwnerID, nil
	if err := d.Validate(); err != nil {
		return livedash.Dashboard{}, err
	}
	updated, err := s.store.UpdateDashboard(ctx, p.Tenant, d)
	if err != nil {
		return livedash.Dashboard{}, err
	}
	meta := dashMeta{Owner: updated.OwnerID, Visibility: updated.Visibility}
	s.indexChange(p.Tenant, func(x *indexData) { x.dashboards[updated.ID] = meta })
	ev := updated
	ev.Widgets = nil
	wasShared := cur.Visibility == livedash.VisibilityShared
	s.publish(ctx, EventDashboardUpdate, DashboardEvent{
		DashboardID: updated.ID, Version: updated.Version, Change: ChangeUpdated, By: p.UserID, Dashboard: &ev,
	}, boardChannels(updated.OwnerID, updated.ID, wasShared || meta.shared())...)
	return updated, nil
}

// DeleteDashboard deletes dashboard id and its widgets if its version is still version (0: any).
// Editors and admins, on dashboards they may view.
func (s *Service) DeleteDashboard(ctx context.Context, p livedash.Principal, id string, version int64) error {
	if err := canEdit(p); err != nil {
		return err
	}
	cur, err := s.viewDashboard(ctx, p, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteDashboard(ctx, p.Tenant, id, version); err != nil {
		return err
	}
	s.indexChange(p.Tenant, func(x *indexData) { x.removeDashboard(id) })
	ids := make([]string, len(cur.Widgets))
	for i, w := range cur.Widgets {
		ids[i] = w.ID
	}
	s.cache.remove(p.Tenant, ids...)
	s.publish(ctx, EventDashboardUpdate, DashboardEvent{
		DashboardID: id, Version: cur.Version, Change: ChangeDeleted, By: p.UserID,
	}, boardChannels(cur.OwnerID, id, cur.Visibility == livedash.VisibilityShared)...)
	return nil
}

// CreateWidget adds w to dashboard w.DashboardID. Editors and admins, on dashboards they may view.
func (s *Service) CreateWidget(ctx context.Context, p livedash.Principal, w livedash.Widget) (livedash.Widget, error) {
	if err := canEdit(p); err != nil {
		return livedash.Widget{}, err
	}
	if w.DashboardID == "" {
		return livedash.Widget{}, livedash.Errorf(livedash.EBadRequest, "dashboard_id: must not be empty")
	}
	dash, err := s.viewDashboard(ctx, p, w.DashboardID)
	if err != nil {
		return livedash.Widget{}, err
	}
	w.ID, w.Tenant, w.Version = "", p.Tenant, 0
	if err := w.Validate(); err != nil {
		return livedash.Widget{}, err
	}
	created, err := s.store.CreateWidget(ctx, p.Tenant, w)
	if err != nil {
		return livedash.Widget{}, err
	}
	s.indexChange(p.Tenant, func(x *indexData) { x.putWidget(created) })
	ev := created
	s.publish(ctx, EventDashboardUpdate, DashboardEvent{
		DashboardID: dash.ID, Version: dash.Version, Change: ChangeWidgetAdded, By: p.UserID, Widget: &ev,
	}, boardChannels(dash.OwnerID, dash.ID, dash.Visibility == livedash.VisibilityShared)...)
	return created, nil
}

// widgetDashboard returns the dashboard id of widget id: w.DashboardID when given, else from the
// index.
func (s *Service) widgetDashboard(ctx context.Context, tenant, dashboardID, id string) (string, error) {
	if dashboardID != "" {
		return dashboardID, nil
	}
	iw, ok, err := s.lookupWidget(ctx, tenant, id)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", livedash.Errorf(livedash.ENotFound, "widget %s not found", id)
	}
	return iw.Widget.DashboardID, nil
}

// Widget returns widget id as p may see it: ENotFound when it does not exist or its dashboard is
// private to another user. dashboardID, when known, saves looking the widget's dashboard up.
func (s *Service) Widget(ctx context.Context, p livedash.Principal, dashboardID, id string) (livedash.Widget, error) {
	if err := canRead(p); err != nil {
		return livedash.Widget{}, err
	}
	dashID, err := s.widgetDashboard(ctx, p.Tenant, dashboardID, id)
	if err != nil {
		return livedash.Widget{}, err
	}
	if _, err := s.viewDashboard(ctx, p, dashID); err != nil {
		return livedash.Widget{}, err
	}
	return s.store.Widget(ctx, p.Tenant, dashID, id)
}

// UpdateWidget replaces type, title, query, options and position of widget w.ID; w.Version is
// the version the caller read. w.DashboardID may be left empty. Editors and admins, on dashboards
// they may view.
func (s *Service) UpdateWidget(ctx context.Context, p livedash.Principal, w livedash.Widget) (livedash.Widget, error) {
	if err := canEdit(p); err != nil {
		return livedash.Widget{}, err
	}
	dashID, err := s.widgetDashboard(ctx, p.Tenant, w.DashboardID, w.ID)
	if err != nil {
		return livedash.Widget{}, err
	}
	dash, err := s.viewDashboard(ctx, p, dashID)
	if err != nil {
		return livedash.Widget{}, err
	}
	w.Tenant, w.DashboardID = p.Tenant, dashID
	if err := w.Validate(); err != nil {
		return livedash.Widget{}, err
	}
	updated, err := s.store.UpdateWidget(ctx, p.Tenant, w)
	if err != nil {
		return livedash.Widget{}, err
	}
	s.indexChange(p.Tenant, func(x *indexData) { x.putWidget(updated) })
	s.cache.remove(p.Tenant, updated.ID)
	ev := updated
	s.publish(ctx, EventWidgetUpdate, WidgetEvent{
		DashboardID: dash.ID, WidgetID: updated.ID, Version: updated.Version, Change: ChangeConfig, By: p.UserID, Widget: &ev,
	}, boardChannels(dash.OwnerID, dash.ID, dash.Visibility == livedash.VisibilityShared)...)
	return updated, nil
}

// DeleteWidget deletes widget id if its version is still version (0: any). Editors and admins,
// on dashboards they may view.
func (s *Service) DeleteWidget(ctx context.Context, p livedash.Principal, id string, version int64) error {
	if err := canEdit(p); err != nil {
		return err
	}
	dashID, err := s.widgetDashboard(ctx, p.Tenant, "", id)
	if err != nil {
		return err
	}
	dash, err := s.viewDashboard(ctx, p, dashID)
	if err != nil {
		return err
	}
	if err := s.store.DeleteWidget(ctx, p.Tenant, dashID, id, version); err != nil {
		return err
	}
	s.indexChange(p.Tenant, func(x *indexData) { x.removeWidget(id) })
	s.cache.remove(p.Tenant, id)
	s.publish(ctx, EventDashboardUpdate, DashboardEvent{
		DashboardID: dash.ID, Version: dash.Version, Change: ChangeWidgetRemoved, By: p.UserID, WidgetID: id,
	}, boardChannels(dash.OwnerID, dash.ID, dash.Visibility == livedash.VisibilityShared)...)
	return nil
}
