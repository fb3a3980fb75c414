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

// projectPatchRequest changes the fields it carries.
type projectPatchRequest struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	Status      *string   `json:"status"`
	Members     *[]string `json:"members"`
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
		encode(w, http.StatusCreated, p)
	})
}

func handleProjectGet(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := d.Service.Project(r.Context(), principalOf(r), r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusOK, p)
	})
}

func handleProjectUpdate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[projectPatchRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		caller := principalOf(r)
		p, err := d.Service.Project(r.Context(), caller, r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		set(&p.Name, req.Name)
		set(&p.Description, req.Description)
		set(&p.Status, req.Status)
		set(&p.Members, req.Members)
		p, err = d.Service.UpdateProject(r.Context(), caller, p)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusOK, p)
	})
}

func handleProjectDelete(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := d.Service.DeleteProject(r.Context(), principalOf(r), r.PathValue("id")); err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// set copies *v to *dst when v is not nil (the fields a PATCH carries).
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
