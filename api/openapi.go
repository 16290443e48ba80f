package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

//go:embed openapi.json
var openapiDoc []byte

func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openapiDoc)
}
