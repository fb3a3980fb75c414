package httpapi

import (
	"net/http"

	"livedash"
)

type projectCreateRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Status      string   `json:"status"`
	Members     []string `json:"members"`
}

// projectPatchRequest changes the fields it carries; Version (or If-Match) is the version the
// client read.
type projectPatchRequest struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	Status      *string   `json:"status"`
	Members     *[]string `json:"members"`
	Version     *int64    `json:"version"`
}

func handleProjectList(d Deps) http.Handler { return listHandler(d, d.Service.ListProjects) }

func handleProjectCreate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[projectCreateRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		p, err := d.Service.CreateProject(r.Context(), principalOf(r), livedash.Project{
			Name: req.Name, Description: req.Description, Status: req.Status, Members: req.Members,
		})
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encodeVersioned(w, http.StatusCreated, p, p.Version)
	})
}

func handleProjectGet(d Deps) http.Handler {
	return getHandler(d, d.Service.Project, func(p livedash.Project) int64 { return p.Version })
}

func handleProjectUpdate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[projectPatchRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		version, err := versionOf(r, req.Version, true)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		caller := principalOf(r)
		// The fields the body leaves out keep their current values; the store refuses the update
		// unless the project is still at version (see handleAlertRuleUpdate).
		p, err := d.Service.Project(r.Context(), caller, r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		set(&p.Name, req.Name)
		set(&p.Description, req.Description)
		set(&p.Status, req.Status)
		set(&p.Members, req.Members)
		p.Version = version
		p, err = d.Service.UpdateProject(r.Context(), caller, p)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encodeVersioned(w, http.StatusOK, p, p.Version)
	})
}

func handleProjectDelete(d Deps) http.Handler { return deleteHandler(d, d.Service.DeleteProject) }

// set copies *v to *dst when v is not nil (the fields a PATCH carries).
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
