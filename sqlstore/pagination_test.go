package sqlstore

import (
	"fmt"
	"slices"
	"testing"

	"livedash"
)

// lister lists one page of ids of some kind.
type lister func(opt livedash.ListOptions) (ids []string, next string, err error)

func ids[T any](p livedash.Page[T], err error, id func(T) string) ([]string, string, error) {
	var out []string
	for _, x := range p.Items {
		out = append(out, id(x))
	}
	return out, p.NextCursor, err
}

func TestPagination(t *testing.T) {
	const n = 7
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		owner := newUser(t, s, tn, "owner")
		kinds := []struct {
			name   string
			create func(i int) string // returns the id (or code)
			list   lister
			desc   bool // newest first
		}{
			{"users", func(i int) string { return newUser(t, s, tn, fmt.Sprintf("u%d", i)).ID },
				func(o livedash.ListOptions) ([]string, string, error) {
					p, err := s.ListUsers(ctxT, tn, o)
					ids, next, err := ids(p, err, func(u livedash.User) string { return u.ID })
					return slices.DeleteFunc(ids, func(id string) bool { return id == owner.ID }), next, err
				}, false},
			{"projects", func(i int) string {
				return must[livedash.Project](t)(s.CreateProject(ctxT, tn, livedash.Project{Name: fmt.Sprint("p", i)})).ID
			}, func(o livedash.ListOptions) ([]string, string, error) {
				p, err := s.ListProjects(ctxT, tn, livedash.ProjectFilter{}, o)
				return ids(p, err, func(p livedash.Project) string { return p.ID })
			}, false},
			{"dashboards", func(i int) string {
				return must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, tn, livedash.Dashboard{Name: fmt.Sprint("d", i), OwnerID: owner.ID})).ID
			}, func(o livedash.ListOptions) ([]string, string, error) {
				p, err := s.ListDashboards(ctxT, tn, livedash.DashboardFilter{Viewer: owner.ID}, o)
				return ids(p, err, func(d livedash.Dashboard) string { return d.ID })
			}, false},
			{"metric definitions", func(i int) string {
				return must[livedash.MetricDefinition](t)(s.DefineMetric(ctxT, tn, livedash.MetricDefinition{Code: fmt.Sprintf("m.%c", 'g'-i)})).Code
			}, func(o livedash.ListOptions) ([]string, string, error) {
				p, err := s.ListMetricDefinitions(ctxT, tn, o)
				return ids(p, err, func(d livedash.MetricDefinition) string { return d.Code })
			}, false},
			{"alert rules", func(i int) string {
				return must[livedash.AlertRule](t)(s.CreateAlertRule(ctxT, tn, cpuRule(livedash.Recipients{}))).ID
			}, func(o livedash.ListOptions) ([]string, string, error) {
				p, err := s.ListAlertRules(ctxT, tn, livedash.AlertRuleFilter{}, o)
				return ids(p, err, func(r livedash.AlertRule) string { return r.ID })
			}, false},
			{"alerts", func(i int) string {
				r := must[livedash.AlertRule](t)(s.CreateAlertRule(ctxT, tn, cpuRule(livedash.Recipients{})))
				a, _, err := s.FireAlert(ctxT, tn, r.ID, 100, "")
				ok(t, err)
				return a.ID
			}, func(o livedash.ListOptions) ([]string, string, error) {
				p, err := s.ListAlerts(ctxT, tn, livedash.AlertFilter{}, o)
				return ids(p, err, func(a livedash.Alert) string { return a.ID })
			}, true},
			{"notifications", func(i int) string {
				return must[livedash.Notification](t)(s.CreateNotification(ctxT, tn, livedash.Notification{AuthorID: owner.ID, Title: fmt.Sprint("n", i)})).ID
			}, func(o livedash.ListOptions) ([]string, string, error) {
				p, err := s.ListNotifications(ctxT, tn, owner.ID, livedash.NotificationFilter{}, o)
				return ids(p, err, func(n livedash.Notification) string { return n.ID })
			}, true},
		}
		for _, k := range kinds {
			t.Run(k.name, func(t *testing.T) {
				var want []string
				for i := range n {
					want = append(want, k.create(i))
				}
				slices.Sort(want)
				if k.desc {
					slices.Reverse(want)
				}
				// Pages of 3: 3 + 3 + 1, in order, with no repeats.
				var got []string
				cursor, pages := "", 0
				for {
					page, next, err := k.list(livedash.ListOptions{Limit: 3, Cursor: cursor})
					ok(t, err)
					pages++
					got = append(got, page...)
					if next == "" {
						break
					}
					if pages > n {
						t.Fatal("pagination does not end")
					}
					cursor = next
				}
				if pages != 3 || !slices.Equal(got, want) {
					t.Errorf("%d pages: %v\nwant %v", pages, got, want)
				}
				// The default limit takes all; a limit of exactly n leaves no cursor.
				if all, next, err := k.list(livedash.ListOptions{}); err != nil || !slices.Equal(all, want) || next != "" {
					t.Errorf("default page: %v %q %v", all, next, err)
				}
				if _, next, err := k.list(livedash.ListOptions{Limit: n + 1}); err != nil || next != "" {
					t.Errorf("page of %d: next %q, err %v", n+1, next, err)
				}
				if _, _, err := k.list(livedash.ListOptions{Limit: -1}); livedash.ErrorCode(err) != livedash.EBadRequest {
					t.Errorf("negative limit: %v", err)
				}
				if _, _, err := k.list(livedash.ListOptions{Cursor: "%%% not base64"}); livedash.ErrorCode(err) != livedash.EBadRequest {
					t.Errorf("bad cursor: %v", err)
				}
			})
		}
	})
}

func TestListTenantsPages(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		mine := []string{newTenant(t, s), newTenant(t, s), newTenant(t, s)}
		var got []string
		cursor := ""
		for range 1000 {
			p := must[livedash.Page[livedash.Tenant]](t)(s.ListTenants(ctxT, livedash.ListOptions{Limit: 2, Cursor: cursor}))
			for _, tn := range p.Items {
				got = append(got, tn.ID)
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("tenants not in order or repeated: %v", got)
		}
		for _, id := range mine {
			if !slices.Contains(got, id) {
				t.Errorf("tenant %s missing", id)
			}
		}
	})
}
