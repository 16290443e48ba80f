package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// serveMetrics serves the Prometheus metrics at /metrics on a listener of their own
// (SANGATHAN_METRICS_ADDR) without authentication: that address belongs on a monitoring network,
// and the main listener then does not serve /metrics at all. The same listener serves Go's
// profiles at /debug/pprof/ (CPU, heap, goroutines: where the time and memory go, never the
// data itself), for finding out why the server is slow under load. Close the returned server
// to stop.
func serveMetrics(addr string, h http.Handler, out io.Writer, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10}
	fmt.Fprintf(out, "Metrics are served at %s/metrics\n", baseURL(ln.Addr(), false))
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	return hs, nil
}
