package httpapi

import (
	"net/http"
	"strconv"

	"livedash/analytics"
)

// Bounds of GET /insights?limit=.
const (
	DefaultInsightLimit = 50
	MaxInsightLimit     = 500
)

type insightsResponse struct {
	Items []analytics.Insight `json:"items"`
}

func handleInsights(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := DefaultInsightLimit
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 || n > MaxInsightLimit {
				writeError(w, r, d.Logger, badField("limit", "must be a whole number from 0 to 500"))
				return
			}
			if n > 0 {
				limit = n
			}
		}
		items, err := d.Service.Insights(r.Context(), principalOf(r), limit)
		if err != nil {
			writeError(w, r, d.Logger, err)
			return
		}
		if items == nil {
			items = []analytics.Insight{}
		}
		encode(w, http.StatusOK, insightsResponse{Items: items})
	})
}
