// Package api is Sangathan's HTTP layer: the Gin router, its middleware, one handler file per
// resource and the OpenAPI document. Handlers decode, call one service method and encode;
// the rules live in services.
package api

import (
	"compress/gzip"
	"context"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzhttp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/services"
)

// Body limits.
const (
	MaxJSONBody   = 1 << 20 // 1 MiB for JSON requests
	MaxImportBody = 2 << 30 // 2 GiB for CSV imports (and for what a gzip body decompresses to), unless Deps.ImportLimit says otherwise
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps are what the API needs, wired by cmd/sangathan.
type Deps struct {
	Log *slog.Logger
	DB  Pinger
	*services.Set
	// SecureCookies marks the refresh cookie Secure; on for anything but plain-HTTP development.
	SecureCookies bool
	// TrustedProxies are the addresses whose X-Forwarded-For is believed (for login limits).
	TrustedProxies []string
	// Frontend serves the web UI at /, if set.
	Frontend http.Handler
	// ImportLimit is the largest CSV import body, and the largest file a gzip body may
	// decompress to, in bytes (SANGATHAN_IMPORT_MAX_MIB); 0 means MaxImportBody. Imports stream,
	// so the limit bounds the time and disk an import may take, not the server's memory.
	ImportLimit int64
	// CORSOrigins are the other origins whose pages may call the API from a browser
	// (SANGATHAN_CORS_ORIGINS, checked by ParseOrigins); none by default.
	CORSOrigins []string
	// MetricsElsewhere leaves /metrics off the router: the caller serves Server.Metrics on a
	// listener of its own (SANGATHAN_METRICS_ADDR). Otherwise /metrics needs an admin's token.
	MetricsElsewhere bool
	// Replica is the read replica (SANGATHAN_READ_DATABASE_URL), or nil: authenticated GETs may
	// read from it (replica.go), /readyz reports it and /metrics shows its lag.
	Replica *database.Replica
}

// Server holds the router and the services behind it.
type Server struct {
	Deps
	router  *gin.Engine
	metrics *metrics
	reg     *prometheus.Registry
	handler http.Handler // router behind response compression
}

// New builds the router.
func New(d Deps) (*Server, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{Deps: d, router: r, metrics: newMetrics(reg), reg: reg}
	if d.Replica != nil {
		replicaMetrics(reg, d.Replica)
	}
	// Answers of 1 KB or more go gzip-compressed to clients that accept it (a phone on a slow
	// network: the state's 403 assembly figures are ~370 KB as JSON, ~35 KB compressed), at the
	// fastest level; what is compressed already (the OpenAPI document, static files) passes.
	gz, err := gzhttp.NewWrapper(gzhttp.CompressionLevel(gzip.BestSpeed))
	if err != nil {
		return nil, err
	}
	s.handler = gz(r)
	tls, err := hsts(d.TrustedProxies)
	if err != nil {
		return nil, err
	}
	r.Use(withRequestID, withLogger(d.Log), securityHeaders, tls, noStoreAPI, s.metrics.observe(d.Log), recoverProblem(d.Log), corsPolicy(d.CORSOrigins))
	s.routes()
	r.NoRoute(func(c *gin.Context) {
		if d.Frontend != nil && c.Request.Method == http.MethodGet && !isAPIPath(c.Request.URL.Path) {
			d.Frontend.ServeHTTP(c.Writer, c.Request)
			return
		}
		fail(c, http.StatusNotFound, "no such route")
	})
	r.NoMethod(func(c *gin.Context) {
		fail(c, http.StatusMethodNotAllowed, "this route does not take "+c.Request.Method)
	})
	return s, nil
}

func isAPIPath(p string) bool {
	return len(p) >= 4 && p[:4] == "/api"
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Metrics serves the Prometheus metrics, without authentication: for a listener of its own.
func (s *Server) Metrics() http.Handler { return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}) }

// Routes lists the registered method and path pairs (for the OpenAPI completeness test).
func (s *Server) Routes() gin.RoutesInfo { return s.router.Routes() }

