package sqlstore

import (
	"slices"
	"testing"

	"livedash"
)

func TestProjects(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		ann, bob := newUser(t, s, tn, "ann"), newUser(t, s, tn, "bob")
		p := must[livedash.Project](t)(s.CreateProject(ctxT, tn, livedash.Project{Name: "Apollo", Description: "moon", Members: []string{bob.ID, ann.ID}}))
		if p.Status != livedash.ProjectActive || p.Tenant != tn || !slices.Equal(p.Members, sortedCopy([]string{ann.ID, bob.ID})) {
			t.Fatalf("created %+v", p)
		}
		got := must[livedash.Project](t)(s.Project(ctxT, tn, p.ID))
		if got.Name != "Apollo" || got.Description != "moon" || !slices.Equal(got.Members, p.Members) || !got.CreatedAt.Equal(p.CreatedAt) {
			t.Errorf("Project = %+v, want %+v", got, p)
		}

		_, err := s.CreateProject(ctxT, tn, livedash.Project{Name: "X", Members: []string{"ghost"}})
		wantCode(t, err, livedash.ENotFound)
		_, err = s.CreateProject(ctxT, tn, livedash.Project{Name: "X", Status: "sleeping"})
		wantCode(t, err, livedash.EBadRequest)
		_, err = s.CreateProject(ctxT, tn, livedash.Project{Name: ""})
		wantCode(t, err, livedash.EBadRequest)
		_, err = s.Project(ctxT, tn, "nope")
		wantCode(t, err, livedash.ENotFound)

		paused := must[livedash.Project](t)(s.CreateProject(ctxT, tn, livedash.Project{Name: "Gemini", Status: livedash.ProjectPaused, Members: []string{ann.ID}}))

		ids := func(pg livedash.Page[livedash.Project]) []string {
			var out []string
			for _, p := range pg.Items {
				out = append(out, p.ID)
			}
			return out
		}
		for _, tt := range []struct {
			name string
			f    livedash.ProjectFilter
			want []string
		}{
			{"all", livedash.ProjectFilter{}, []string{p.ID, paused.ID}},
			{"paused", livedash.ProjectFilter{Status: livedash.ProjectPaused}, []string{paused.ID}},
			{"archived", livedash.ProjectFilter{Status: livedash.ProjectArchived}, nil},
			{"bob's", livedash.ProjectFilter{Member: bob.ID}, []string{p.ID}},
			{"ann's active", livedash.ProjectFilter{Member: ann.ID, Status: livedash.ProjectActive}, []string{p.ID}},
		} {
			got := ids(must[livedash.Page[livedash.Project]](t)(s.ListProjects(ctxT, tn, tt.f, livedash.ListOptions{})))
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: ListProjects = %v, want %v", tt.name, got, tt.want)
			}
		}

		_, err = s.ListProjects(ctxT, tn, livedash.ProjectFilter{Status: "done"}, livedash.ListOptions{})
		wantCode(t, err, livedash.EBadRequest)

		p.Name, p.Status, p.Members = "Apollo 11", livedash.ProjectArchived, []string{bob.ID}
		upd := must[livedash.Project](t)(s.UpdateProject(ctxT, tn, p))
		if upd.Name != "Apollo 11" || upd.Status != livedash.ProjectArchived || !slices.Equal(upd.Members, []string{bob.ID}) {
			t.Errorf("updated %+v", upd)
		}
		_, err = s.UpdateProject(ctxT, tn, livedash.Project{ID: "nope", Name: "x", Version: 1})
		wantCode(t, err, livedash.ENotFound)

		ok(t, s.AddProjectMember(ctxT, tn, p.ID, ann.ID))
		ok(t, s.AddProjectMember(ctxT, tn, p.ID, ann.ID)) // again: no-op
		wantCode(t, s.AddProjectMember(ctxT, tn, p.ID, "ghost"), livedash.ENotFound)
		wantCode(t, s.AddProjectMember(ctxT, tn, "nope", ann.ID), livedash.ENotFound)
		if got := must[[]string](t)(s.UserProjects(ctxT, tn, ann.ID)); !slices.Equal(got, sortedCopy([]string{p.ID, paused.ID})) {
			t.Errorf("UserProjects(ann) = %v", got)
		}
		ok(t, s.RemoveProjectMember(ctxT, tn, p.ID, ann.ID))
		ok(t, s.RemoveProjectMember(ctxT, tn, p.ID, ann.ID))
		if got := must[[]string](t)(s.UserProjects(ctxT, tn, ann.ID)); !slices.Equal(got, []string{paused.ID}) {
			t.Errorf("UserProjects(ann) after remove = %v", got)
		}
		if got := must[[]string](t)(s.UserProjects(ctxT, tn, "ghost")); len(got) != 0 {
			t.Errorf("UserProjects(ghost) = %v", got)
		}

		ok(t, s.DeleteProject(ctxT, tn, p.ID, 0))
		_, err = s.Project(ctxT, tn, p.ID)
		wantCode(t, err, livedash.ENotFound)
		wantCode(t, s.DeleteProject(ctxT, tn, p.ID, 0), livedash.ENotFound)
		if got := must[[]string](t)(s.UserProjects(ctxT, tn, bob.ID)); len(got) != 0 {
			t.Errorf("UserProjects(bob) after delete = %v", got)
		}
	})
}

