package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// httpAPI calls the server's /api/v1 over one keep-alive connection pool.
type httpAPI struct {
	base string // http://host:port, no trailing slash
	hc   *http.Client
}

func newHTTPAPI(base string, conns int, timeout time.Duration) (*httpAPI, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want http://host:port", base)
	}
	tr := &http.Transport{
		Proxy:               nil, // loopback only: never through a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns + 8,
		MaxIdleConnsPerHost: conns + 8,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	return &httpAPI{base: strings.TrimRight(base, "/"), hc: &http.Client{Transport: tr, Timeout: timeout}}, nil
}

func (a *httpAPI) close() { a.hc.CloseIdleConnections() }

// answer is the outcome of one request: a status and body, or a transport error.
type answer struct {
	status  int
	body    []byte
	err     error
	elapsed time.Duration
}

// failure names a transport error for the report: "timeout" or "transport".
func (r answer) failure() string {
	var ne net.Error
	if errors.Is(r.err, context.DeadlineExceeded) || (errors.As(r.err, &ne) && ne.Timeout()) {
		return "timeout"
	}
	return "transport"
}

// do sends one request; path starts with /api/v1 or /metrics. body, when not nil, is sent as JSON.
func (a *httpAPI) do(ctx context.Context, method, path, token string, body any) answer {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return answer{err: err}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := a.hc.Do(req)
	if err != nil {
		return answer{err: err, elapsed: time.Since(start)}
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return answer{status: resp.StatusCode, body: b, err: err, elapsed: time.Since(start)}
}

// decode reads a 2xx JSON answer into v; any other answer is an error naming the request.
func (r answer) decode(what string, v any) error {
	if r.err != nil {
		return fmt.Errorf("%s: %w", what, r.err)
	}
	if r.status/100 != 2 {
		detail := ""
		var p struct {
			Detail string `json:"detail"`
		}
		if json.Unmarshal(r.body, &p) == nil && p.Detail != "" {
			detail = ": " + p.Detail
		}
		return fmt.Errorf("%s: status %d%s", what, r.status, detail)
	}
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// The shapes of the answers the tool reads (api/*.go).
type (
	unitJSON struct {
		ID     string `json:"id"`
		Level  string `json:"level"`
		Code   string `json:"code"`
		Name   string `json:"name"`
		NameHi string `json:"name_hi"`
	}
	personJSON struct {
		ID string `json:"id"`
	}
	seatJSON struct {
		ID string `json:"id"`
	}
	userJSON struct {
		ID          string  `json:"id"`
		Username    string  `json:"username"`
		Role        string  `json:"role"`
		ScopeUnitID *string `json:"scope_unit_id"`
	}
	accountJSON struct {
		userJSON
		Active bool      `json:"active"`
		Scope  *unitJSON `json:"scope"`
	}
	sessionJSON struct {
		AccessToken string   `json:"access_token"`
		User        userJSON `json:"user"`
	}
	listJSON[T any] struct {
		Items      []T     `json:"items"`
		NextCursor *string `json:"next_cursor"`
	}
)

// listAll follows a list's cursors, at most pages pages of limit items.
func listAll[T any](ctx context.Context, a *httpAPI, path, token string, limit, pages int) ([]T, error) {
	var out []T
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	cursor := ""
	for i := 0; i < pages; i++ {
		p := fmt.Sprintf("%s%slimit=%d", path, sep, limit)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		var page listJSON[T]
		if err := a.do(ctx, http.MethodGet, p, token, nil).decode("GET "+path, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.NextCursor == nil || *page.NextCursor == "" {
			break
		}
		cursor = *page.NextCursor
	}
	return out, nil
}
