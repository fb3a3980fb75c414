package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"livedash"
)

// MaxChannelLen is the longest channel name accepted, in bytes.
const MaxChannelLen = 255

// Short-name prefixes of parameterised channels.
const (
	prefixProject = livedash.KindProject + ":"
	prefixBoard   = livedash.KindBoard + ":"
)

// Directory answers the questions the token alone cannot. The store implements it.
type Directory interface {
	// ProjectTenant returns the tenant owning projectID; ok is false for an unknown project.
	ProjectTenant(ctx context.Context, projectID string) (tenant string, ok bool, err error)
	// UserTenant returns the tenant of userID; ok is false for an unknown user.
	UserTenant(ctx context.Context, userID string) (tenant string, ok bool, err error)
	// CanViewBoard reports whether p may see dashboard dashboardID (shared with p's tenant or owned
	// by p).
	CanViewBoard(ctx context.Context, p livedash.Principal, dashboardID string) (bool, error)
}

// ValidChannel is ValidChannelName as a method, so the policy satisfies the hub's interface.
func (p *Policy) ValidChannel(s string) error { return ValidChannelName(s) }

// subscribable are the kinds a client may subscribe to; role rules may be configured for them.
var subscribable = []string{
	livedash.KindDashboard, livedash.KindAlerts, livedash.KindNotifications,
	livedash.KindMetrics, livedash.KindSystem, livedash.KindProject, livedash.KindBoard,
}

// implicitKinds are subscribed by the server for every connection.
var implicitKinds = []string{livedash.KindUser, livedash.KindTenant, livedash.KindGlobal}

func knownKind(kind string) bool {
	return slices.Contains(subscribable, kind) || slices.Contains(implicitKinds, kind)
}

// Policy decides which channels a principal may subscribe and publish to. It is safe for
// concurrent use.
type Policy struct {
	kindRoles map[string][]string
	dir       Directory
}

// NewPolicy returns a policy. kindRoles maps a subscribable kind to the roles allowed to subscribe
// to it (missing or empty: any role, including none); it is applied after the ownership check. An
// unknown or implicit kind, or an empty role name, is an error. dir may be nil: board channels are
// then refused and tenant admins get no access to projects they are not members of.
func NewPolicy(kindRoles map[string][]string, dir Directory) (*Policy, error) {
	p := &Policy{kindRoles: make(map[string][]string, len(kindRoles)), dir: dir}
	for kind, roles := range kindRoles {
		switch {
		case slices.Contains(implicitKinds, kind):
			return nil, fmt.Errorf("auth: channel kind %q is subscribed implicitly and takes no role rule", kind)
		case !slices.Contains(subscribable, kind):
			return nil, fmt.Errorf("auth: unknown channel kind %q in role rules (known: %s)", kind, strings.Join(subscribable, ", "))
		}
		if slices.Contains(roles, "") {
			return nil, fmt.Errorf("auth: empty role name in role rules for channel kind %q", kind)
		}
		if len(roles) > 0 {
			p.kindRoles[kind] = slices.Clone(roles)
		}
	}
	return p, nil
}

// validChars reports whether s is made only of [A-Za-z0-9_:.@-].
func validChars(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_', c == ':', c == '.', c == '@', c == '-':
		default:
			return false
		}
	}
	return true
}

// checkSyntax checks what every name a client sends must satisfy: non-empty, at most MaxChannelLen
// bytes, made of [A-Za-z0-9_:.@-].
func checkSyntax(s string) error {
	switch {
	case s == "":
		return livedash.Errorf(livedash.EBadRequest, "channel name is empty")
	case len(s) > MaxChannelLen:
		return livedash.Errorf(livedash.EBadRequest, "channel name is longer than %d bytes", MaxChannelLen)
	case !validChars(s):
		return livedash.Errorf(livedash.EBadRequest, "channel name %q has characters outside [A-Za-z0-9_:.@-]", s)
	}
	return nil
}

