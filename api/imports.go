package api

import (
	"context"
	"errors"
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

func (s *Server) importUnits(c *gin.Context) {
	if !csvBody(c) {
		return
	}
	mode := services.ImportMode(c.DefaultQuery("mode", string(services.AllOrNothing)))
	res, err := s.Imports.Units(c.Request.Context(), actor(c), c.Request.Body, mode)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		fail(c, http.StatusRequestEntityTooLarge, "the file is larger than the import limit")
		return
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, importResponse{Inserted: res.Inserted, Updated: res.Updated, Errors: res.Errors})
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
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="units.csv"`)
	c.Status(http.StatusOK)
	if err := s.Exports.Units(c.Request.Context(), sel, c.Writer); err != nil {
		// The header is gone; all we can do is log and cut the stream short.
		s.Log.Error("export units failed", "request_id", requestID(c), "err", err)
		if errors.Is(err, context.Canceled) {
			return
		}
		panic(http.ErrAbortHandler)
	}
}

type peopleImportResponse struct {
	Inserted int                   `json:"inserted"`
	Updated  int                   `json:"updated"`
	Seated   int                   `json:"seated"`
	Errors   []services.FieldError `json:"errors"`
}

func (s *Server) importPeople(c *gin.Context) {
	if !csvBody(c) {
		return
	}
	mode := services.ImportMode(c.DefaultQuery("mode", string(services.AllOrNothing)))
	res, err := s.Imports.People(c.Request.Context(), actor(c), c.Request.Body, mode)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		fail(c, http.StatusRequestEntityTooLarge, "the file is larger than the import limit")
		return
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, peopleImportResponse{Inserted: res.Inserted, Updated: res.Updated, Seated: res.Seated, Errors: res.Errors})
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
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="people.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := s.Exports.People(c.Request.Context(), actor(c), sel, c.Writer); err != nil {
		logger(c).Error("export people failed", "request_id", requestID(c), "err", err)
		if errors.Is(err, context.Canceled) {
			return
		}
		panic(http.ErrAbortHandler)
	}
}
