package httpapi

import (
	"net/http"
	"slices"
)

// route is one endpoint of the API: its method and path pattern (http.ServeMux syntax), who may
// call it and the maker of its handler.
type route struct {
	method  string
	pattern string
	access  access
	handler func(Deps) http.Handler
}

// routes is the whole API. Every entry must also be described in openapi.json.
var routes = []route{
	{"GET", "/api/v1/openapi.json", public, handleOpenAPI},

	{"POST", "/api/v1/auth/login", public, handleLogin},
	{"POST", "/api/v1/auth/logout", public, handleLogout},
	{"POST", "/api/v1/auth/refresh", user, handleRefresh},
	{"GET", "/api/v1/me", user, handleMe},

	{"POST", "/api/v1/tenants", apiKey, handleTenantCreate},

	{"GET", "/api/v1/users", user, handleUserList},
	{"POST", "/api/v1/users", user, handleUserCreate},

	{"GET", "/api/v1/projects", user, handleProjectList},
	{"POST", "/api/v1/projects", user, handleProjectCreate},
	{"GET", "/api/v1/projects/{id}", user, handleProjectGet},
	{"PATCH", "/api/v1/projects/{id}", user, handleProjectUpdate},
	{"DELETE", "/api/v1/projects/{id}", user, handleProjectDelete},

	{"GET", "/api/v1/dashboards", user, handleDashboardList},
	{"POST", "/api/v1/dashboards", user, handleDashboardCreate},
	{"GET", "/api/v1/dashboards/{id}", user, handleDashboardGet},
	{"PATCH", "/api/v1/dashboards/{id}", user, handleDashboardUpdate},
	{"DELETE", "/api/v1/dashboards/{id}", user, handleDashboardDelete},
	{"POST", "/api/v1/dashboards/{id}/widgets", user, handleWidgetCreate},
	{"PATCH", "/api/v1/widgets/{id}", user, handleWidgetUpdate},
	{"DELETE", "/api/v1/widgets/{id}", user, handleWidgetDelete},
	{"GET", "/api/v1/widgets/{id}/value", user, handleWidgetValue},

	{"POST", "/api/v1/metrics", userOrKey, handleMetricIngest},
	{"GET", "/api/v1/metrics", user, handleMetricList},
	{"GET", "/api/v1/metrics/{code}/series", user, handleSeries},
	{"GET", "/api/v1/metrics/{code}/summary", user, handleMetricSummary},
	{"GET", "/api/v1/insights", user, handleInsights},

	{"GET", "/api/v1/alert-rules", user, handleAlertRuleList},
	{"POST", "/api/v1/alert-rules", user, handleAlertRuleCreate},
	{"GET", "/api/v1/alert-rules/{id}", user, handleAlertRuleGet},
	{"PATCH", "/api/v1/alert-rules/{id}", user, handleAlertRuleUpdate},
	{"DELETE", "/api/v1/alert-rules/{id}", user, handleAlertRuleDelete},
	{"GET", "/api/v1/alerts", user, handleAlertList},
	{"POST", "/api/v1/alerts/{id}/ack", user, handleAlertAck},

	{"GET", "/api/v1/notifications", user, handleNotificationList},
	{"POST", "/api/v1/notifications", user, handleNotificationCreate},
	{"POST", "/api/v1/notifications/{id}/read", user, handleNotificationRead},
}

// addRoutes registers routes on mux, a JSON 405 (with Allow) for every known path asked with
// another method, and a JSON 404 for every other path under /api/v1/.
func addRoutes(mux *http.ServeMux, d Deps) {
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range routes {
		mux.Handle(rt.method+" "+rt.pattern, authenticate(d, rt.access, rt.handler(d)))
		if _, ok := allowed[rt.pattern]; !ok {
			paths = append(paths, rt.pattern)
		}
		allowed[rt.pattern] = append(allowed[rt.pattern], rt.method)
		if rt.method == http.MethodGet {
			allowed[rt.pattern] = append(allowed[rt.pattern], http.MethodHead)
		}
	}
	for _, p := range paths {
		methods := allowed[p]
		slices.Sort(methods)
		mux.Handle(p, handleMethodNotAllowed(d, methods))
	}
	mux.Handle("/api/v1/", handleNotFound(d))
}
