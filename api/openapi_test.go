package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapiDoc)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	return doc
}

func newRoutesOnlyServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(Deps{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestOpenAPIValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi version = %q, want 3.0.3", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers must be exactly [{url: \"/\"}], got %d server(s)", len(doc.Servers))
	}
	if doc.Components == nil || doc.Components.SecuritySchemes["bearerAuth"] == nil {
		t.Fatal("components.securitySchemes.bearerAuth is missing")
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Error("bearerAuth must be the global security requirement")
	}
}

// ginParam matches a gin path parameter (":id") so it can be rewritten as OpenAPI's "{id}".
var ginParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

func openAPIPath(ginPath string) string { return ginParam.ReplaceAllString(ginPath, "{$1}") }

// documentedOperations lists "METHOD /path" for every operation in the document.
func documentedOperations(doc *openapi3.T) map[string]*openapi3.Operation {
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

func registeredRoutes(s *Server) map[string]bool {
	routes := map[string]bool{}
	for _, r := range s.Routes() {
		routes[r.Method+" "+openAPIPath(r.Path)] = true
	}
	return routes
}

func TestOpenAPICoversEveryRoute(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := documentedOperations(doc)
	registered := registeredRoutes(newRoutesOnlyServer(t))
	if len(registered) == 0 {
		t.Fatal("the router lists no routes")
	}

	var missing, extra []string
	for r := range registered {
		if documented[r] == nil {
			missing = append(missing, r)
		}
	}
	for op := range documented {
		if !registered[op] {
			extra = append(extra, op)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, r := range missing {
		t.Errorf("route %s is registered in routes() but not described in openapi.json", r)
	}
	for _, op := range extra {
		t.Errorf("operation %s is described in openapi.json but no such route is registered", op)
	}

	// Every operation states its success answer; routes behind authenticate must document 401,
	// and routes open to everyone must say so with an empty security requirement.
	public := map[string]bool{
		"GET /healthz": true, "GET /readyz": true, "GET /api/v1/openapi.json": true,
		"POST /api/v1/auth/login": true, "POST /api/v1/auth/refresh": true, "POST /api/v1/auth/logout": true,
		"POST /api/v1/auth/login/second-factor": true, "POST /api/v1/auth/login/enrol": true,
		"POST /api/v1/public/incident-reports": true, "GET /api/v1/public/incident-reports/{tracking_code}": true, "GET /api/v1/public/districts": true,
	}
	for key, op := range documented {
		if op.OperationID == "" {
			t.Errorf("operation %s has no operationId", key)
		}
		hasSuccess := false
		for code := range op.Responses.Map() {
			if strings.HasPrefix(code, "2") {
				hasSuccess = true
			}
		}
		if !hasSuccess {
			t.Errorf("operation %s documents no 2xx answer", key)
		}
		if public[key] {
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("operation %s needs no token and must declare security: []", key)
			}
			continue
		}
		if op.Security != nil {
			t.Errorf("operation %s requires a token and must use the global bearerAuth requirement", key)
		}
		if op.Responses.Value("401") == nil {
			t.Errorf("operation %s requires a token but does not document 401", key)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	s := newRoutesOnlyServer(t)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json = %d, want 200: %s", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("the served document is not JSON: %v", err)
	}
	if body["openapi"] != "3.0.3" {
		t.Errorf("served openapi = %v, want 3.0.3", body["openapi"])
	}
	if _, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes()); err != nil {
		t.Errorf("the served document does not load as OpenAPI: %v", err)
	}

	// A browser accepts gzip: the same document, compressed; one that refuses it gets it plain.
	for enc, gz := range map[string]bool{"gzip, deflate, br": true, "br;q=1.0, gzip;q=0.5": true, "gzip;q=0": false, "identity": false} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
		req.Header.Set("Accept-Encoding", enc)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if gz {
			if rec.Header().Get("Content-Encoding") != "gzip" {
				t.Fatalf("Accept-Encoding %q: Content-Encoding %q, want gzip", enc, rec.Header().Get("Content-Encoding"))
			}
			r, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(r); err != nil {
				t.Fatal(err)
			}
			if rec.Body.Len()*4 > len(body) {
				t.Errorf("compressed to %d of %d bytes: not compressed", rec.Body.Len(), len(body))
			}
		} else if rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want none", enc, rec.Header().Get("Content-Encoding"))
		}
		if !bytes.Equal(body, openapiDoc) {
			t.Errorf("Accept-Encoding %q: the document differs from the embedded one", enc)
		}
		if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("no Vary: Accept-Encoding")
		}
	}
}

// TestOpenAPISchemasPart: ?part=schemas answers the schemas the UI reads its lists from — the
// same enums and extensions as the whole document, in the same shape — without the prose, and
// a fraction of the size; any other part is a 422 naming the parameter.
func TestOpenAPISchemasPart(t *testing.T) {
	t.Parallel()
	s := newEmptyServer(t)
	var full, part struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
		Paths map[string]any `json:"paths"`
	}
	rec := s.do(t, http.MethodGet, "/api/v1/openapi.json", "", nil)
	wantStatus(t, rec, http.StatusOK)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &full))
	rec = s.do(t, http.MethodGet, "/api/v1/openapi.json?part=schemas", "", nil)
	wantStatus(t, rec, http.StatusOK)
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &part))
	assert.Empty(t, part.Paths)
	require.Equal(t, len(full.Components.Schemas), len(part.Components.Schemas))
	for name, sch := range full.Components.Schemas {
		assert.Equal(t, sch["enum"], part.Components.Schemas[name]["enum"], name)
		_, hasText := part.Components.Schemas[name]["description"].(string)
		assert.False(t, hasText, "%s keeps its description", name)
	}
	assert.Equal(t, full.Components.Schemas["Position"]["x-single-holder"], part.Components.Schemas["Position"]["x-single-holder"])
	// A field called description is a field, not prose.
	props := part.Components.Schemas["Incident"]["properties"].(map[string]any)
	assert.Contains(t, props, "description")

	zipped := func(path string) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := s.send(req)
		wantStatus(t, rec, http.StatusOK)
		assert.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
		return rec.Body.Len()
	}
	whole, schemas := zipped("/api/v1/openapi.json"), zipped("/api/v1/openapi.json?part=schemas")
	t.Logf("gzip: whole document %d B, schemas part %d B", whole, schemas)
	assert.Less(t, schemas*4, whole, "the part is a fraction of the document")

	p := wantProblem(t, s.do(t, http.MethodGet, "/api/v1/openapi.json?part=paths", "", nil), http.StatusUnprocessableEntity)
	assert.Equal(t, []string{"part"}, problemFields(p))
}
