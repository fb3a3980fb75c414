package service

import (
	"context"
	"sync"
	"time"

	"livedash"
)

// The per-tenant index of dashboards and widgets answers, without the store: which dashboard a
// widget belongs to, who may see it, and which stat/gauge widgets show a metric code (so that an
// ingest batch touches only the widgets of its codes). It is built from the store on first use,
// kept up to date by the service's writes and rebuilt after IndexTTL (writes of other nodes).

// dashMeta is what the index keeps of a dashboard: enough for Dashboard.CanView.
type dashMeta struct {
	Owner      string
	Visibility string
}

func (m dashMeta) shared() bool { return m.Visibility == livedash.VisibilityShared }

// canView reports whether p may view a dashboard of tenant with meta m.
func (m dashMeta) canView(p livedash.Principal, tenant string) bool {
	return livedash.Dashboard{Tenant: tenant, OwnerID: m.Owner, Visibility: m.Visibility}.CanView(p)
}

// indexData is one generation of a tenant's index; guarded by tenantIndex.mu.
type indexData struct {
	dashboards map[string]dashMeta            // by dashboard id
	widgets    map[string]livedash.Widget     // by widget id
	byDash     map[string]map[string]struct{} // dashboard id → widget ids
	byCode     map[string]map[string]struct{} // metric code → ids of stat/gauge widgets
}

func newIndexData() *indexData {
	return &indexData{
		dashboards: map[string]dashMeta{},
		widgets:    map[string]livedash.Widget{},
		byDash:     map[string]map[string]struct{}{},
		byCode:     map[string]map[string]struct{}{},
	}
}

// valueWidget reports whether widgets of type t have a computed (cached) value.
func valueWidget(t string) bool { return t == livedash.WidgetStat || t == livedash.WidgetGauge }

func addTo(m map[string]map[string]struct{}, k, id string) {
	set := m[k]
	if set == nil {
		set = map[string]struct{}{}
		m[k] = set
	}
	set[id] = struct{}{}
}

func removeFrom(m map[string]map[string]struct{}, k, id string) {
	if set := m[k]; set != nil {
		delete(set, id)
		if len(set) == 0 {
			delete(m, k)
		}
	}
}

func (x *indexData) putDashboard(d livedash.Dashboard) {
	x.dashboards[d.ID] = dashMeta{Owner: d.OwnerID, Visibility: d.Visibility}
	for _, w := range d.Widgets {
		x.putWidget(w)
	}
}

func (x *indexData) removeDashboard(id string) {
	for wid := range x.byDash[id] {
		x.removeWidget(wid)
	}
	delete(x.dashboards, id)
	delete(x.byDash, id)
}

func (x *indexData) putWidget(w livedash.Widget) {
	x.removeWidget(w.ID)
	w.Options = nil // not needed here
	x.widgets[w.ID] = w
	addTo(x.byDash, w.DashboardID, w.ID)
	if valueWidget(w.Type) {
		for _, c := range w.Query.Codes {
			addTo(x.byCode, c, w.ID)
		}
	}
}

func (x *indexData) removeWidget(id string) {
	w, ok := x.widgets[id]
	if !ok {
		return
	}
	delete(x.widgets, id)
	removeFrom(x.byDash, w.DashboardID, id)
	for _, c := range w.Query.Codes {
		removeFrom(x.byCode, c, id)
	}
}

// tenantIndex holds the current indexData of one tenant.
type tenantIndex struct {
	buildMu sync.Mutex // one (re)build at a time; held across the store scan

	mu       sync.Mutex
	data     *indexData // nil until built
	builtAt  time.Time
	building bool
	pending  []func(*indexData) // changes made while building, replayed on the new data
}

// tenantIndex returns the index of tenant, creating an empty (unbuilt) one.
func (s *Service) tenantIndex(tenant string) *tenantIndex {
	s.idxMu.Lock()
	defer s.idxMu.Unlock()
	ix := s.indexes[tenant]
	if ix == nil {
		ix = &tenantIndex{}
		s.indexes[tenant] = ix
	}
	return ix
}

