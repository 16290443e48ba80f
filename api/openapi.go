package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openapiDoc is the OpenAPI 3 description of every route in routes(). It is hand-written;
// openapi_test.go checks that it is valid and that it and the router agree route for route.
//
//go:embed openapi.json
var openapiDoc []byte

// serveOpenAPI answers GET /api/v1/openapi.json with the embedded document.
func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openapiDoc)
}
