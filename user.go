package livedash

import (
	"context"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// Roles a user may hold, from most to least privileged.
var Roles = []string{RoleAdmin, RoleEditor, RoleViewer}

// Password length limits, in bytes (bcrypt uses at most 72).
const (
	MinPasswordLen = 8
	MaxPasswordLen = 72
)

// MaxEmailLen is the longest email address accepted.
const MaxEmailLen = 254

// User is a person of one tenant. PasswordHash never leaves the server.
type User struct {
	ID           string    `json:"id"`
	Tenant       string    `json:"tenant"`
	Email        string    `json:"email"`
	DisplayName  string    `json:"display_name"`
	Roles        []string  `json:"roles"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// NormalizeEmail trims and lowercases an email address, the form it is stored and looked up in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Validate checks the email, display name and roles (at least one, each known, no repeats).
func (u User) Validate() error {
	if err := ValidateEmail(u.Email); err != nil {
		return err
	}
	if err := checkName("display_name", u.DisplayName, MaxNameLen); err != nil {
		return err
	}
	return ValidateRoles("roles", u.Roles, true)
}

// ValidateEmail checks that email is a plain address (no display name) of at most MaxEmailLen bytes.
func ValidateEmail(email string) error {
	email = strings.TrimSpace(email)
	if email == "" {
		return invalid("email", "must not be empty")
	}
	if len(email) > MaxEmailLen {
		return invalid("email", "must be at most %d characters", MaxEmailLen)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return invalid("email", "%q is not an email address", email)
	}
	return nil
}

// ValidateRoles checks that every role is known and listed once; required asks for at least one.
func ValidateRoles(field string, roles []string, required bool) error {
	if required && len(roles) == 0 {
		return invalid(field, "must list at least one of %s", strings.Join(Roles, ", "))
	}
	for i, r := range roles {
		if err := oneOf(field, r, Roles); err != nil {
			return err
		}
		if slices.Contains(roles[:i], r) {
			return invalid(field, "lists %q twice", r)
		}
	}
	return nil
}

// ValidatePassword checks a new password's length.
func ValidatePassword(password string) error {
	if len(password) < MinPasswordLen {
		return invalid("password", "must be at least %d characters", MinPasswordLen)
	}
	if len(password) > MaxPasswordLen {
		return invalid("password", "must be at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// HasRole reports whether u holds role r.
func (u User) HasRole(r string) bool { return slices.Contains(u.Roles, r) }

// Principal returns the principal of u for a token, with the ids of u's projects.
func (u User) Principal(projects []string) Principal {
	return Principal{UserID: u.ID, Tenant: u.Tenant, Roles: slices.Clone(u.Roles), Projects: projects}
}

// UserStore keeps the users of each tenant. Emails are unique within a tenant.
type UserStore interface {
	// CreateUser stores u (ID, timestamps and password hash are set by the store) with the
	// password hashed. EConflict if the email is taken in the tenant; ENotFound for an unknown
	// tenant.
	CreateUser(ctx context.Context, tenant string, u User, password string) (User, error)
	// User returns user id of tenant; ENotFound if there is none.
	User(ctx context.Context, tenant, id string) (User, error)
	// UserByEmail returns the user of tenant with email (compared normalised).
	UserByEmail(ctx context.Context, tenant, email string) (User, error)
	// ListUsers lists the users of tenant in creation order.
	ListUsers(ctx context.Context, tenant string, opt ListOptions) (Page[User], error)
	// UpdateUser replaces the email, display name and roles of user u.ID.
	UpdateUser(ctx context.Context, tenant string, u User) (User, error)
	// SetPassword replaces the password of user id.
	SetPassword(ctx context.Context, tenant, id, password string) error
	// Authenticate returns the user of tenant with email and password; any mismatch (unknown
	// email, wrong password) is EUnauthenticated with one message. With tenant "" the email is
	// looked up in every tenant; EBadRequest if it matches in more than one.
	Authenticate(ctx context.Context, tenant, email, password string) (User, error)
	// DeleteUser deletes user id, their project memberships, private dashboards and read marks.
	DeleteUser(ctx context.Context, tenant, id string) error
}
