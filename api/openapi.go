package api

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// openapiDoc is the OpenAPI 3 description of every route in routes(). It is hand-written;
// openapi_test.go checks that it is valid and that it and the router agree route for route.
//
//go:embed openapi.json
var openapiDoc []byte

// openapiGzip is the document compressed once.
var openapiGzip = gzipOnce(openapiDoc)

// openapiSchemas is the part the web UI reads on every first load — the lists of allowed values
// (positions, categories, kinds, …) in components.schemas — without the prose: the document's
// shape ({"components":{"schemas":…}}) with every description, summary, title and example left
// out. About 7 KB compressed where the whole document is over 60 KB, which on a phone's slow
// network is the difference between a dashboard that waits and one that does not.
var openapiSchemas = func() []byte {
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		panic("api: openapi.json: " + err.Error())
	}
	for name, s := range doc.Components.Schemas {
		doc.Components.Schemas[name] = withoutProse(s, false)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return b
}()

var openapiSchemasGzip = gzipOnce(openapiSchemas)

// withoutProse drops the human text of a schema: string descriptions, summaries and titles, and
// examples. Inside "properties" the keys are field names (a field may be called description),
// so they stay.
func withoutProse(v any, inProperties bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if !inProperties {
				if _, text := x.(string); text && (k == "description" || k == "summary" || k == "title") {
					continue
				}
				if k == "example" || k == "examples" {
					continue
				}
			}
			out[k] = withoutProse(x, !inProperties && k == "properties")
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = withoutProse(x, false)
		}
		return out
	}
	return v
}

func gzipOnce(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// serveOpenAPI answers GET /api/v1/openapi.json with the embedded document — or, with
// ?part=schemas, its schemas without the prose — gzip-compressed for a client that accepts it.
func serveOpenAPI(c *gin.Context) {
	doc, zipped := openapiDoc, openapiGzip
	switch part, given := c.GetQuery("part"); {
	case !given:
	case part == "schemas":
		doc, zipped = openapiSchemas, openapiSchemasGzip
	default:
		writeError(c, &services.Error{Code: services.EInvalid, Message: "part must be schemas",
			Fields: []services.FieldError{{Field: "part", Code: "one_of", Message: "must be schemas", Params: map[string]any{"allowed": []string{"schemas"}}}}})
		return
	}
	c.Header("Vary", "Accept-Encoding")
	if AcceptsGzip(c.GetHeader("Accept-Encoding")) {
		c.Header("Content-Encoding", "gzip")
		c.Data(http.StatusOK, "application/json", zipped)
		return
	}
	c.Data(http.StatusOK, "application/json", doc)
}

// AcceptsGzip reports whether an Accept-Encoding header admits gzip (and does not refuse it
// with q=0).
func AcceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
