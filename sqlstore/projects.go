package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"livedash"
)

const projectColumns = "id, tenant, name, description, status, version, created_at, updated_at"

func scanProject(sc scanner) (livedash.Project, error) {
	var p livedash.Project
	var created, updated int64
	err := sc.Scan(&p.ID, &p.Tenant, &p.Name, &p.Description, &p.Status, &p.Version, &created, &updated)
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	p.Members = []string{}
	return p, err
}

// CreateProject implements livedash.ProjectStore.
func (s *Store) CreateProject(ctx context.Context, tenant string, p livedash.Project) (livedash.Project, error) {
	if err := p.Validate(); err != nil {
		return livedash.Project{}, err
	}
	if p.Status == "" {
		p.Status = livedash.ProjectActive
	}
	now := s.nowMS()
	p.ID, p.Tenant, p.Version = s.newID(), tenant, 1
	p.CreatedAt, p.UpdatedAt = fromMS(now), fromMS(now)
	p.Members = sortedCopy(p.Members)
	err := s.write(ctx, func(r runner) error {
		if err := requireTenant(ctx, r, tenant); err != nil {
			return err
		}
		if _, err := r.exec(ctx, "INSERT INTO projects ("+projectColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			p.ID, tenant, p.Name, p.Description, p.Status, p.Version, now, now); err != nil {
			return err
		}
		return s.insertMembers(ctx, r, tenant, p.ID, p.Members)
	})
	if err != nil {
		return livedash.Project{}, fail("create project", err)
	}
	return p, nil
}

func sortedCopy(ss []string) []string {
	out := slices.Clone(ss)
	if out == nil {
		out = []string{}
	}
	slices.Sort(out)
	return out
}

// insertMembers adds users to a project, failing with ENotFound for a user not of tenant.
func (s *Store) insertMembers(ctx context.Context, r runner, tenant, projectID string, users []string) error {
	for _, u := range users {
		if err := requireUser(ctx, r, tenant, u); err != nil {
			return err
		}
		if _, err := r.exec(ctx, "INSERT INTO project_members (project_id, user_id, tenant) VALUES (?, ?, ?)"+
			s.d.onConflict([]string{"project_id", "user_id"}), projectID, u, tenant); err != nil {
			return err
		}
	}
	return nil
}

// requireUser fails with ENotFound unless id is a user of tenant.
func requireUser(ctx context.Context, r runner, tenant, id string) error {
	var one int
	err := r.queryRow(ctx, "SELECT 1 FROM users WHERE tenant = ? AND id = ?", tenant, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("user", id)
	}
	return err
}

// requireProject fails with ENotFound unless id is a project of tenant.
func requireProject(ctx context.Context, r runner, tenant, id string) error {
	var one int
	err := r.queryRow(ctx, "SELECT 1 FROM projects WHERE tenant = ? AND id = ?", tenant, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("project", id)
	}
	return err
}

// Project implements livedash.ProjectStore.
func (s *Store) Project(ctx context.Context, tenant, id string) (livedash.Project, error) {
	return s.project(ctx, s.read(), tenant, id)
}

func (s *Store) project(ctx context.Context, r runner, tenant, id string) (livedash.Project, error) {
	ps, err := s.queryProjects(ctx, r, "SELECT "+projectColumns+" FROM projects WHERE tenant = ? AND id = ?", tenant, id)
	if err != nil {
		return livedash.Project{}, fail("project", err)
	}
	if len(ps) == 0 {
		return livedash.Project{}, notFound("project", id)
	}
	return ps[0], nil
}

// ListProjects implements livedash.ProjectStore.
func (s *Store) ListProjects(ctx context.Context, tenant string, f livedash.ProjectFilter, opt livedash.ListOptions) (livedash.Page[livedash.Project], error) {
	if err := f.Validate(); err != nil {
		return livedash.Page[livedash.Project]{}, err
	}
	lq, err := newListQuery(opt)
	if err != nil {
		return livedash.Page[livedash.Project]{}, err
	}
	q := "SELECT " + projectColumns + " FROM projects WHERE tenant = ? AND id > ?"
	args := []any{tenant, lq.after}
	if f.Status != "" {
		q += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.Member != "" {
		q += " AND id IN (SELECT project_id FROM project_members WHERE user_id = ? AND tenant = ?)"
		args = append(args, f.Member, tenant)
	}
	q += " ORDER BY id LIMIT ?"
	args = append(args, lq.limit+1)
	ps, err := s.queryProjects(ctx, s.read(), q, args...)
	if err != nil {
		return livedash.Page[livedash.Project]{}, fail("list projects", err)
	}
	return page(ps, lq.limit, func(p livedash.Project) string { return p.ID }), nil
}

// queryProjects runs a projects query on r and fills in the members of the projects found.
func (s *Store) queryProjects(ctx context.Context, r runner, query string, args ...any) ([]livedash.Project, error) {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var ps []livedash.Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ps) == 0 {
		return ps, err
	}
	index := make(map[string]int, len(ps))
	ids := make([]any, len(ps))
	for i, p := range ps {
		index[p.ID] = i
		ids[i] = p.ID
	}
	rows, err = r.query(ctx, "SELECT project_id, user_id FROM project_members WHERE project_id IN ("+placeholders(len(ids))+") ORDER BY project_id, user_id", ids...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var pid, uid string
		if err := rows.Scan(&pid, &uid); err != nil {
			return nil, err
		}
		p := &ps[index[pid]]
		p.Members = append(p.Members, uid)
	}
	return ps, rows.Err()
}

