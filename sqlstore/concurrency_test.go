package sqlstore

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"livedash"
)

// TestConcurrentDashboardEdits: many editors save the same version at once; exactly one wins and
// every other one is told the current version.
func TestConcurrentDashboardEdits(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		d := must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, tn, livedash.Dashboard{OwnerID: "u", Name: "race", Widgets: []livedash.Widget{timeseries("w", 0)}}))
		const editors = 8
		var wg sync.WaitGroup
		errs := make([]error, editors)
		werrs := make([]error, editors)
		for i := range editors {
			wg.Go(func() {
				e := d
				e.Name = fmt.Sprint("editor ", i)
				_, errs[i] = s.UpdateDashboard(ctxT, tn, e)
				w := d.Widgets[0]
				w.Title = fmt.Sprint("editor ", i)
				_, werrs[i] = s.UpdateWidget(ctxT, tn, w)
			})
		}
		wg.Wait()
		for name, es := range map[string][]error{"dashboard": errs, "widget": werrs} {
			wins := 0
			for _, err := range es {
				if err == nil {
					wins++
					continue
				}
				if vc, ok := errors.AsType[*livedash.VersionConflict](err); !ok || vc.Current != 2 {
					t.Errorf("%s: loser got %v, want a conflict at version 2", name, err)
				}
			}
			if wins != 1 {
				t.Errorf("%s: %d editors won, want 1", name, wins)
			}
		}
		if cur := must[livedash.Dashboard](t)(s.Dashboard(ctxT, tn, d.ID)); cur.Version != 2 || cur.Widgets[0].Version != 2 {
			t.Errorf("after the race: dashboard v%d, widget v%d", cur.Version, cur.Widgets[0].Version)
		}
	})
}

// TestConcurrentRuleAndProjectEdits: as TestConcurrentDashboardEdits, for alert rules (with a
// recipient user, whose check reads before the update) and projects (with members).
func TestConcurrentRuleAndProjectEdits(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		u := newUser(t, s, tn, "ops", livedash.RoleEditor)
		r := must[livedash.AlertRule](t)(s.CreateAlertRule(ctxT, tn, cpuRule(livedash.Recipients{Users: []string{u.ID}})))
		p := must[livedash.Project](t)(s.CreateProject(ctxT, tn, livedash.Project{Name: "race", Members: []string{u.ID}}))
		const editors = 8
		var wg sync.WaitGroup
		rerrs := make([]error, editors)
		perrs := make([]error, editors)
		for i := range editors {
			wg.Go(func() {
				e := r
				e.Name = fmt.Sprint("editor ", i)
				_, rerrs[i] = s.UpdateAlertRule(ctxT, tn, e)
				q := p
				q.Name = fmt.Sprint("editor ", i)
				_, perrs[i] = s.UpdateProject(ctxT, tn, q)
			})
		}
		wg.Wait()
		for name, es := range map[string][]error{"alert rule": rerrs, "project": perrs} {
			wins := 0
			for _, err := range es {
				if err == nil {
					wins++
					continue
				}
				if vc, ok := errors.AsType[*livedash.VersionConflict](err); !ok || vc.Current != 2 {
					t.Errorf("%s: loser got %v, want a conflict at version 2", name, err)
				}
			}
			if wins != 1 {
				t.Errorf("%s: %d editors won, want 1", name, wins)
			}
		}
		if cur := must[livedash.AlertRule](t)(s.AlertRule(ctxT, tn, r.ID)); cur.Version != 2 {
			t.Errorf("after the race: rule v%d", cur.Version)
		}
		if cur := must[livedash.Project](t)(s.Project(ctxT, tn, p.ID)); cur.Version != 2 || len(cur.Members) != 1 {
			t.Errorf("after the race: project %+v", cur)
		}
	})
}

// TestConcurrentFire: evaluators firing one rule together open one alert.
func TestConcurrentFire(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		r := must[livedash.AlertRule](t)(s.CreateAlertRule(ctxT, tn, cpuRule(livedash.Recipients{})))
		const n = 8
		var wg sync.WaitGroup
		ids := make([]string, n)
		created := make([]bool, n)
		for i := range n {
			wg.Go(func() {
				a, c, err := s.FireAlert(ctxT, tn, r.ID, float64(90+i), "")
				if err != nil {
					t.Error(err)
				}
				ids[i], created[i] = a.ID, c
			})
		}
		wg.Wait()
		count := 0
		for i := range n {
			if created[i] {
				count++
			}
			if ids[i] != ids[0] {
				t.Errorf("firing %d got alert %s, firing 0 got %s", i, ids[i], ids[0])
			}
		}
		if count != 1 {
			t.Errorf("%d alerts created, want 1", count)
		}
	})
}

// TestConcurrentWrites: writers and readers at once; every point lands.
func TestConcurrentWrites(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		const writers, batches, per = 4, 10, 50
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for b := range batches {
					pts := make([]livedash.MetricPoint, per)
					for i := range pts {
						pts[i] = livedash.MetricPoint{Code: "load", Time: t0.Add(time.Duration(b*per+i) * time.Second), Value: 1,
							Labels: map[string]string{"writer": fmt.Sprint(w)}}
					}
					if err := s.WritePoints(ctxT, tn, pts); err != nil {
						t.Error(err)
						return
					}
				}
			})
			wg.Go(func() {
				for range batches {
					if _, err := s.QuerySeries(ctxT, tn, livedash.SeriesQuery{Code: "load", Labels: map[string]string{"writer": fmt.Sprint(w)},
						From: t0, To: t0.Add(time.Hour), Agg: livedash.AggSum}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		for w := range writers {
			got := must[[]livedash.SeriesPoint](t)(s.QuerySeries(ctxT, tn, livedash.SeriesQuery{Code: "load", Labels: map[string]string{"writer": fmt.Sprint(w)},
				From: t0, To: t0.Add(time.Hour), Step: time.Hour, Agg: livedash.AggCount}))
			if len(got) != 1 || got[0].Value != batches*per {
				t.Errorf("writer %d: %v, want %d points", w, got, batches*per)
			}
		}
	})
}
