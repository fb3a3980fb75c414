package auth

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"livedash"
)

// fakeDir is an in-memory Directory.
type fakeDir struct {
	projects map[string]string   // project -> tenant
	users    map[string]string   // user -> tenant
	boards   map[string][]string // board -> viewers: user ids, or "tenant:"+tenant
	err      error               // returned by every call when set
}

func (d *fakeDir) ProjectTenant(_ context.Context, id string) (string, bool, error) {
	if d.err != nil {
		return "", false, d.err
	}
	t, ok := d.projects[id]
	return t, ok, nil
}

func (d *fakeDir) UserTenant(_ context.Context, id string) (string, bool, error) {
	if d.err != nil {
		return "", false, d.err
	}
	t, ok := d.users[id]
	return t, ok, nil
}

func (d *fakeDir) CanViewBoard(_ context.Context, p livedash.Principal, id string) (bool, error) {
	if d.err != nil {
		return false, d.err
	}
	v := d.boards[id]
	return slices.Contains(v, p.UserID) || slices.Contains(v, "tenant:"+p.Tenant), nil
}

var (
	testDir = &fakeDir{
		projects: map[string]string{"p1": "acme", "p2": "acme", "p.dotted": "acme", "p9": "globex"},
		users:    map[string]string{"alice": "acme", "bob": "acme", "root": "acme", "mallory": "globex"},
		boards:   map[string][]string{"b1": {"tenant:acme"}, "b2": {"mallory"}, "b3": {"alice"}},
	}
	alice  = livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{livedash.RoleViewer}, Projects: []string{"p1"}}
	editor = livedash.Principal{UserID: "ed", Tenant: "acme", Roles: []string{livedash.RoleEditor}}
	noRole = livedash.Principal{UserID: "nobody", Tenant: "acme"}
	admin  = livedash.Principal{UserID: "root", Tenant: "acme", Roles: []string{livedash.RoleAdmin}}
	eve    = livedash.Principal{UserID: "eve", Tenant: "globex", Roles: []string{livedash.RoleAdmin, livedash.RoleViewer}}
)

func mustPolicy(t *testing.T, kindRoles map[string][]string, dir Directory) *Policy {
	t.Helper()
	p, err := NewPolicy(kindRoles, dir)
	if err != nil {
		t.Fatalf("NewPolicy: %v", err)
	}
	return p
}

// checkErr fails unless err has code wantCode (nil err when wantCode is "") and, for domain errors,
// a message containing wantIn.
func checkErr(t *testing.T, err error, wantCode, wantIn string) {
	t.Helper()
	if got := livedash.ErrorCode(err); got != wantCode {
		t.Fatalf("error = %v (code %q), want code %q", err, got, wantCode)
	}
	if err != nil && wantIn != "" && !strings.Contains(err.Error(), wantIn) {
		t.Errorf("error = %q, want it to mention %q", err, wantIn)
	}
}