// UpdateProject implements livedash.ProjectStore.
func (s *Store) UpdateProject(ctx context.Context, tenant string, p livedash.Project) (livedash.Project, error) {
	if err := p.Validate(); err != nil {
		return livedash.Project{}, err
	}
	if p.Version <= 0 {
		return livedash.Project{}, livedash.Errorf(livedash.EBadRequest, "version: is required (the version the update is based on)")
	}
	if p.Status == "" {
		p.Status = livedash.ProjectActive
	}
	var updated livedash.Project
	err := s.write(ctx, func(r runner) error {
		n, err := rowsAffected(r.exec(ctx, "UPDATE projects SET name = ?, description = ?, status = ?, version = version + 1, updated_at = ? WHERE tenant = ? AND id = ? AND version = ?",
			p.Name, p.Description, p.Status, s.nowMS(), tenant, p.ID, p.Version))
		if err != nil {
			return err
		}
		if n == 0 {
			return versionMismatch(ctx, r, "project", "projects", tenant, p.ID)
		}
		if _, err := r.exec(ctx, "DELETE FROM project_members WHERE project_id = ?", p.ID); err != nil {
			return err
		}
		if err := s.insertMembers(ctx, r, tenant, p.ID, p.Members); err != nil {
			return err
		}
		// Read back in the transaction: the caller gets the version it wrote, not a later one.
		updated, err = s.project(ctx, r, tenant, p.ID)
		return err
	})
	if err != nil {
		return livedash.Project{}, fail("update project", err)
	}
	return updated, nil
}

// DeleteProject implements livedash.ProjectStore.
func (s *Store) DeleteProject(ctx context.Context, tenant, id string, version int64) error {
	err := s.write(ctx, func(r runner) error {
		return deleteVersioned(ctx, r, "project", "projects", tenant, id, version)
	})
	return fail("delete project", err)
}

// AddProjectMember implements livedash.ProjectStore.
func (s *Store) AddProjectMember(ctx context.Context, tenant, projectID, userID string) error {
	err := s.write(ctx, func(r runner) error {
		if err := requireProject(ctx, r, tenant, projectID); err != nil {
			return err
		}
		// Asked first rather than from the insert's row count: MySQL counts a colliding row as
		// found (clientFoundRows), so the count cannot tell a new member from an old one.
		var one int
		err := r.queryRow(ctx, "SELECT 1 FROM project_members WHERE project_id = ? AND user_id = ?", projectID, userID).Scan(&one)
		if err == nil {
			return nil // a member already: nothing changes, the version neither
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := s.insertMembers(ctx, r, tenant, projectID, []string{userID}); err != nil {
			return err
		}
		return s.bumpProject(ctx, r, tenant, projectID)
	})
	return fail("add project member", err)
}

// RemoveProjectMember implements livedash.ProjectStore.
func (s *Store) RemoveProjectMember(ctx context.Context, tenant, projectID, userID string) error {
	err := s.write(ctx, func(r runner) error {
		if err := requireProject(ctx, r, tenant, projectID); err != nil {
			return err
		}
		n, err := rowsAffected(r.exec(ctx, "DELETE FROM project_members WHERE tenant = ? AND project_id = ? AND user_id = ?", tenant, projectID, userID))
		if err != nil || n == 0 {
			return err
		}
		return s.bumpProject(ctx, r, tenant, projectID)
	})
	return fail("remove project member", err)
}

// bumpProject moves project id to its next version after a change of its members, so that an
// update based on the member list read before fails instead of undoing the change.
func (s *Store) bumpProject(ctx context.Context, r runner, tenant, id string) error {
	_, err := r.exec(ctx, "UPDATE projects SET version = version + 1, updated_at = ? WHERE tenant = ? AND id = ?", s.nowMS(), tenant, id)
	return err
}

// UserProjects implements livedash.ProjectStore.
func (s *Store) UserProjects(ctx context.Context, tenant, userID string) ([]string, error) {
	rows, err := s.read().query(ctx, "SELECT project_id FROM project_members WHERE tenant = ? AND user_id = ? ORDER BY project_id", tenant, userID)
	if err != nil {
		return nil, fail("user projects", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fail("user projects", err)
		}
		out = append(out, id)
	}
	return out, fail("user projects", rows.Err())
}
