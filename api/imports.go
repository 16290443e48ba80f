package api

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

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

// importLimit is the configured limit of an import's body and of the file it decompresses to.
func (s *Server) importLimit() int64 {
	if s.ImportLimit > 0 {
		return s.ImportLimit
	}
	return MaxImportBody
}

// errInflatedTooLarge: a gzip body decompressed past the import limit (a zip bomb, or simply a
// file too large); the import stops reading and writes nothing.
type errInflatedTooLarge struct{ limit int64 }

func (e errInflatedTooLarge) Error() string {
	return fmt.Sprintf("the file is larger than %d bytes after decompression", e.limit)
}

// inflateCap fails with errInflatedTooLarge once more than limit bytes have been read.
type inflateCap struct {
	r    io.Reader
	left int64
	err  errInflatedTooLarge
}

func (c *inflateCap) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.err
	}
	if int64(len(p)) > c.left+1 { // one byte past the cap tells "exactly the cap" from "more"
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return n + int(c.left), c.err
	}
	return n, err
}

// importBody checks the request's media type and encoding and returns the CSV it carries, read
// as it arrives: text/csv (or application/csv), gzip-compressed when Content-Encoding is gzip or
// the body is application/gzip. The body may be at most the import limit, and so may the file
// a gzip body decompresses to. gz reports a compressed body; ok is false when an error answer
// has been written.
func (s *Server) importBody(c *gin.Context) (r io.Reader, gz, ok bool) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil {
		mt = ""
	}
	switch enc := strings.ToLower(strings.TrimSpace(c.GetHeader("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		gz = true
	default:
		fail(c, http.StatusUnsupportedMediaType, "Content-Encoding "+enc+" is not supported; send the file as is or gzip-compressed")
		return nil, false, false
	}
	switch mt {
	case "text/csv", "application/csv":
	case "application/gzip", "application/x-gzip":
		gz = true
	default:
		fail(c, http.StatusUnsupportedMediaType, "send the file as text/csv, or gzip-compressed as application/gzip")
		return nil, false, false
	}
	limit := s.importLimit()
	if c.Request.ContentLength > limit {
		fail(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than the import limit of %d bytes", limit))
		return nil, false, false
	}
	var body io.Reader = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	if !gz {
		return body, false, true
	}
	zr, err := gzip.NewReader(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than the import limit of %d bytes", limit))
		} else {
			fail(c, http.StatusBadRequest, "the body is not gzip-compressed: "+err.Error())
		}
		return nil, false, false
	}
	return &inflateCap{r: zr, left: limit, err: errInflatedTooLarge{limit}}, true, true
}

type importFunc func(context.Context, services.Actor, io.Reader, services.ImportMode) (services.ImportResult, error)

// runImport streams the CSV body into load; ok is false when an error answer has been written.
func (s *Server) runImport(c *gin.Context, load importFunc) (services.ImportResult, bool) {
	body, gz, ok := s.importBody(c)
	if !ok {
		return services.ImportResult{}, false
	}
	mode := services.ImportMode(c.DefaultQuery("mode", string(services.AllOrNothing)))
	res, err := load(c.Request.Context(), actor(c), body, mode)
	var tooBig *http.MaxBytesError
	var inflated errInflatedTooLarge
	switch {
	case errors.As(err, &tooBig):
		fail(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than the import limit of %d bytes; nothing was imported", tooBig.Limit))
		return res, false
	case errors.As(err, &inflated):
		fail(c, http.StatusRequestEntityTooLarge, inflated.Error()+"; nothing was imported")
		return res, false
	case gz && (errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF)):
		fail(c, http.StatusBadRequest, "the gzip body is damaged or cut short; nothing was imported")
		return res, false
	case err != nil:
		writeError(c, err)
		return res, false
	}
	return res, true
}

func (s *Server) importUnits(c *gin.Context) {
	if res, ok := s.runImport(c, s.Imports.Units); ok {
		c.JSON(http.StatusOK, importResponse{Inserted: res.Inserted, Updated: res.Updated, Errors: res.Errors})
	}
}

func (s *Server) importPeople(c *gin.Context) {
	if res, ok := s.runImport(c, s.Imports.People); ok {
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
