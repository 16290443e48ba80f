package services

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/sangathan/sangathan/models"
)

// Paging limits for every list.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// PageRequest asks for one page of a list ordered by id.
type PageRequest struct {
	Limit  int
	Cursor string
}

// Page is one page of a list and the cursor of the next, "" at the end.
type Page[T any] struct {
	Items      []T
	NextCursor string
}

// bounds validates the request and returns the limit and the id to continue after.
func (p PageRequest) bounds() (limit int, after int64, err error) {
	limit = p.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return 0, 0, invalid("limit", "out_of_range", map[string]any{"min": 1, "max": MaxLimit}, "must be between 1 and %d", MaxLimit)
	}
	if p.Cursor != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(p.Cursor)
		if derr != nil {
			return 0, 0, invalid("cursor", "cursor_invalid", nil, "is not a cursor this server issued")
		}
		after, derr = strconv.ParseInt(string(raw), 10, 64)
		if derr != nil || after < 0 {
			return 0, 0, invalid("cursor", "cursor_invalid", nil, "is not a cursor this server issued")
		}
	}
	return limit, after, nil
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// paginate trims a result fetched with limit+1 rows and sets the next cursor.
func paginate[T any](rows []T, limit int, id func(T) int64) Page[T] {
	return paginateBy(rows, limit, func(r T) string { return encodeCursor(id(r)) })
}

// paginateBy is paginate for a list whose cursor is not an id alone: cursor writes it for the
// last row of the page.
func paginateBy[T any](rows []T, limit int, cursor func(T) string) Page[T] {
	p := Page[T]{Items: rows}
	if len(rows) > limit {
		p.Items = rows[:limit]
		p.NextCursor = cursor(rows[limit-1])
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// pathCursor is where a list ordered by (path, id) goes on: after the row with this path and id.
type pathCursor struct {
	path string
	id   int64
}

// pathBounds is bounds for a list ordered by a unit path and then id; its cursor carries both.
func (p PageRequest) pathBounds() (limit int, after pathCursor, err error) {
	limit, _, err = PageRequest{Limit: p.Limit}.bounds()
	if err != nil || p.Cursor == "" {
		return limit, after, err
	}
	bad := invalid("cursor", "cursor_invalid", nil, "is not a cursor this server issued")
	raw, derr := base64.RawURLEncoding.DecodeString(p.Cursor)
	if derr != nil {
		return 0, after, bad
	}
	path, id, ok := strings.Cut(string(raw), "|")
	after.id, derr = strconv.ParseInt(id, 10, 64)
	if !ok || derr != nil || after.id <= 0 || !models.ValidPath(path) {
		return 0, after, bad
	}
	after.path = path
	return limit, after, nil
}

func encodePathCursor(path string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(path + "|" + strconv.FormatInt(id, 10)))
}
