package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMetricsOnTheirOwnListener: with SANGATHAN_METRICS_ADDR the metrics (and Go's profiles) are
// served there without a token, and the main listener does not serve them at all.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	setup(t)
	t.Setenv("SANGATHAN_METRICS_ADDR", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, pw, io.Discard)
		pw.Close()
	}()
	var base, metrics string
	sc := bufio.NewScanner(pr)
	mainRe := regexp.MustCompile(`open (http://\S+) in a browser`)
	metricsRe := regexp.MustCompile(`Metrics are served at (http://\S+)/metrics`)
	for (base == "" || metrics == "") && sc.Scan() {
		if m := mainRe.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
		}
		if m := metricsRe.FindStringSubmatch(sc.Text()); m != nil {
			metrics = m[1]
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if base == "" || metrics == "" {
		t.Fatalf("the server did not print both addresses (main %q, metrics %q)", base, metrics)
	}

	client := &http.Client{Timeout: 10 * time.Second}
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(base + "/healthz"); code != http.StatusOK {
		t.Fatalf("healthz: %d", code)
	}
	if code, _ := get(base + "/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the main listener: %d, want 404", code)
	}
	code, body := get(metrics + "/metrics")
	if code != http.StatusOK || !strings.Contains(body, `sangathan_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("/metrics on the metrics listener: %d\n%.500s", code, body)
	}
	// Profiles there too, and never on the main listener.
	if code, body := get(metrics + "/debug/pprof/heap?debug=1"); code != http.StatusOK || !strings.Contains(body, "heap profile") {
		t.Errorf("heap profile on the metrics listener: %d\n%.200s", code, body)
	}
	if code, _ := get(base + "/debug/pprof/heap"); code == http.StatusOK {
		t.Errorf("a profile on the main listener")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not shut down")
	}
}

// TestOpenAPICommandWritesTheServedDocument: `sangathan openapi` writes the document, without a
// database.
func TestOpenAPICommandWritesTheServedDocument(t *testing.T) {
	out, err := runCmd(t, "openapi")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "{") || !strings.Contains(out, `"openapi": "3.0.3"`) || !strings.Contains(out, `"/metrics"`) {
		t.Errorf("not the OpenAPI document:\n%.200s", out)
	}
}
