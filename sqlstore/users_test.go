package sqlstore

import (
	"slices"
	"testing"

	"livedash"
)

func TestTenants(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		id := "acme-" + randomHex(4)
		tn := must[livedash.Tenant](t)(s.CreateTenant(ctxT, livedash.Tenant{ID: id, Name: "Acme"}))
		if tn.ID != id || tn.Name != "Acme" || tn.CreatedAt.IsZero() {
			t.Fatalf("created %+v", tn)
		}
		_, err := s.CreateTenant(ctxT, livedash.Tenant{ID: id, Name: "Again"})
		wantCode(t, err, livedash.EConflict)
		_, err = s.CreateTenant(ctxT, livedash.Tenant{ID: "bad id!", Name: "x"})
		wantCode(t, err, livedash.EBadRequest)
		_, err = s.CreateTenant(ctxT, livedash.Tenant{Name: " "})
		wantCode(t, err, livedash.EBadRequest)

		gen := must[livedash.Tenant](t)(s.CreateTenant(ctxT, livedash.Tenant{Name: "Generated"}))
		if len(gen.ID) != 26 {
			t.Errorf("generated id %q", gen.ID)
		}
		got := must[livedash.Tenant](t)(s.Tenant(ctxT, id))
		if got != tn {
			t.Errorf("Tenant = %+v, want %+v", got, tn)
		}
		upd := must[livedash.Tenant](t)(s.UpdateTenant(ctxT, livedash.Tenant{ID: id, Name: "Acme Corp"}))
		if upd.Name != "Acme Corp" {
			t.Errorf("updated name %q", upd.Name)
		}
		// An update that changes nothing still finds the row (MySQL counts matched rows here).
		must[livedash.Tenant](t)(s.UpdateTenant(ctxT, livedash.Tenant{ID: id, Name: "Acme Corp"}))
		_, err = s.UpdateTenant(ctxT, livedash.Tenant{ID: "nope-" + randomHex(4), Name: "x"})
		wantCode(t, err, livedash.ENotFound)

		all := must[livedash.Page[livedash.Tenant]](t)(s.ListTenants(ctxT, livedash.ListOptions{Limit: livedash.MaxLimit}))
		if !slices.ContainsFunc(all.Items, func(x livedash.Tenant) bool { return x.ID == id }) {
			t.Errorf("ListTenants misses %s", id)
		}
		ok(t, s.DeleteTenant(ctxT, id))
		_, err = s.Tenant(ctxT, id)
		wantCode(t, err, livedash.ENotFound)
		wantCode(t, s.DeleteTenant(ctxT, id), livedash.ENotFound)
	})
}

