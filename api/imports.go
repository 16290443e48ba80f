package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

type importResponse struct {
	Inserted int                   `json:"inserted"`
	Updated  int                   `json:"updated"`
	Errors   []services.FieldError `json:"errors"`
}

type peopleImportResponse struct {
	Inserted int                   `json:"inserted"`
	Updated  int                   `json:"updated"`
	Seated   int                   `json:"seated"`
	Errors   []services.FieldError `json:"errors"`
}

// csvBody checks that the request carries CSV.
func csvBody(c *gin.Context) bool {
	ct := c.GetHeader("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "text/csv" && mt != "application/csv") {
		fail(c, http.StatusUnsupportedMediaType, "send the file as text/csv")
		return false
	}
	return true
}

type importFunc func(context.Context, services.Actor, io.Reader, services.ImportMode) (services.ImportResult, error)

// runImport reads the CSV body into load; ok is false when an error answer has been written.
func runImport(c *gin.Context, load importFunc) (services.ImportResult, bool) {
	if !csvBody(c) {
		return services.ImportResult{}, false
	}
	mode := services.ImportMode(c.DefaultQuery("mode", string(services.AllOrNothing)))
	res, err := load(c.Request.Context(), actor(c), c.Request.Body, mode)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		fail(c, http.StatusRequestEntityTooLarge, "the file is larger than the import limit")
		return res, false
	}
	if err != nil {
		writeError(c, err)
		return res, false
	}
	return res, true
}

func (s *Server) importUnits(c *gin.Context) {
	if res, ok := runImport(c, s.Imports.Units); ok {
		c.JSON(http.StatusOK, importResponse{Inserted: res.Inserted, Updated: res.Updated, Errors: res.Errors})
	}
}

func (s *Server) importPeople(c *gin.Context) {
	if res, ok := runImport(c, s.Imports.People); ok {
		c.JSON(http.StatusOK, peopleImportResponse{Inserted: res.Inserted, Updated: res.Updated, Seated: res.Seated, Errors: res.Errors})
	}
}

// streamCSV answers a CSV download written by write. Once the header is out an error can only
// be logged and the stream cut short.
func streamCSV(c *gin.Context, filename string, write func(w io.Writer) error) {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := write(c.Writer); err != nil {
		logger(c).Error("export failed", "file", filename, "request_id", requestID(c), "err", err)
		if errors.Is(err, context.Canceled) {
			return
		}
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) exportUnits(c *gin.Context) {
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	sel, err := s.Exports.CheckUnits(c.Request.Context(), actor(c), under)
	if err != nil {
		writeError(c, err)
		return
	}
	streamCSV(c, "units.csv", func(w io.Writer) error { return s.Exports.Units(c.Request.Context(), sel, w) })
}

func (s *Server) exportPeople(c *gin.Context) {
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	sel, err := s.Exports.CheckPeople(c.Request.Context(), actor(c), under)
	if err != nil {
		writeError(c, err)
		return
	}
	streamCSV(c, "people.csv", func(w io.Writer) error { return s.Exports.People(c.Request.Context(), actor(c), sel, w) })
}
