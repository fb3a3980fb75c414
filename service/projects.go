package service

import (
	"context"

	"livedash"
)

// ListProjects lists the projects of p's tenant. Any role.
func (s *Service) ListProjects(ctx context.Context, p livedash.Principal, opt livedash.ListOptions) (livedash.Page[livedash.Project], error) {
	if err := canRead(p); err != nil {
		return livedash.Page[livedash.Project]{}, err
	}
	return s.store.ListProjects(ctx, p.Tenant, livedash.ProjectFilter{}, opt)
}

// Project returns project id. Any role.
func (s *Service) Project(ctx context.Context, p livedash.Principal, id string) (livedash.Project, error) {
	if err := canRead(p); err != nil {
		return livedash.Project{}, err
	}
	return s.store.Project(ctx, p.Tenant, id)
}

// CreateProject creates pr with version 1 (active when no status is given). Editors and admins.
func (s *Service) CreateProject(ctx context.Context, p livedash.Principal, pr livedash.Project) (livedash.Project, error) {
	if err := canEdit(p); err != nil {
		return livedash.Project{}, err
	}
	pr.ID, pr.Tenant, pr.Version = "", p.Tenant, 0
	if err := pr.Validate(); err != nil {
		return livedash.Project{}, err
	}
	return s.store.CreateProject(ctx, p.Tenant, pr)
}

// UpdateProject replaces name, description, status (empty: active) and members of project pr.ID;
// pr.Version is the version the caller read (a stale one is *livedash.VersionConflict). It
// publishes project_update on project.{id} when its status or name changed. Editors and admins.
func (s *Service) UpdateProject(ctx context.Context, p livedash.Principal, pr livedash.Project) (livedash.Project, error) {
	if err := canEdit(p); err != nil {
		return livedash.Project{}, err
	}
	pr.Tenant = p.Tenant
	if err := pr.Validate(); err != nil {
		return livedash.Project{}, err
	}
	// prev gives previous_status and previous_name. The store refuses the update unless the
	// project is still at pr.Version, so when the update succeeds nothing changed since prev was
	// read: prev is exactly the state it replaced.
	prev, err := s.store.Project(ctx, p.Tenant, pr.ID)
	if err != nil {
		return livedash.Project{}, err
	}
	updated, err := s.store.UpdateProject(ctx, p.Tenant, pr)
	if err != nil {
		return livedash.Project{}, err
	}
	if updated.Status != prev.Status || updated.Name != prev.Name {
		ev := ProjectEvent{
			ProjectID: updated.ID, Version: updated.Version, Name: updated.Name, Status: updated.Status, PreviousStatus: prev.Status, By: p.UserID,
		}
		if updated.Name != prev.Name {
			ev.PreviousName = prev.Name
		}
		s.publish(ctx, EventProjectUpdate, ev, projectChannel(updated.ID))
	}
	return updated, nil
}

// DeleteProject deletes project id if its version is still version (0: any). Editors and admins.
func (s *Service) DeleteProject(ctx context.Context, p livedash.Principal, id string, version int64) error {
	if err := canEdit(p); err != nil {
		return err
	}
	return s.store.DeleteProject(ctx, p.Tenant, id, version)
}