func TestResolve(t *testing.T) {
	open := mustPolicy(t, nil, testDir)
	noDir := mustPolicy(t, nil, nil)
	tight := mustPolicy(t, map[string][]string{
		livedash.KindMetrics: {livedash.RoleAdmin, livedash.RoleEditor},
		livedash.KindBoard:   {livedash.RoleAdmin},
		livedash.KindAlerts:  nil, // empty = any role
	}, testDir)
	failing := mustPolicy(t, nil, &fakeDir{err: livedash.Errorf(livedash.EUnavailable, "store down")})

	tests := []struct {
		name     string
		policy   *Policy
		pr       livedash.Principal
		in       string
		want     string // resolved channel when wantCode == ""
		wantCode string
		wantIn   string // substring of the error, e.g. the channel name
	}{
		// Per-user channels.
		{"dashboard short", open, alice, "dashboard", "dashboard.alice", "", ""},
		{"alerts short", open, alice, "alerts", "alerts.alice", "", ""},
		{"notifications short", open, alice, "notifications", "notifications.alice", "", ""},
		{"dashboard own full name", open, alice, "dashboard.alice", "dashboard.alice", "", ""},
		{"alerts own full name", open, alice, "alerts.alice", "alerts.alice", "", ""},
		{"notifications own full name, no role", noDir, noRole, "notifications.nobody", "notifications.nobody", "", ""},
		{"dashboard other user", open, alice, "dashboard.bob", "", livedash.EForbidden, `"dashboard.bob"`},
		{"alerts other user", open, alice, "alerts.bob", "", livedash.EForbidden, `"alerts.bob"`},
		{"notifications other user, even admin", open, admin, "notifications.alice", "", livedash.EForbidden, `"notifications.alice"`},
		{"dashboard other tenant user", open, alice, "dashboard.mallory", "", livedash.EForbidden, `"dashboard.mallory"`},
		{"dashboard scope prefix is not ownership", open, alice, "dashboard.alice2", "", livedash.EForbidden, `"dashboard.alice2"`},

		// Tenant channels.
		{"metrics short", open, alice, "metrics", "metrics.acme", "", ""},
		{"metrics own full name", open, alice, "metrics.acme", "metrics.acme", "", ""},
		{"metrics no role by default", open, noRole, "metrics", "metrics.acme", "", ""},
		{"metrics other tenant", open, alice, "metrics.globex", "", livedash.EForbidden, `"metrics.globex"`},
		{"metrics other tenant, admin", open, admin, "metrics.globex", "", livedash.EForbidden, `"metrics.globex"`},
		{"metrics tightened: viewer refused", tight, alice, "metrics", "", livedash.EForbidden, `"metrics.acme": requires role admin or editor`},
		{"metrics tightened: no role refused", tight, noRole, "metrics.acme", "", livedash.EForbidden, `"metrics.acme"`},
		{"metrics tightened: editor", tight, editor, "metrics", "metrics.acme", "", ""},
		{"metrics tightened: admin", tight, admin, "metrics", "metrics.acme", "", ""},
		{"metrics tightened: other tenant is an ownership refusal", tight, editor, "metrics.globex", "", livedash.EForbidden, "another tenant"},
		{"system short", open, alice, "system", "system.acme", "", ""},
		{"system short, no role", noDir, noRole, "system", "system.acme", "", ""},
		{"system own full name", open, eve, "system.globex", "system.globex", "", ""},
		{"system other tenant", open, eve, "system.acme", "", livedash.EForbidden, `"system.acme"`},
		{"tightened alerts with empty roles stays open", tight, noRole, "alerts", "alerts.nobody", "", ""},

		// Projects.
		{"project member", open, alice, "project:p1", "project.p1", "", ""},
		{"project member without directory", noDir, alice, "project:p1", "project.p1", "", ""},
		{"project member full name", noDir, alice, "project.p1", "project.p1", "", ""},
		{"project missing claim", open, alice, "project:p2", "", livedash.EForbidden, `"project.p2"`},
		{"project missing claim, full name", open, alice, "project.p2", "", livedash.EForbidden, `"project.p2"`},
		{"project admin of the tenant", open, admin, "project:p2", "project.p2", "", ""},
		{"project admin, dotted id", open, admin, "project:p.dotted", "project.p.dotted", "", ""},
		{"project admin of another tenant", open, eve, "project:p2", "", livedash.EForbidden, `"project.p2"`},
		{"project admin, project of other tenant", open, admin, "project:p9", "", livedash.EForbidden, `"project.p9"`},
		{"project admin, unknown project", open, admin, "project:nope", "", livedash.EForbidden, `"project.nope"`},
		{"project admin without directory", noDir, admin, "project:p2", "", livedash.EForbidden, `"project.p2"`},
		{"project admin, directory failing", failing, admin, "project:p2", "", livedash.EUnavailable, "store down"},
		{"project member, directory failing: not consulted", failing, alice, "project:p1", "project.p1", "", ""},
		{"project empty id", open, alice, "project:", "", livedash.EBadRequest, `"project:"`},
		{"project empty full scope", open, alice, "project.", "", livedash.EBadRequest, `"project."`},

		// Boards.
		{"board shared with tenant", open, alice, "board:b1", "board.b1", "", ""},
		{"board owned by user", open, alice, "board:b3", "board.b3", "", ""},
		{"board full name", open, alice, "board.b1", "board.b1", "", ""},
		{"board of another user", open, alice, "board:b2", "", livedash.EForbidden, `"board.b2"`},
		{"board unknown", open, alice, "board:zzz", "", livedash.EForbidden, `"board.zzz"`},
		{"board without directory", noDir, alice, "board:b1", "", livedash.EForbidden, `"board.b1"`},
		{"board without directory, admin", noDir, admin, "board:b1", "", livedash.EForbidden, `"board.b1"`},
		{"board tightened: viewer refused", tight, alice, "board:b1", "", livedash.EForbidden, "requires role admin"},
		{"board tightened: admin", tight, admin, "board:b1", "board.b1", "", ""},
		{"board directory failing", failing, alice, "board:b1", "", livedash.EUnavailable, "store down"},
		{"board empty id", open, alice, "board:", "", livedash.EBadRequest, `"board:"`},

		// Implicit channels.
		{"user own", open, alice, "user.alice", "user.alice", "", ""},
		{"user own, tightened policy", tight, noRole, "user.nobody", "user.nobody", "", ""},
		{"user other", open, alice, "user.bob", "", livedash.EForbidden, `"user.bob"`},
		{"user other, admin", open, admin, "user.alice", "", livedash.EForbidden, `"user.alice"`},
		{"tenant own", open, alice, "tenant.acme", "", livedash.EForbidden, `"tenant.acme"`},
		{"tenant other", open, alice, "tenant.globex", "", livedash.EForbidden, `"tenant.globex"`},
		{"global", open, admin, "global", "", livedash.EForbidden, `"global"`},
		{"global with scope", open, admin, "global.x", "", livedash.EForbidden, `"global.x"`},
		{"user short name is not a channel", open, alice, "user", "", livedash.EForbidden, `"user"`},
		{"tenant short name is not a channel", open, alice, "tenant", "", livedash.EForbidden, `"tenant"`},

		// Anything else.
		{"unknown short name", open, alice, "chat", "", livedash.EForbidden, `"chat"`},
		{"kind without id", open, alice, "project", "", livedash.EForbidden, `"project"`},
		{"unknown kind", open, alice, "chat.alice", "", livedash.EForbidden, `"chat.alice"`},
		{"case matters", open, alice, "Dashboard", "", livedash.EForbidden, `"Dashboard"`},
		{"empty scope of user kind", open, alice, "dashboard.", "", livedash.EBadRequest, `"dashboard."`},

		// Bad names.
		{"empty", open, alice, "", "", livedash.EBadRequest, "empty"},
		{"space", open, alice, "dashboard alice", "", livedash.EBadRequest, "characters outside"},
		{"slash", open, alice, "project:../p1", "", livedash.EBadRequest, "characters outside"},
		{"wildcard", open, alice, "dashboard.*", "", livedash.EBadRequest, "characters outside"},
		{"non-ASCII", open, alice, "dashboard.ålice", "", livedash.EBadRequest, "characters outside"},
		{"NUL", open, alice, "metrics\x00", "", livedash.EBadRequest, "characters outside"},
		{"256 bytes", open, alice, "project:" + strings.Repeat("x", 248), "", livedash.EBadRequest, "longer than 255"},
		{"255 bytes is fine", open, admin, "project:" + strings.Repeat("x", 247), "", livedash.EForbidden, "not a member"},

		// Principals without identity.
		{"zero principal", open, livedash.Principal{}, "dashboard", "", livedash.EUnauthenticated, ""},
		{"principal without tenant", open, livedash.Principal{UserID: "a"}, "metrics", "", livedash.EUnauthenticated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.policy.Resolve(context.Background(), tt.pr, tt.in)
			checkErr(t, err, tt.wantCode, tt.wantIn)
			if got != tt.want {
				t.Errorf("Resolve(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err == nil {
				if verr := ValidChannelName(got); verr != nil {
					t.Errorf("resolved channel %q is not valid: %v", got, verr)
				}
			}
		})
	}
}

