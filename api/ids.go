package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// jsonID is an id as the API speaks it: an opaque string, though a bare number is accepted too.
type jsonID string

// UnmarshalJSON accepts "12" and 12.
func (j *jsonID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*j = jsonID(s)
		return nil
	}
	*j = jsonID(b)
	return nil
}

// parse turns the id into a number; field names it in the error.
func (j jsonID) parse(field string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(string(j)), 10, 64)
	if err != nil || id <= 0 {
		return 0, &services.Error{Code: services.EInvalid, Message: "validation failed", Fields: []services.FieldError{{Field: field, Message: "is not a valid id", Code: "id_invalid"}}}
	}
	return id, nil
}

func optID(field string, j *jsonID) (*int64, error) {
	if j == nil {
		return nil, nil
	}
	id, err := j.parse(field)
	if err != nil {
		return nil, err
	}
	return &id, nil
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

func optIDString(id *int64) *string {
	if id == nil {
		return nil
	}
	s := idString(*id)
	return &s
}

// pathID reads an id from the URL; an id that cannot exist is simply not found.
func pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		fail(c, http.StatusNotFound, "not found")
		return 0, false
	}
	return id, true
}

// queryID reads an optional id filter from the query string.
func queryID(c *gin.Context, name string) (*int64, bool) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return nil, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: name, Message: "is not a valid id", Code: "id_invalid"})
		return nil, false
	}
	return &id, true
}

// queryInt reads an optional whole-number query parameter; a malformed one is answered 422.
func queryInt(c *gin.Context, name string) (*int, bool) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return nil, true
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: name, Message: "must be a whole number", Code: "wrong_type", Params: map[string]any{"type": "integer"}})
		return nil, false
	}
	return &n, true
}

// queryBool reads an optional true/false query parameter; a malformed one is answered 422.
func queryBool(c *gin.Context, name string) (*bool, bool) {
	v, ok := c.GetQuery(name)
	if !ok || v == "" {
		return nil, true
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: name, Message: "must be true or false", Code: "wrong_type", Params: map[string]any{"type": "boolean"}})
		return nil, false
	}
	return &b, true
}

// pageRequest reads limit and cursor.
func pageRequest(c *gin.Context) (services.PageRequest, bool) {
	pr := services.PageRequest{Cursor: c.Query("cursor")}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: "limit", Message: "must be a whole number", Code: "wrong_type", Params: map[string]any{"type": "integer"}})
			return pr, false
		}
		if n == 0 {
			n = -1 // an explicit 0 is out of range, not "the default"
		}
		pr.Limit = n
	}
	return pr, true
}

// bindJSON decodes the body into v. Malformed JSON is a 400, and so is a body that is not valid
// UTF-8 (the decoder would quietly store U+FFFD in its place); a value of the wrong type is a 422
// naming the field, and a body over the limit a 413.
func bindJSON(c *gin.Context, v any) bool {
	body, err := io.ReadAll(c.Request.Body)
	if err == nil && !utf8.Valid(body) {
		fail(c, http.StatusBadRequest, "the request body is not valid UTF-8")
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err == nil {
		err = dec.Decode(v)
	}
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("trailing data after the JSON value")
		}
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var synErr *json.SyntaxError
	switch {
	case errors.As(err, &tooBig):
		fail(c, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", tooBig.Limit))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: field, Message: "must be a " + jsonKind(typeErr.Type.Kind().String()), Code: "wrong_type", Params: map[string]any{"type": jsonKind(typeErr.Type.Kind().String())}})
	case errors.As(err, &synErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		fail(c, http.StatusBadRequest, "the request body is not valid JSON")
	default:
		fail(c, http.StatusBadRequest, "the request body is not valid JSON: "+err.Error())
	}
	return false
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "number"
	case k == "string":
		return "string"
	case k == "bool":
		return "boolean"
	case k == "slice":
		return "list"
	case k == "struct", k == "map":
		return "object"
	}
	return "value of another type"
}
