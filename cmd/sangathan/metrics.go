package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// serveMetrics serves the Prometheus metrics at /metrics on a listener of their own
// (SANGATHAN_METRICS_ADDR) without authentication: that address belongs on a monitoring network,
// and the main listener then does not serve /metrics at all. Close the returned server to stop.
func serveMetrics(addr string, h http.Handler, out io.Writer, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10}
	fmt.Fprintf(out, "Metrics are served at %s/metrics\n", baseURL(ln.Addr()))
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	return hs, nil
}