func TestProjectVersions(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		ann, bob := newUser(t, s, tn, "ann"), newUser(t, s, tn, "bob")
		p := must[livedash.Project](t)(s.CreateProject(ctxT, tn, livedash.Project{Name: "Apollo", Members: []string{ann.ID}}))
		if p.Version != 1 {
			t.Fatalf("created with version %d, want 1", p.Version)
		}
		version := func() int64 { return must[livedash.Project](t)(s.Project(ctxT, tn, p.ID)).Version }

		// Two editors read version 1: the first update wins, the second is a conflict.
		a, b := p, p
		a.Status = livedash.ProjectPaused
		a = must[livedash.Project](t)(s.UpdateProject(ctxT, tn, a))
		if a.Version != 2 || a.Status != livedash.ProjectPaused {
			t.Fatalf("updated %+v, want version 2 and paused", a)
		}
		b.Name = "Artemis"
		_, err := s.UpdateProject(ctxT, tn, b)
		wantConflict(t, err, 2)
		if cur := must[livedash.Project](t)(s.Project(ctxT, tn, p.ID)); cur.Name != "Apollo" || cur.Status != livedash.ProjectPaused || cur.Version != 2 {
			t.Errorf("stale update changed the project: %+v", cur)
		}

		// Members are part of the project: changing them moves the version on, so an update based
		// on the old member list cannot silently drop the new member. A no-op changes nothing.
		ok(t, s.AddProjectMember(ctxT, tn, p.ID, bob.ID))
		if v := version(); v != 3 {
			t.Fatalf("version after adding a member = %d, want 3", v)
		}
		ok(t, s.AddProjectMember(ctxT, tn, p.ID, bob.ID))
		if v := version(); v != 3 {
			t.Errorf("version after adding a member again = %d, want 3", v)
		}
		a.Description = "moon"
		_, err = s.UpdateProject(ctxT, tn, a)
		wantConflict(t, err, 3)
		ok(t, s.RemoveProjectMember(ctxT, tn, p.ID, ann.ID))
		ok(t, s.RemoveProjectMember(ctxT, tn, p.ID, ann.ID))
		if v := version(); v != 4 {
			t.Errorf("version after removing a member (twice) = %d, want 4", v)
		}
		a.Version = 4
		a.Members = []string{bob.ID}
		a = must[livedash.Project](t)(s.UpdateProject(ctxT, tn, a))
		if a.Version != 5 || a.Description != "moon" || !slices.Equal(a.Members, []string{bob.ID}) {
			t.Errorf("updated %+v, want version 5", a)
		}
		if page := must[livedash.Page[livedash.Project]](t)(s.ListProjects(ctxT, tn, livedash.ProjectFilter{}, livedash.ListOptions{})); len(page.Items) != 1 || page.Items[0].Version != 5 {
			t.Errorf("listed %+v, want version 5", page.Items)
		}

		b.Version = 0
		_, err = s.UpdateProject(ctxT, tn, b)
		wantCode(t, err, livedash.EBadRequest)
		b.ID, b.Version = "nope", 1
		_, err = s.UpdateProject(ctxT, tn, b)
		wantCode(t, err, livedash.ENotFound)

		// Deletes: a stale version is a conflict and keeps the project; the current one deletes it.
		wantConflict(t, s.DeleteProject(ctxT, tn, p.ID, 4), 5)
		must[livedash.Project](t)(s.Project(ctxT, tn, p.ID))
		ok(t, s.DeleteProject(ctxT, tn, p.ID, 5))
		wantCode(t, s.DeleteProject(ctxT, tn, p.ID, 5), livedash.ENotFound)
	})
}