// ValidChannelName checks that s is a well-formed full channel name of a known kind: "global", or
// "kind.scope" with a non-empty scope. It checks syntax only (API-key publishes); errors are
// *livedash.Error with code EBadRequest.
func ValidChannelName(s string) error {
	if err := checkSyntax(s); err != nil {
		return err
	}
	kind, scope := livedash.SplitChannel(s)
	switch {
	case !knownKind(kind):
		return livedash.Errorf(livedash.EBadRequest, "channel %q has unknown kind %q", s, kind)
	case kind == livedash.KindGlobal:
		if s != livedash.ChannelGlobal {
			return livedash.Errorf(livedash.EBadRequest, "channel %q: the global channel has no scope", s)
		}
	case scope == "":
		return livedash.Errorf(livedash.EBadRequest, "channel %q has an empty scope", s)
	}
	return nil
}

func forbidden(channel, format string, args ...any) *livedash.Error {
	return livedash.Errorf(livedash.EForbidden, "channel %q: %s", channel, fmt.Sprintf(format, args...))
}

func checkPrincipal(pr livedash.Principal) error {
	if pr.UserID == "" || pr.Tenant == "" {
		return livedash.Errorf(livedash.EUnauthenticated, "not authenticated")
	}
	return nil
}

// Resolve maps the name a client subscribes with to a channel the principal may receive, or fails.
// Short names resolve from the principal's claims ("dashboard" → "dashboard.{sub}", "metrics" →
// "metrics.{tenant}", "project:{id}" → "project.{id}", ...); full names are accepted when they are
// the client's own. Bad names give EBadRequest, anything not permitted EForbidden; errors of the
// Directory are returned wrapped.
func (p *Policy) Resolve(ctx context.Context, pr livedash.Principal, name string) (string, error) {
	if err := checkSyntax(name); err != nil {
		return "", err
	}
	if err := checkPrincipal(pr); err != nil {
		return "", err
	}
	channel, err := p.expand(pr, name)
	if err != nil {
		return "", err
	}
	kind, scope := livedash.SplitChannel(channel)
	if err := p.owns(ctx, pr, channel, kind, scope); err != nil {
		return "", err
	}
	if roles := p.kindRoles[kind]; len(roles) > 0 && !pr.HasAnyRole(roles) {
		return "", forbidden(channel, "requires role %s", strings.Join(roles, " or "))
	}
	return channel, nil
}

// expand turns a short name into its channel; a full name is returned as it is.
func (p *Policy) expand(pr livedash.Principal, name string) (string, error) {
	for _, prefix := range []string{prefixProject, prefixBoard} {
		if id, ok := strings.CutPrefix(name, prefix); ok {
			if id == "" {
				return "", livedash.Errorf(livedash.EBadRequest, "channel %q has an empty id", name)
			}
			return strings.TrimSuffix(prefix, ":") + "." + id, nil
		}
	}
	switch name {
	case livedash.KindDashboard, livedash.KindAlerts, livedash.KindNotifications:
		return name + "." + pr.UserID, nil
	case livedash.KindMetrics, livedash.KindSystem:
		return name + "." + pr.Tenant, nil
	case livedash.ChannelGlobal:
		return name, nil
	}
	kind, scope, dotted := strings.Cut(name, ".")
	if !dotted {
		return "", forbidden(name, "no such channel")
	}
	if knownKind(kind) && scope == "" {
		return "", livedash.Errorf(livedash.EBadRequest, "channel %q has an empty scope", name)
	}
	return name, nil
}

// owns checks that channel belongs to pr, before role rules.
func (p *Policy) owns(ctx context.Context, pr livedash.Principal, channel, kind, scope string) error {
	switch kind {
	case livedash.KindDashboard, livedash.KindAlerts, livedash.KindNotifications:
		if scope != pr.UserID {
			return forbidden(channel, "belongs to another user")
		}
	case livedash.KindMetrics, livedash.KindSystem:
		if scope != pr.Tenant {
			return forbidden(channel, "belongs to another tenant")
		}
	case livedash.KindProject:
		if pr.InProject(scope) {
			return nil
		}
		if !pr.HasRole(livedash.RoleAdmin) || p.dir == nil {
			return forbidden(channel, "not a member of the project")
		}
		ok, err := p.projectInTenant(ctx, scope, pr.Tenant)
		if err != nil {
			return err
		}
		if !ok {
			return forbidden(channel, "not a member of the project")
		}
	case livedash.KindBoard:
		return p.checkBoard(ctx, pr, channel, scope)
	case livedash.KindUser:
		if scope != pr.UserID {
			return forbidden(channel, "belongs to another user")
		}
	case livedash.KindTenant, livedash.KindGlobal:
		return forbidden(channel, "subscribed implicitly by the server")
	default:
		return forbidden(channel, "no such channel")
	}
	return nil
}

