package httpapi

import (
	"encoding/json"
	"net/http"

	"livedash"
)

type widgetRequest struct {
	Type     string               `json:"type"`
	Title    string               `json:"title"`
	Query    livedash.MetricQuery `json:"query"`
	Options  json.RawMessage      `json:"options"`
	Position livedash.GridPos     `json:"position"`
}

func (wr widgetRequest) widget() livedash.Widget {
	return livedash.Widget{Type: wr.Type, Title: wr.Title, Query: wr.Query, Options: wr.Options, Position: wr.Position}
}

// widgetPatchRequest changes the fields it carries; Version (or If-Match) is the version the
// client read.
type widgetPatchRequest struct {
	Type     *string               `json:"type"`
	Title    *string               `json:"title"`
	Query    *livedash.MetricQuery `json:"query"`
	Options  json.RawMessage       `json:"options"`
	Position *livedash.GridPos     `json:"position"`
	Version  *int64                `json:"version"`
	// DashboardID optionally names the widget's dashboard, which saves looking it up.
	DashboardID string `json:"dashboard_id"`
}

func handleWidgetCreate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[widgetRequest](w, r, d.MaxBodyBytes)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		wg := req.widget()
		wg.DashboardID = r.PathValue("id")
		wg, err = d.Service.CreateWidget(r.Context(), principalOf(r), wg)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encodeVersioned(w, http.StatusCreated, wg, wg.Version)
	})
}

func handleWidgetUpdate(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[widgetPatchRequest](w, r, d.MaxBodyBytes)
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
		wg, err := d.Service.Widget(r.Context(), caller, req.DashboardID, r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		set(&wg.Type, req.Type)
		set(&wg.Title, req.Title)
		set(&wg.Query, req.Query)
		set(&wg.Position, req.Position)
		if req.Options != nil {
			wg.Options = req.Options
		}
		wg.Version = version
		wg, err = d.Service.UpdateWidget(r.Context(), caller, wg)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encodeVersioned(w, http.StatusOK, wg, wg.Version)
	})
}

func handleWidgetDelete(d Deps) http.Handler { return deleteHandler(d, d.Service.DeleteWidget) }

func handleWidgetValue(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := d.Service.WidgetValue(r.Context(), principalOf(r), r.PathValue("id"))
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		encode(w, http.StatusOK, v)
	})
}
