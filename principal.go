package livedash

import (
	"slices"
	"time"
)

// Roles known to the system. Tokens may carry other roles; policies decide what they mean.
const (
	RoleAdmin  = "admin"
	RoleEditor = "editor"
	RoleViewer = "viewer"
)

// Principal is an authenticated caller, as proven by a verified token.
type Principal struct {
	UserID    string    `json:"id"`
	Tenant    string    `json:"tenant"`
	Roles     []string  `json:"roles"`
	Projects  []string  `json:"projects,omitempty"`
	ExpiresAt time.Time `json:"-"` // zero means the token does not expire
}

// HasRole reports whether the principal carries role r.
func (p Principal) HasRole(r string) bool { return slices.Contains(p.Roles, r) }

// HasAnyRole reports whether the principal carries at least one of roles.
func (p Principal) HasAnyRole(roles []string) bool {
	for _, r := range roles {
		if p.HasRole(r) {
			return true
		}
	}
	return false
}

// InProject reports whether the principal's projects claim lists id.
func (p Principal) InProject(id string) bool { return slices.Contains(p.Projects, id) }

// SameIdentity reports whether q names the same user in the same tenant (used by token refresh).
func (p Principal) SameIdentity(q Principal) bool {
	return p.UserID == q.UserID && p.Tenant == q.Tenant
}
