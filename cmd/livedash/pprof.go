//go:build pprof

package main

import (
	"net/http"
	"net/http/pprof"
)

// Built with -tags pprof, the server serves /debug/pprof/ for profiling (docs/performance.md).
func init() {
	extraRoutes = func(mux *http.ServeMux) {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	}
}
