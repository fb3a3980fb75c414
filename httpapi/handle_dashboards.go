package httpapi

import (
	"encoding/json"
	"net/http"

	"livedash"
)

type dashboardCreateRequest struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Layout      json.RawMessage `json:"layout"`
	Visibility  string          `json:"visibility"`
	Widgets     []widgetRequest `json:"widgets"`
}

// dashboardPatchRequest changes the fields it carries; Version (or If-Match) is the version the
// client read.
type dashboardPatchRequest struct {
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	Layout      json.RawMessage `json:"layout"`
	Visibility  *string         `json:"visibility"`
	Version     *int64          `json:"version"`
}

// dashboardView is a dashboard with its widgets ([] rather than absent when it has none).
type dashboardView struct {
	livedash.Dashboard
	Widgets []livedash.Widget `json:"widgets"`
}

func viewOf(db livedash.Dashboard, widgets []livedash.Widget) dashboardView {
	if widgets == nil {
		widgets = []livedash.Widget{}
	}
	db.Widgets = nil
	return dashboardView{Dashboard: db, Widgets: widgets}
}

func handleDashboardList(d Deps) http.Handler { return listHandler(d, d.Service.ListDashboards) }

func handleDashboardCreate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[dashboardCreateRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		db := livedash.Dashboard{Name: req.Name, Description: req.Description, Layout: req.Layout, Visibility: req.Visibility}
		for _, wr := range req.Widgets {
			db.Widgets = append(db.Widgets, wr.widget())
		}
		db, err = d.Service.CreateDashboard(r.Context(), principalOf(r), db)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encodeVersioned(w, http.StatusCreated, viewOf(db, db.Widgets), db.Version)
	})
}

func handleDashboardGet(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		db, widgets, err := d.Service.Dashboard(r.Context(), principalOf(r), r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encodeVersioned(w, http.StatusOK, viewOf(db, widgets), db.Version)
	})
}

func handleDashboardUpdate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[dashboardPatchRequest](w, r, d.MaxBodyBytes)
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
		db, widgets, err := d.Service.Dashboard(r.Context(), caller, r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		set(&db.Name, req.Name)
		set(&db.Description, req.Description)
		set(&db.Visibility, req.Visibility)
		if req.Layout != nil {
			db.Layout = req.Layout
		}
		db.Version = version
		db.Widgets = nil
		db, err = d.Service.UpdateDashboard(r.Context(), caller, db)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encodeVersioned(w, http.StatusOK, viewOf(db, widgets), db.Version)
	})
}

func handleDashboardDelete(d Deps) http.Handler { return deleteHandler(d, d.Service.DeleteDashboard) }
