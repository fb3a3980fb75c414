package livedash

import (
	"context"
	"slices"
	"time"
)

// Project statuses.
const (
	ProjectActive   = "active"
	ProjectPaused   = "paused"
	ProjectArchived = "archived"
)

// ProjectStatuses lists the known project statuses.
var ProjectStatuses = []string{ProjectActive, ProjectPaused, ProjectArchived}

// Project groups users of a tenant; its members may subscribe to project.{id}. Version starts at 1
// and grows by one with every change of its fields or members; updates carry the version they
// were based on.
type Project struct {
	ID          string    `json:"id"`
	Tenant      string    `json:"tenant"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Status      string    `json:"status"`  // ProjectActive when empty on create
	Members     []string  `json:"members"` // user ids, sorted
	Version     int64     `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Validate checks name, description, status (empty is allowed and means active) and members (no
// empty or repeated ids).
func (p Project) Validate() error {
	if err := checkName("name", p.Name, MaxNameLen); err != nil {
		return err
	}
	if err := checkText("description", p.Description, MaxDescriptionLen); err != nil {
		return err
	}
	if p.Status != "" {
		if err := oneOf("status", p.Status, ProjectStatuses); err != nil {
			return err
		}
	}
	for i, m := range p.Members {
		if m == "" {
			return invalid("members", "must not contain an empty user id")
		}
		if slices.Contains(p.Members[:i], m) {
			return invalid("members", "lists %q twice", m)
		}
	}
	return nil
}

// ProjectFilter narrows ListProjects; empty fields match everything.
type ProjectFilter struct {
	Status string // one of ProjectStatuses
	Member string // a user id: only projects this user is a member of
}

// Validate checks Status (empty or known).
func (f ProjectFilter) Validate() error {
	if f.Status == "" {
		return nil
	}
	return oneOf("status", f.Status, ProjectStatuses)
}

// ProjectStore keeps the projects of each tenant. Updates and deletes are optimistic, as in
// DashboardStore: a stale version fails with *VersionConflict carrying the current version.
type ProjectStore interface {
	// CreateProject stores p with version 1; its members must be users of tenant (ENotFound
	// otherwise).
	CreateProject(ctx context.Context, tenant string, p Project) (Project, error)
	// Project returns project id of tenant; ENotFound if there is none.
	Project(ctx context.Context, tenant, id string) (Project, error)
	// ListProjects lists the projects of tenant matching f, in creation order.
	ListProjects(ctx context.Context, tenant string, f ProjectFilter, opt ListOptions) (Page[Project], error)
	// UpdateProject replaces name, description, status and members of project p.ID if its version
	// is still p.Version, and returns it with the next version.
	UpdateProject(ctx context.Context, tenant string, p Project) (Project, error)
	// DeleteProject deletes project id and its memberships if its version is still version (0:
	// whatever the version).
	DeleteProject(ctx context.Context, tenant, id string, version int64) error
	// AddProjectMember adds user userID to project projectID (no-op if already a member). Members
	// are part of the project, so a change moves its version on: a later update based on the
	// member list read before must not silently undo it.
	AddProjectMember(ctx context.Context, tenant, projectID, userID string) error
	// RemoveProjectMember removes user userID from project projectID (no-op if not a member); a
	// change moves the project's version on, as AddProjectMember.
	RemoveProjectMember(ctx context.Context, tenant, projectID, userID string) error
	// UserProjects returns the ids of the projects userID is a member of, sorted (for the
	// projects claim of a token).
	UserProjects(ctx context.Context, tenant, userID string) ([]string, error)
}
