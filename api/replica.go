package api

import (
	"context"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/services"
)

// Reads and the read replica (database/replica.go). With a replica configured, an authenticated
// GET may read from it, provided it has replayed the caller's last write; every other request
// reads from the primary. A request that may have written (any other method, answered below
// 400) records the primary's WAL position for its user before the first byte of its answer
// leaves, so that the page the client loads next — from this process or another — sees it.

// routeReads, at the end of authenticate, sets where the request reads and runs the handler.
func (s *Server) routeReads(c *gin.Context, a services.Actor) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead:
		// A reader who wrote since the replica's last check: ask it whether it has the write now.
		s.Replica.CatchUp(c.Request.Context(), a.WroteLSN)
		c.Request = c.Request.WithContext(database.ReplicaReads(c.Request.Context(), a.WroteLSN))
		c.Next()
	default:
		w := &markingWriter{ResponseWriter: c.Writer, mark: func() { s.markWrite(c, a.UserID) }}
		c.Writer = w
		c.Next()
		// An answer without a body (204) is written by gin after the handlers: mark first.
		w.markIfOK()
	}
}

// markWrite records the user's write position (with a replica only); a failure costs only
// freshness, so it is logged and the request goes on.
func (s *Server) markWrite(c *gin.Context, userID int64) {
	if s.Replica == nil || userID == 0 {
		return
	}
	if err := s.Auth.MarkWrite(context.WithoutCancel(c.Request.Context()), userID); err != nil {
		s.Log.Warn("could not record a write's position: the user's next reads may be stale", "request_id", requestID(c), "err", err)
	}
}

// markingWriter calls mark once, before the first byte of an answer below 400 is written.
type markingWriter struct {
	gin.ResponseWriter
	mark func()
	once sync.Once
}

func (w *markingWriter) markIfOK() {
	if w.ResponseWriter.Status() < http.StatusBadRequest {
		w.once.Do(w.mark)
	}
}

func (w *markingWriter) Write(b []byte) (int, error) {
	w.markIfOK()
	return w.ResponseWriter.Write(b)
}

func (w *markingWriter) WriteString(s string) (int, error) {
	w.markIfOK()
	return w.ResponseWriter.WriteString(s)
}

func (w *markingWriter) WriteHeaderNow() {
	w.markIfOK()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *markingWriter) Flush() {
	w.markIfOK()
	w.ResponseWriter.Flush()
}

// replicaMetrics exports the replica's lag and where reads went.
func replicaMetrics(reg prometheus.Registerer, r *database.Replica) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sangathan_replica_lag_seconds",
			Help: "How old, at most, the newest data missing on the read replica is (-1: unknown, the replica is down)."},
			func() float64 { return r.Status().LagSeconds }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sangathan_replica_lag_bytes",
			Help: "WAL the read replica has still to replay, in bytes (-1: unknown)."},
			func() float64 { return float64(r.Status().LagBytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "sangathan_replica_serving",
			Help: "1 while reads may go to the read replica; 0 while they go to the primary (down, lagging, catching up)."},
			func() float64 {
				if r.Status().Serving {
					return 1
				}
				return 0
			}),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sangathan_db_reads_total", ConstLabels: prometheus.Labels{"pool": "replica"},
			Help: "Reads of authenticated GETs (statements outside read-write transactions, and read-only transactions), by the database that answered them; the token check of every request is on the primary and not counted."},
			func() float64 { n, _ := r.Reads(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sangathan_db_reads_total", ConstLabels: prometheus.Labels{"pool": "primary"},
			Help: "Reads of authenticated GETs (statements outside read-write transactions, and read-only transactions), by the database that answered them; the token check of every request is on the primary and not counted."},
			func() float64 { _, n := r.Reads(); return float64(n) }),
	)
}