func TestUsers(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		u := must[livedash.User](t)(s.CreateUser(ctxT, tn, livedash.User{Email: " Ada@Example.com ", DisplayName: "Ada", Roles: []string{livedash.RoleAdmin}}, "correct horse"))
		if u.ID == "" || u.Tenant != tn || u.Email != "ada@example.com" || u.PasswordHash == "" || u.PasswordHash == "correct horse" {
			t.Fatalf("created %+v", u)
		}
		_, err := s.CreateUser(ctxT, tn, livedash.User{Email: "ADA@example.com", DisplayName: "Other", Roles: []string{livedash.RoleViewer}}, "password1")
		wantCode(t, err, livedash.EConflict)
		_, err = s.CreateUser(ctxT, "no-such-tenant", livedash.User{Email: "x@example.com", DisplayName: "X", Roles: []string{livedash.RoleViewer}}, "password1")
		wantCode(t, err, livedash.ENotFound)

		for _, tt := range []struct {
			name     string
			u        livedash.User
			password string
		}{
			{"bad email", livedash.User{Email: "nope", DisplayName: "X", Roles: []string{"viewer"}}, "password1"},
			{"no name", livedash.User{Email: "a@b.c", Roles: []string{"viewer"}}, "password1"},
			{"no roles", livedash.User{Email: "a@b.c", DisplayName: "X"}, "password1"},
			{"unknown role", livedash.User{Email: "a@b.c", DisplayName: "X", Roles: []string{"root"}}, "password1"},
			{"short password", livedash.User{Email: "a@b.c", DisplayName: "X", Roles: []string{"viewer"}}, "short"},
		} {
			_, err := s.CreateUser(ctxT, tn, tt.u, tt.password)
			if livedash.ErrorCode(err) != livedash.EBadRequest {
				t.Errorf("%s: error %v, want bad_request", tt.name, err)
			}
		}

		got := must[livedash.User](t)(s.User(ctxT, tn, u.ID))
		if got.Email != u.Email || !slices.Equal(got.Roles, u.Roles) || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Errorf("User = %+v, want %+v", got, u)
		}
		got = must[livedash.User](t)(s.UserByEmail(ctxT, tn, "ADA@example.com"))
		if got.ID != u.ID {
			t.Errorf("UserByEmail = %+v", got)
		}
		_, err = s.User(ctxT, tn, "nope")
		wantCode(t, err, livedash.ENotFound)
		_, err = s.UserByEmail(ctxT, tn, "nobody@example.com")
		wantCode(t, err, livedash.ENotFound)

		u.DisplayName, u.Roles = "Ada L.", []string{livedash.RoleEditor, livedash.RoleViewer}
		upd := must[livedash.User](t)(s.UpdateUser(ctxT, tn, u))
		if upd.DisplayName != "Ada L." || !slices.Equal(upd.Roles, u.Roles) {
			t.Errorf("updated %+v", upd)
		}
		other := newUser(t, s, tn, "bob")
		other.Email = "ada@example.com"
		_, err = s.UpdateUser(ctxT, tn, other)
		wantCode(t, err, livedash.EConflict)
		_, err = s.UpdateUser(ctxT, tn, livedash.User{ID: "nope", Email: "n@example.com", DisplayName: "N", Roles: []string{"viewer"}})
		wantCode(t, err, livedash.ENotFound)

		// Passwords.
		got = must[livedash.User](t)(s.Authenticate(ctxT, tn, "ada@example.com", "correct horse"))
		if got.ID != u.ID {
			t.Errorf("Authenticate = %+v", got)
		}
		_, err = s.Authenticate(ctxT, tn, "ada@example.com", "wrong horse")
		wantCode(t, err, livedash.EUnauthenticated)
		_, err = s.Authenticate(ctxT, tn, "nobody@example.com", "correct horse")
		wantCode(t, err, livedash.EUnauthenticated)
		ok(t, s.SetPassword(ctxT, tn, u.ID, "battery staple"))
		_, err = s.Authenticate(ctxT, tn, "ada@example.com", "correct horse")
		wantCode(t, err, livedash.EUnauthenticated)
		must[livedash.User](t)(s.Authenticate(ctxT, tn, "Ada@example.com", "battery staple"))
		wantCode(t, s.SetPassword(ctxT, tn, "nope", "battery staple"), livedash.ENotFound)
		wantCode(t, s.SetPassword(ctxT, tn, u.ID, "x"), livedash.EBadRequest)

		// Without a tenant: found when the email is in one tenant only (with that password).
		email := "solo-" + randomHex(4) + "@example.com"
		solo := must[livedash.User](t)(s.CreateUser(ctxT, tn, livedash.User{Email: email, DisplayName: "Solo", Roles: []string{"viewer"}}, "password1"))
		got = must[livedash.User](t)(s.Authenticate(ctxT, "", email, "password1"))
		if got.ID != solo.ID {
			t.Errorf("Authenticate without tenant = %+v", got)
		}
		tn2 := newTenant(t, s)
		must[livedash.User](t)(s.CreateUser(ctxT, tn2, livedash.User{Email: email, DisplayName: "Solo 2", Roles: []string{"viewer"}}, "password2"))
		got = must[livedash.User](t)(s.Authenticate(ctxT, "", email, "password2"))
		if got.Tenant != tn2 {
			t.Errorf("Authenticate picked tenant %s, want %s", got.Tenant, tn2)
		}
		ok(t, s.SetPassword(ctxT, tn2, got.ID, "password1"))
		_, err = s.Authenticate(ctxT, "", email, "password1")
		wantCode(t, err, livedash.EBadRequest)

		// Delete.
		ok(t, s.DeleteUser(ctxT, tn, other.ID))
		_, err = s.User(ctxT, tn, other.ID)
		wantCode(t, err, livedash.ENotFound)
		wantCode(t, s.DeleteUser(ctxT, tn, other.ID), livedash.ENotFound)
	})
}

func TestDeleteUserCleansUp(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		u := newUser(t, s, tn, "leaver")
		p := must[livedash.Project](t)(s.CreateProject(ctxT, tn, livedash.Project{Name: "P", Members: []string{u.ID}}))
		private := must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, tn, livedash.Dashboard{Name: "mine", OwnerID: u.ID}))
		shared := must[livedash.Dashboard](t)(s.CreateDashboard(ctxT, tn, livedash.Dashboard{Name: "ours", OwnerID: u.ID, Visibility: livedash.VisibilityShared}))
		n := must[livedash.Notification](t)(s.CreateNotification(ctxT, tn, livedash.Notification{AuthorID: "admin", Title: "hi"}))
		must[livedash.Notification](t)(s.MarkNotificationRead(ctxT, tn, u.ID, n.ID))

		ok(t, s.DeleteUser(ctxT, tn, u.ID))
		if p = must[livedash.Project](t)(s.Project(ctxT, tn, p.ID)); len(p.Members) != 0 {
			t.Errorf("members after delete: %v", p.Members)
		}
		_, err := s.Dashboard(ctxT, tn, private.ID)
		wantCode(t, err, livedash.ENotFound)
		must[livedash.Dashboard](t)(s.Dashboard(ctxT, tn, shared.ID))
		if got := must[livedash.Notification](t)(s.Notification(ctxT, tn, u.ID, n.ID)); got.Read {
			t.Error("read mark of a deleted user kept")
		}
	})
}