func (p *Policy) projectInTenant(ctx context.Context, projectID, tenant string) (bool, error) {
	t, ok, err := p.dir.ProjectTenant(ctx, projectID)
	if err != nil {
		return false, fmt.Errorf("auth: looking up tenant of project %q: %w", projectID, err)
	}
	return ok && t == tenant, nil
}

// Implicit returns the channels the server subscribes every connection of pr to: user.{sub},
// tenant.{tenant} and global.
func (p *Policy) Implicit(pr livedash.Principal) []string {
	chans := make([]string, 0, 3)
	if pr.UserID != "" {
		chans = append(chans, livedash.UserChannel(pr.UserID))
	}
	if pr.Tenant != "" {
		chans = append(chans, livedash.TenantChannel(pr.Tenant))
	}
	return append(chans, livedash.ChannelGlobal)
}

// AuthorizePublish decides whether pr, authenticated by a JWT, may publish to channel (a full
// name) through the HTTP API. Only admins may, and only inside their own tenant: metrics, system and
// tenant channels of their tenant; per-user channels of users the Directory places in their tenant
// (without a Directory, their own only); projects the Directory places in their tenant; boards the
// Directory lets them view. The global channel is reserved to API keys.
func (p *Policy) AuthorizePublish(ctx context.Context, pr livedash.Principal, channel string) error {
	if err := ValidChannelName(channel); err != nil {
		return err
	}
	if err := checkPrincipal(pr); err != nil {
		return err
	}
	if !pr.HasRole(livedash.RoleAdmin) {
		return livedash.Errorf(livedash.EForbidden, "publishing to channel %q requires role %s", channel, livedash.RoleAdmin)
	}
	kind, scope := livedash.SplitChannel(channel)
	switch kind {
	case livedash.KindMetrics, livedash.KindSystem, livedash.KindTenant:
		if scope != pr.Tenant {
			return forbidden(channel, "belongs to another tenant")
		}
	case livedash.KindDashboard, livedash.KindAlerts, livedash.KindNotifications, livedash.KindUser:
		if scope == pr.UserID {
			return nil
		}
		if p.dir == nil {
			return forbidden(channel, "user is not known to be in your tenant")
		}
		t, ok, err := p.dir.UserTenant(ctx, scope)
		if err != nil {
			return fmt.Errorf("auth: looking up tenant of user %q: %w", scope, err)
		}
		if !ok || t != pr.Tenant {
			return forbidden(channel, "user is not in your tenant")
		}
	case livedash.KindProject:
		if p.dir == nil {
			return forbidden(channel, "project is not known to be in your tenant")
		}
		ok, err := p.projectInTenant(ctx, scope, pr.Tenant)
		if err != nil {
			return err
		}
		if !ok {
			return forbidden(channel, "project is not in your tenant")
		}
	case livedash.KindBoard:
		return p.checkBoard(ctx, pr, channel, scope)
	case livedash.KindGlobal:
		return forbidden(channel, "publishing requires an API key")
	default: // unreachable: ValidChannelName refuses unknown kinds
		return forbidden(channel, "no such channel")
	}
	return nil
}

// checkBoard allows board.{id} to those who may view dashboard id (the store decides).
func (p *Policy) checkBoard(ctx context.Context, pr livedash.Principal, channel, id string) error {
	if p.dir == nil {
		return forbidden(channel, "dashboards cannot be checked")
	}
	ok, err := p.dir.CanViewBoard(ctx, pr, id)
	if err != nil {
		return fmt.Errorf("auth: checking access to dashboard %q: %w", id, err)
	}
	if !ok {
		return forbidden(channel, "dashboard is not shared with you")
	}
	return nil
}
