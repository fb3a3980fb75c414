package service

import (
	"context"

	"livedash"
)

// ListUsers lists the users of p's tenant. Admins.
func (s *Service) ListUsers(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[livedash.User], error) {
	if err := canAdmin(p); err != nil {
		return livedash.Page[livedash.User]{}, err
	}
	return s.store.ListUsers(ctx, p.Tenant, opt)
}

// CreateUser creates u in p's tenant with password. Admins.
func (s *Service) CreateUser(ctx context.Context, p livedash.Principal, u livedash.User, password string) (livedash.User, error) {
	if err := canAdmin(p); err != nil {
		return livedash.User{}, err
	}
	u.ID, u.Tenant, u.PasswordHash = "", p.Tenant, ""
	if err := u.Validate(); err != nil {
		return livedash.User{}, err
	}
	if err := livedash.ValidatePassword(password); err != nil {
		return livedash.User{}, err
	}
	return s.store.CreateUser(ctx, p.Tenant, u, password)
}
