package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// Units, people and accounts carry a version that every write raises. An answer with one of them
// names its version as a strong ETag ("v3"); PATCH and DELETE take the version the client edited
// in If-Match, and a stale one answers 412 naming the current version.

// etag is the ETag of a version.
func etag(version int64) string { return `"v` + strconv.FormatInt(version, 10) + `"` }

// setETag names the version of the object in the answer.
func setETag(c *gin.Context, version int64) { c.Header("ETag", etag(version)) }

// ifMatch reads If-Match: nil when it is absent or "*" (any version), else the version it names.
// "v3" and W/"v3" are accepted (a proxy may weaken an ETag); anything else answers 400 and ok is
// false.
func ifMatch(c *gin.Context) (version *int64, ok bool) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" || h == "*" {
		return nil, true
	}
	tag := strings.TrimPrefix(h, "W/")
	if len(tag) >= 4 && strings.HasPrefix(tag, `"v`) && strings.HasSuffix(tag, `"`) {
		n, err := strconv.ParseInt(tag[2:len(tag)-1], 10, 64)
		if err == nil && n > 0 && strconv.FormatInt(n, 10) == tag[2:len(tag)-1] {
			return &n, true
		}
	}
	fail(c, http.StatusBadRequest, `If-Match must be one ETag of this API, such as "v3", or *`,
		services.FieldError{Field: "If-Match", Message: `must be one ETag of this API, such as "v3", or *`, Code: "etag_invalid"})
	return nil, false
}

// deleteIfMatch answers a DELETE of the object named by the path's id: del removes it if its
// version is still the one If-Match names (or any, without the header); 204 once it is gone.
func deleteIfMatch(c *gin.Context, del func(ctx context.Context, a services.Actor, id int64, ifMatch *int64) error) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	if err := del(c.Request.Context(), actor(c), id, version); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
