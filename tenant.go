package livedash

import (
	"context"
	"time"
)

// Tenant is an isolated organisation; every other record belongs to exactly one. Tenants are
// created by the server operator.
type Tenant struct {
	// ID is a short slug ([A-Za-z0-9_-], at most 64 characters) chosen by the operator, or a
	// generated id when left empty. It appears in tokens and channel names (metrics.{tenant}).
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxTenantIDLen is the longest tenant id.
const MaxTenantIDLen = 64

// ValidTenantID reports whether id can name a tenant.
func ValidTenantID(id string) bool { return isIdent(id, MaxTenantIDLen, "_-") }

// Validate checks the fields a caller sets: a valid ID when one is given, a name.
func (t Tenant) Validate() error {
	if t.ID != "" && !ValidTenantID(t.ID) {
		return invalid("id", "must be 1 to %d characters of letters, digits, '_' and '-', starting with a letter or digit", MaxTenantIDLen)
	}
	return checkName("name", t.Name, MaxNameLen)
}

// TenantStore keeps tenants. It is used by the operator (CLI, admin API), not scoped to a caller.
type TenantStore interface {
	// CreateTenant stores t with a generated ID when t.ID is empty. EConflict if the ID is taken.
	CreateTenant(ctx context.Context, t Tenant) (Tenant, error)
	// Tenant returns the tenant id; ENotFound if there is none.
	Tenant(ctx context.Context, id string) (Tenant, error)
	// ListTenants lists tenants ordered by ID.
	ListTenants(ctx context.Context, opt ListOptions) (Page[Tenant], error)
	// UpdateTenant renames tenant t.ID.
	UpdateTenant(ctx context.Context, t Tenant) (Tenant, error)
	// DeleteTenant deletes the tenant and everything it owns.
	DeleteTenant(ctx context.Context, id string) error
}
