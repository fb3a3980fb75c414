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
		_, err = s.UpdateProject(ctxT, tn, livedash.Project{ID: "nope", Name: "x"})
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

		ok(t, s.DeleteProject(ctxT, tn, p.ID))
		_, err = s.Project(ctxT, tn, p.ID)
		wantCode(t, err, livedash.ENotFound)
		wantCode(t, s.DeleteProject(ctxT, tn, p.ID), livedash.ENotFound)
		if got := must[[]string](t)(s.UserProjects(ctxT, tn, bob.ID)); len(got) != 0 {
			t.Errorf("UserProjects(bob) after delete = %v", got)
		}
	})
}
