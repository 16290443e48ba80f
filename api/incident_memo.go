package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// memoCSP lets the memorandum's own inline style (by its hash) through and nothing else: no
// scripts, no images, no requests, no forms.
var memoCSP = "default-src 'none'; style-src " + services.MemoStyleHash + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// incidentMemorandum answers the memorandum (ज्ञापन) of an incident as a printable HTML page:
// ?lang=hi|en (default hi), ?to=governor|dm (default governor).
func (s *Server) incidentMemorandum(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	page, err := s.Incidents.Memorandum(c.Request.Context(), actor(c), id, c.Query("lang"), c.Query("to"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Security-Policy", memoCSP)
	c.Data(http.StatusOK, "text/html; charset=utf-8", page)
}
