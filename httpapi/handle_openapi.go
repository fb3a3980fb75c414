package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.0 description of the API, written by hand beside routes.go.
//
//go:embed openapi.json
var openAPI []byte

func handleOpenAPI(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(openAPI)
	})
}
