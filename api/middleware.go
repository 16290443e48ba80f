package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

const (
	ctxRequestID = "sangathan.request_id"
	ctxActor     = "sangathan.actor"
	ctxLog       = "sangathan.log"
	headerReqID  = "X-Request-ID"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// withRequestID takes a well-formed X-Request-ID from the client or makes one, and echoes it.
func withRequestID(c *gin.Context) {
	id := c.GetHeader(headerReqID)
	if !validRequestID.MatchString(id) {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(ctxRequestID, id)
	c.Header(headerReqID, id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// withLogger hands the server's logger to error paths that have only the request.
func withLogger(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(ctxLog, log)
		c.Next()
	}
}

// logger is the server's logger (Deps.Log), or the process default outside a request of the server.
func logger(c *gin.Context) *slog.Logger {
	if v, ok := c.Get(ctxLog); ok {
		if l, ok := v.(*slog.Logger); ok && l != nil {
			return l
		}
	}
	return slog.Default()
}

// metrics records the count and latency of requests by route pattern (never by raw path, which
// would make a series per id).
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "sangathan_http_requests_total", Help: "HTTP requests by method, route and status."}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "sangathan_http_request_duration_seconds", Help: "HTTP request latency by method and route.", Buckets: prometheus.DefBuckets}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// observe logs and counts each request. The log line has no query string, body or headers:
// those can carry names, phone numbers and tokens.
func (m *metrics) observe(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		elapsed := time.Since(start)
		method := methodLabel(c.Request.Method)
		m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(method, route).Observe(elapsed.Seconds())
		attrs := []any{"method", method, "route", route, "status", status,
			"duration_ms", float64(elapsed.Microseconds()) / 1000, "bytes", c.Writer.Size(), "request_id", requestID(c)}
		if a, ok := c.Get(ctxActor); ok {
			attrs = append(attrs, "user_id", a.(services.Actor).UserID)
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.Log(c.Request.Context(), level, "request", attrs...)
	}
}

// methodLabel is the method as a metrics label: the standard ones by name, any other as "OTHER",
// so that requests with made-up methods cannot add series without bound.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// noStoreAPI forbids caching of every /api answer, errors included: they carry tokens and
// personal data, which must not linger in browser or proxy caches.
func noStoreAPI(c *gin.Context) {
	if isAPIPath(c.Request.URL.Path) {
		c.Header("Cache-Control", "no-store")
	}
	c.Next()
}

// adminOnly lets only administrators through (after authenticate).
func adminOnly(c *gin.Context) {
	if actor(c).Role != models.RoleAdmin {
		writeError(c, services.Errorf(services.EForbidden, "only an administrator may do this"))
		return
	}
	c.Next()
}

// limitBody caps the request body; reading past the cap fails with *http.MaxBytesError (413).
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			fail(c, http.StatusRequestEntityTooLarge, "the request body is larger than "+strconv.FormatInt(n, 10)+" bytes")
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

// recoverProblem turns a panic into a logged 500 problem.
func recoverProblem(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				log.Error("panic", "request_id", requestID(c), "route", c.FullPath(), "panic", r)
				if !c.Writer.Written() {
					fail(c, http.StatusInternalServerError, "internal error; quote request id "+requestID(c))
				}
			}
		}()
		c.Next()
	}
}

// authenticate requires a valid bearer token and stores the actor for handlers.
func (s *Server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		writeError(c, services.Errorf(services.EUnauthenticated, "a bearer token is required"))
		return
	}
	a, err := s.Auth.Authenticate(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		writeError(c, err)
		return
	}
	a.RequestID = requestID(c)
	c.Set(ctxActor, a)
	if s.Replica != nil {
		s.routeReads(c, a)
		return
	}
	c.Next()
}

// actor is the one typed way for handlers to get the authenticated user.
func actor(c *gin.Context) services.Actor {
	a, _ := c.Get(ctxActor)
	act, _ := a.(services.Actor)
	return act
}

// securityHeaders are sent on every answer.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	c.Next()
}
