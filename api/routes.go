package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// operationalRoutes are open (no auth, no rate limit) and log at debug.
var operationalRoutes = map[string]bool{
	"/health": true, "/ready": true, "/metrics": true, "/openapi.json": true,
	"/ui": true, "/ui/:file": true,
}

// routes is the route table: every endpoint of the API, its handler and the
// permission it needs. Each route must be described in openapi.yaml
// (TestOpenAPIMatchesRoutes fails otherwise).
//
// Resource routes go under /v1 with s.protected(permission), which
// authenticates the caller (Config.Auth), rate-limits its tenant
// (Config.RateLimit) and answers 403 without the permission, e.g.
//
//	v1.GET("/curves", s.listCurves, s.protected(PermCurvesRead)...)
//
// Every route refuses a query parameter it does not take: a list handler
// while parsing its query, every other route with noQuery.
func (s *Server) routes() {
	e := s.echo

	e.GET("/health", s.health, noQuery)
	e.GET("/ready", s.ready, noQuery)
	e.GET("/metrics", s.metricsHandler(), noQuery)
	e.GET("/openapi.json", s.openapi, noQuery)
	e.GET("/ui", s.uiFile, noQuery)
	e.GET("/ui/:file", s.uiFile, noQuery)
	// Not a route of its own (so not in openapi.yaml): a trailing slash
	// typed by hand finds the page.
	e.RouteNotFound("/ui/", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "../ui") })

	s.v1 = e.Group("/v1")
	v1 := s.v1
	v1.GET("/curves", s.listHandler(s.curvesEndpoint()), s.protected(PermCurvesRead)...)
	v1.GET("/curves/diff", s.listHandler(s.curvesDiffEndpoint()), s.protected(PermCurvesRead)...)
	v1.GET("/curves/strips", s.listHandler(s.curvesStripsEndpoint()), s.protected(PermCurvesRead)...)
	v1.GET("/metadata/dimensions", s.listHandler(s.dimensionsEndpoint()), s.protected(PermCurvesRead)...)
	v1.GET("/metadata/calendars", s.getCalendar, s.protected(PermCurvesRead)...)
	v1.GET("/metadata/units", s.listHandler(s.unitsEndpoint()), s.protected(PermCurvesRead)...)
	v1.GET("/external/providers", s.listHandler(s.providersEndpoint()), s.protected(PermCurvesRead)...)
	v1.GET("/external/series", s.listHandler(s.seriesEndpoint()), s.protected(PermCurvesRead)...)
	v1.GET("/external/series/:provider/:series_id/observations", s.listHandler(s.observationsEndpoint()), s.protected(PermCurvesRead)...)
	v1.GET("/iso/lmp", s.listHandler(s.isoLMPEndpoint()), s.protected(PermCurvesRead)...)

	v1.POST("/scenarios", s.createScenario, s.protected(PermScenariosWrite, noQuery)...)
	v1.GET("/scenarios", s.listScenarios, s.protected(PermScenariosRead)...)
	v1.GET("/scenarios/:id", s.getScenario, s.protected(PermScenariosRead, noQuery)...)
	v1.DELETE("/scenarios/:id", s.deleteScenario, s.protected(PermScenariosDelete, noQuery)...)
	v1.POST("/scenarios/:id/runs", s.createRun, s.protected(PermScenariosRun, noQuery)...)
	v1.GET("/scenarios/:id/runs", s.listScenarioRuns, s.protected(PermScenariosRead)...)
	v1.GET("/runs/:run_id", s.getRun, s.protected(PermScenariosRead, noQuery)...)
	v1.POST("/runs/:run_id/cancel", s.cancelRun, s.protected(PermScenariosRun, noQuery)...)
	v1.GET("/runs/:run_id/outputs", s.listRunOutputs, s.protected(PermScenariosRead)...)
	v1.GET("/runs/:run_id/events", s.streamRunEvents, s.protected(PermScenariosRead, noQuery)...)
}

// protected is the middleware chain of an authenticated /v1 route needing
// perm: authenticate, rate-limit the tenant, check the permission, then
// the route's own middleware. It is per route rather than group
// middleware so that unknown /v1 paths are 404 and wrong methods 405
// without authentication.
func (s *Server) protected(perm Permission, more ...echo.MiddlewareFunc) []echo.MiddlewareFunc {
	return append([]echo.MiddlewareFunc{s.authMiddleware, s.rateLimitMiddleware, RequirePermission(perm)}, more...)
}