func TestResolveDirectoryErrorIsWrapped(t *testing.T) {
	sentinel := errors.New("connection refused")
	p := mustPolicy(t, nil, &fakeDir{err: sentinel})
	for _, name := range []string{"project:p2", "board:b1"} {
		_, err := p.Resolve(context.Background(), admin, name)
		if !errors.Is(err, sentinel) || livedash.ErrorCode(err) != livedash.EInternal {
			t.Errorf("Resolve(%q) error = %v (code %s), want it to wrap the directory error as internal", name, err, livedash.ErrorCode(err))
		}
	}
}

func TestNewPolicy(t *testing.T) {
	tests := []struct {
		name      string
		kindRoles map[string][]string
		wantErr   string
	}{
		{"nil", nil, ""},
		{"every subscribable kind", map[string][]string{
			"dashboard": {"admin"}, "alerts": {"admin"}, "notifications": nil, "metrics": {"editor"},
			"system": {}, "project": {"viewer"}, "board": {"admin", "editor"},
		}, ""},
		{"unknown kind", map[string][]string{"metric": {"admin"}}, `"metric"`},
		{"implicit kind", map[string][]string{"global": {"admin"}}, `"global"`},
		{"implicit user kind", map[string][]string{"user": {"admin"}}, `"user"`},
		{"empty role name", map[string][]string{"metrics": {"admin", ""}}, `"metrics"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPolicy(tt.kindRoles, nil)
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("NewPolicy = %v, %v", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewPolicy error = %v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestNewPolicyCopiesRoles(t *testing.T) {
	roles := []string{livedash.RoleAdmin}
	p := mustPolicy(t, map[string][]string{livedash.KindMetrics: roles}, nil)
	roles[0] = livedash.RoleViewer
	if _, err := p.Resolve(context.Background(), alice, "metrics"); livedash.ErrorCode(err) != livedash.EForbidden {
		t.Fatalf("Resolve after the caller changed its roles slice: %v, want forbidden", err)
	}
}

func TestImplicit(t *testing.T) {
	p := mustPolicy(t, nil, nil)
	tests := []struct {
		pr   livedash.Principal
		want []string
	}{
		{alice, []string{"user.alice", "tenant.acme", "global"}},
		{eve, []string{"user.eve", "tenant.globex", "global"}},
		{livedash.Principal{}, []string{"global"}},
	}
	for _, tt := range tests {
		if got := p.Implicit(tt.pr); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Implicit(%+v) = %v, want %v", tt.pr, got, tt.want)
		}
	}
}

func TestAuthorizePublish(t *testing.T) {
	withDir := mustPolicy(t, nil, testDir)
	noDir := mustPolicy(t, nil, nil)
	failing := mustPolicy(t, nil, &fakeDir{err: livedash.Errorf(livedash.EUnavailable, "store down")})
	adminOfUsers := livedash.Principal{UserID: "alice", Tenant: "acme", Roles: []string{livedash.RoleAdmin}}

	tests := []struct {
		name     string
		policy   *Policy
		pr       livedash.Principal
		channel  string
		wantCode string
		wantIn   string
	}{
		{"non-admin", withDir, alice, "metrics.acme", livedash.EForbidden, "requires role admin"},
		{"editor", withDir, editor, "system.acme", livedash.EForbidden, "requires role admin"},
		{"metrics own tenant", noDir, admin, "metrics.acme", "", ""},
		{"system own tenant", noDir, admin, "system.acme", "", ""},
		{"tenant own tenant", noDir, admin, "tenant.acme", "", ""},
		{"metrics other tenant", withDir, admin, "metrics.globex", livedash.EForbidden, `"metrics.globex"`},
		{"tenant other tenant", withDir, admin, "tenant.globex", livedash.EForbidden, `"tenant.globex"`},
		{"user channel of tenant user", withDir, admin, "user.bob", "", ""},
		{"dashboard of tenant user", withDir, admin, "dashboard.alice", "", ""},
		{"alerts of tenant user", withDir, admin, "alerts.bob", "", ""},
		{"notifications of tenant user", withDir, admin, "notifications.alice", "", ""},
		{"user of other tenant", withDir, admin, "user.mallory", livedash.EForbidden, `"user.mallory"`},
		{"notifications of unknown user", withDir, admin, "notifications.ghost", livedash.EForbidden, `"notifications.ghost"`},
		{"own user channel without directory", noDir, adminOfUsers, "user.alice", "", ""},
		{"own alerts without directory", noDir, adminOfUsers, "alerts.alice", "", ""},
		{"other user without directory", noDir, admin, "user.bob", livedash.EForbidden, `"user.bob"`},
		{"user lookup failing", failing, admin, "dashboard.bob", livedash.EUnavailable, "store down"},
		{"project of tenant", withDir, admin, "project.p2", "", ""},
		{"project of other tenant", withDir, admin, "project.p9", livedash.EForbidden, `"project.p9"`},
		{"project of other tenant, other admin", withDir, eve, "project.p1", livedash.EForbidden, `"project.p1"`},
		{"unknown project", withDir, admin, "project.nope", livedash.EForbidden, `"project.nope"`},
		{"project without directory", noDir, admin, "project.p2", livedash.EForbidden, `"project.p2"`},
		{"project lookup failing", failing, admin, "project.p2", livedash.EUnavailable, "store down"},
		{"board the admin can view", withDir, admin, "board.b1", "", ""},
		{"board of another tenant", withDir, admin, "board.b2", livedash.EForbidden, `"board.b2"`},
		{"board without directory", noDir, admin, "board.b1", livedash.EForbidden, `"board.b1"`},
		{"global never", withDir, admin, "global", livedash.EForbidden, `"global"`},
		{"short names are not channels", withDir, admin, "metrics", livedash.EBadRequest, `"metrics"`},
		{"project short name", withDir, admin, "project:p2", livedash.EBadRequest, `"project:p2"`},
		{"unknown kind", withDir, admin, "chat.acme", livedash.EBadRequest, `"chat"`},
		{"empty scope", withDir, admin, "metrics.", livedash.EBadRequest, `"metrics."`},
		{"bad characters", withDir, admin, "metrics.acme/x", livedash.EBadRequest, "characters outside"},
		{"empty", withDir, admin, "", livedash.EBadRequest, "empty"},
		{"zero principal", withDir, livedash.Principal{}, "metrics.acme", livedash.EUnauthenticated, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.AuthorizePublish(context.Background(), tt.pr, tt.channel)
			checkErr(t, err, tt.wantCode, tt.wantIn)
		})
	}
}

func TestValidChannelName(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"global", true},
		{"user.alice", true},
		{"tenant.acme", true},
		{"dashboard.a-b_c@d:e.f", true},
		{"alerts.x", true},
		{"notifications.x", true},
		{"metrics.acme", true},
		{"system.acme", true},
		{"project.p1", true},
		{"board.b1", true},
		{"board." + strings.Repeat("b", 249), true},
		{"board." + strings.Repeat("b", 250), false},
		{"", false},
		{"global.x", false},
		{"metrics", false},
		{"metrics.", false},
		{"project:p1", false},
		{"chat.x", false},
		{".x", false},
		{"Metrics.acme", false},
		{"metrics.ac me", false},
		{"metrics.acme\n", false},
	}
	for _, tt := range tests {
		err := ValidChannelName(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ValidChannelName(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
		if err != nil && livedash.ErrorCode(err) != livedash.EBadRequest {
			t.Errorf("ValidChannelName(%q) code = %s, want %s", tt.in, livedash.ErrorCode(err), livedash.EBadRequest)
		}
	}
}