// index returns the built, fresh index of tenant, (re)building it when needed. force rebuilds it
// unless it was built less than minAge ago.
func (s *Service) index(ctx context.Context, tenant string, force bool, minAge time.Duration) (*tenantIndex, error) {
	ix := s.tenantIndex(tenant)
	fresh := func() bool {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		if ix.data == nil {
			return false
		}
		age := s.now().Sub(ix.builtAt)
		if force {
			return age < minAge
		}
		return s.indexTTL < 0 || age < s.indexTTL
	}
	if fresh() {
		return ix, nil
	}
	ix.buildMu.Lock()
	defer ix.buildMu.Unlock()
	if fresh() { // built by another caller meanwhile
		return ix, nil
	}
	ix.mu.Lock()
	ix.building, ix.pending = true, nil
	ix.mu.Unlock()
	data, err := s.scanIndex(ctx, tenant)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.building = false
	pending := ix.pending
	ix.pending = nil
	if err != nil {
		return nil, err
	}
	for _, fn := range pending {
		fn(data)
	}
	ix.data, ix.builtAt = data, s.now()
	return ix, nil
}

// scanIndex reads every dashboard and widget of tenant from the store.
func (s *Service) scanIndex(ctx context.Context, tenant string) (*indexData, error) {
	data := newIndexData()
	opt := livedash.ListOptions{Limit: livedash.MaxLimit}
	for {
		page, err := s.store.ListDashboards(ctx, tenant, livedash.DashboardFilter{}, opt)
		if err != nil {
			return nil, err
		}
		for _, d := range page.Items {
			ws, err := s.store.ListWidgets(ctx, tenant, d.ID)
			if livedash.ErrorCode(err) == livedash.ENotFound {
				continue // deleted meanwhile
			}
			if err != nil {
				return nil, err
			}
			d.Widgets = ws
			data.putDashboard(d)
		}
		if page.NextCursor == "" {
			return data, nil
		}
		opt.Cursor = page.NextCursor
	}
}

// indexChange applies fn to the index of tenant, if it has been built (an unbuilt index reads
// the store when it is built). A change made during a rebuild is replayed on the new data.
func (s *Service) indexChange(tenant string, fn func(*indexData)) {
	ix := s.tenantIndex(tenant)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.data != nil {
		fn(ix.data)
	}
	if ix.building {
		ix.pending = append(ix.pending, fn)
	}
}

// indexedWidget is a widget with the dashboard it belongs to, as the index knows them.
type indexedWidget struct {
	Widget livedash.Widget
	Dash   dashMeta
}

// lookupWidget returns widget id of tenant from the index; on a miss the index is rebuilt (at
// most once a second) and asked again.
func (s *Service) lookupWidget(ctx context.Context, tenant, id string) (indexedWidget, bool, error) {
	for _, force := range []bool{false, true} {
		ix, err := s.index(ctx, tenant, force, time.Second)
		if err != nil {
			return indexedWidget{}, false, err
		}
		ix.mu.Lock()
		w, ok := ix.data.widgets[id]
		meta := ix.data.dashboards[w.DashboardID]
		ix.mu.Unlock()
		if ok {
			return indexedWidget{Widget: w, Dash: meta}, true, nil
		}
	}
	return indexedWidget{}, false, nil
}

// widgetsOfCodes returns the stat/gauge widgets of tenant whose query names one of codes.
func (s *Service) widgetsOfCodes(ctx context.Context, tenant string, codes []string) ([]indexedWidget, error) {
	ix, err := s.index(ctx, tenant, false, 0)
	if err != nil {
		return nil, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var out []indexedWidget
	seen := map[string]bool{}
	for _, c := range codes {
		for id := range ix.data.byCode[c] {
			if seen[id] {
				continue
			}
			seen[id] = true
			w := ix.data.widgets[id]
			out = append(out, indexedWidget{Widget: w, Dash: ix.data.dashboards[w.DashboardID]})
		}
	}
	return out, nil
}