func (s *Server) routes() {
	r := s.router
	json := limitBody(MaxJSONBody)
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	if !s.MetricsElsewhere {
		r.GET("/metrics", s.authenticate, adminOnly, gin.WrapH(s.Metrics()))
	}

	v1 := r.Group("/api/v1")
	v1.GET("/openapi.json", serveOpenAPI)
	v1.POST("/auth/login", json, withClient, s.login)
	v1.POST("/auth/refresh", json, withClient, s.refresh)
	v1.POST("/auth/logout", json, withClient, s.logout)
	v1.POST("/public/incident-reports", limitBody(MaxPublicBody), s.submitPublicReport)
	v1.GET("/public/incident-reports/:tracking_code", s.trackPublicReport)
	v1.GET("/public/districts", s.publicDistricts)

	a := v1.Group("", s.authenticate)
	a.GET("/me", s.me)

	a.POST("/units", json, s.createUnit)
	a.GET("/units", s.listUnits)
	a.GET("/units/:id", s.getUnit)
	a.GET("/units/:id/children", s.listChildren)
	a.PATCH("/units/:id", json, s.updateUnit)
	a.DELETE("/units/:id", s.deleteUnit)

	a.GET("/units/:id/committee", s.getCommittee)
	a.POST("/units/:id/committee/seats", json, s.createSeat)
	a.POST("/units/:id/committee/batch", json, s.createSeatBatch)
	a.DELETE("/units/:id/committee/seats/:seat_id", s.deleteSeat)
	a.GET("/units/:id/committee/history", s.committeeHistory)
	a.POST("/units/:id/committee/reconstitute", json, s.reconstituteCommittee)
	a.GET("/committees/due", s.dueCommittees)
	a.GET("/committee-norms", s.listCommitteeNorms)
	a.PATCH("/committee-norms/:level", json, s.updateCommitteeNorm)

	a.POST("/people", json, s.createPerson)
	a.GET("/people", s.listPeople)
	a.GET("/people/:id", s.getPerson)
	a.PATCH("/people/:id", json, s.updatePerson)
	a.DELETE("/people/:id", s.deletePerson)
	a.GET("/people/:id/seats", s.listPersonSeats)

	a.POST("/users", json, s.createUser)
	a.GET("/users", s.listUsers)
	a.GET("/users/:id", s.getUser)
	a.PATCH("/users/:id", json, s.updateUser)
	a.DELETE("/users/:id", s.deleteUser)

	a.POST("/tokens", json, s.createToken)
	a.GET("/tokens", s.listTokens)
	a.DELETE("/tokens/:id", s.deleteToken)

	a.GET("/audit", s.listAudit)

	a.GET("/units/:id/representation", s.getRepresentation)
	a.GET("/units/:id/representation/breakdown", s.getRepresentationBreakdown)
	a.GET("/units/:id/representation/gaps", s.getRepresentationGaps)
	a.GET("/exports/representation.csv", s.exportRepresentation)
	a.GET("/representation/targets", s.getTargets)
	a.PUT("/representation/targets", json, s.putTargets)

	a.POST("/incidents", json, s.createIncident)
	a.GET("/incidents", s.listIncidents)
	a.GET("/incidents/summary", s.incidentSummary)
	a.GET("/incidents/:id", s.getIncident)
	a.GET("/incidents/:id/memorandum", s.incidentMemorandum)
	a.POST("/incidents/:id/committee", json, s.formIncidentCommittee)
	a.POST("/incidents/:id/report", json, s.submitIncidentReport)
	a.POST("/incidents/:id/forward", json, s.forwardIncident)
	a.POST("/incidents/:id/close", json, s.closeIncident)
	a.GET("/incident-reports", s.listPublicReports)
	a.POST("/incident-reports/:id/accept", json, s.acceptPublicReport)
	a.POST("/incident-reports/:id/dismiss", json, s.dismissPublicReport)

	a.POST("/programs", json, s.createProgram)
	a.GET("/programs", s.listPrograms)
	a.GET("/programs/calendar", s.programCalendar)
	a.GET("/programs/counts", s.programCounts)
	a.GET("/programs/:id", s.getProgram)
	a.PATCH("/programs/:id", json, s.updateProgram)
	a.DELETE("/programs/:id", s.deleteProgram)

	a.POST("/parties", json, s.createParty)
	a.GET("/parties", s.listParties)
	a.GET("/parties/:id", s.getParty)
	a.PATCH("/parties/:id", json, s.updateParty)
	a.DELETE("/parties/:id", s.deleteParty)
	a.POST("/seat-shares", json, s.createSeatShare)
	a.GET("/seat-shares", s.listSeatShares)
	a.GET("/seat-shares/summary", s.seatShareSummary)
	a.GET("/seat-shares/seats", s.listSeats)
	a.GET("/seat-shares/:id", s.getSeatShare)
	a.PATCH("/seat-shares/:id", json, s.moveSeatShare)
	a.DELETE("/seat-shares/:id", s.deleteSeatShare)
	a.GET("/exports/seat-shares.csv", s.exportSeatShares)
	a.POST("/assignments", json, s.createAssignment)
	a.GET("/assignments", s.listAssignments)
	a.GET("/assignments/vacancies", s.assignmentVacancies)
	a.GET("/assignments/purposes", s.assignmentPurposes)
	a.GET("/assignments/:id", s.getAssignment)
	a.DELETE("/assignments/:id", limitBody(MaxJSONBody), s.endAssignment)

	a.POST("/imports/units", s.importUnits) // importBody applies the import limit
	a.GET("/exports/units.csv", s.exportUnits)
	a.POST("/imports/people", s.importPeople)
	a.GET("/exports/people.csv", s.exportPeople)
	a.GET("/exports/incidents.csv", s.exportIncidents)
	a.GET("/exports/assignments.csv", s.exportAssignments)

	// A person's requests under the DPDP Act 2023 (docs/PRIVACY.md).
	a.GET("/people/:id/data-export", s.exportPersonData)
	a.POST("/people/:id/erase", json, s.erasePerson)

	// Sessions (issue 13): one's own logins, and those of the accounts one manages.
	a.GET("/me/sessions", s.listMySessions)
	a.DELETE("/me/sessions", s.signOutEverywhere)
	a.DELETE("/me/sessions/:session_id", s.revokeMySession)
	a.GET("/users/:id/sessions", s.listUserSessions)
	a.DELETE("/users/:id/sessions", s.endUserSessions)
	a.DELETE("/users/:id/sessions/:session_id", s.revokeUserSession)

	// Two-step verification (twofactor.go).
	v1.POST("/auth/login/second-factor", json, withClient, s.loginSecondFactor)
	v1.POST("/auth/login/enrol", json, withClient, s.loginEnrol)
	a.GET("/me/second-factor", s.getSecondFactor)
	a.POST("/me/second-factor", json, s.startSecondFactor)
	a.POST("/me/second-factor/confirm", json, s.confirmSecondFactor)
	a.POST("/me/second-factor/recovery-codes", json, s.regenerateRecoveryCodes)
	a.DELETE("/me/second-factor", json, s.disableSecondFactor)
	a.DELETE("/users/:id/second-factor", s.resetSecondFactor)
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	if err := s.DB.Ping(c.Request.Context()); err != nil {
		s.Log.Warn("readiness check failed", "err", err)
		fail(c, http.StatusServiceUnavailable, "the database does not answer")
		return
	}
	// Another process took the token key over (services/token_key.go): this one's tokens are
	// refused there and theirs here, so it takes no more requests until restarted with the key.
	if current, err := s.Auth.TokenKeyCurrent(c.Request.Context()); err != nil || !current {
		if err != nil {
			s.Log.Warn("readiness check failed", "err", err)
			fail(c, http.StatusServiceUnavailable, "the database does not answer")
			return
		}
		fail(c, http.StatusServiceUnavailable, "another server process on this database signs tokens with a new key (SANGATHAN_JWT_SECRET changed): restart this one with it")
		return
	}
	if s.Replica == nil {
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
		return
	}
	// A replica that is down or lagging does not make the server unready: reads go to the
	// primary meanwhile. The answer says so, for the operator and the balancer's logs.
	st := s.Replica.Status()
	c.JSON(http.StatusOK, gin.H{"status": "ready", "replica": gin.H{"state": st.State, "serving": st.Serving,
		"reads_from":  map[bool]string{true: "replica", false: "primary"}[st.Serving],
		"lag_seconds": st.LagSeconds, "lag_bytes": st.LagBytes, "max_lag_seconds": st.MaxLagSeconds, "checked_at": st.CheckedAt}})
}
