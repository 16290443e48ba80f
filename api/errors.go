package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/services"
)

// problem is an RFC 9457 problem document.
type problem struct {
	Type     string                `json:"type"`
	Title    string                `json:"title"`
	Status   int                   `json:"status"`
	Detail   string                `json:"detail,omitempty"`
	Instance string                `json:"instance,omitempty"`
	Errors   []services.FieldError `json:"errors,omitempty"`
}

// statusOf is the one map from service error codes to HTTP statuses.
var statusOf = map[services.Code]int{
	services.EInvalid:         http.StatusUnprocessableEntity,
	services.EMalformed:       http.StatusBadRequest,
	services.ENotFound:        http.StatusNotFound,
	services.EConflict:        http.StatusConflict,
	services.EUnauthenticated: http.StatusUnauthorized,
	services.EForbidden:       http.StatusForbidden,
	services.ERateLimited:     http.StatusTooManyRequests,
	services.EPrecondition:    http.StatusPreconditionFailed,
	services.EUnavailable:     http.StatusServiceUnavailable,
	services.EInternal:        http.StatusInternalServerError,
}

const problemBase = "https://sangathan.app/problems/"

// writeError writes err as problem+json. Server-side failures (5xx) are logged in full to the
// server's log; internal errors are reported to the client only as "internal error", tagged with
// the request id.
func writeError(c *gin.Context, err error) {
	code := services.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := problem{Type: problemBase + string(code), Title: http.StatusText(status), Status: status, Detail: services.ErrorMessage(err), Instance: c.Request.URL.Path}
	var se *services.Error
	if errors.As(err, &se) {
		p.Errors = se.Fields
		if se.RetryAfter > 0 {
			c.Header("Retry-After", strconv.Itoa(se.RetryAfter))
		}
	}
	if status >= http.StatusInternalServerError {
		// The client learns little; the server's log gets the whole story, cause included.
		attrs := []any{"request_id", requestID(c), "route", c.FullPath(), "status", status, "err", err}
		if se != nil && se.Unwrap() != nil {
			attrs = append(attrs, "cause", se.Unwrap())
		}
		logger(c).ErrorContext(c.Request.Context(), "request failed", attrs...)
	}
	if status == http.StatusInternalServerError {
		p.Detail = "internal error; quote request id " + requestID(c)
	}
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="sangathan"`)
	}
	writeProblem(c, p)
}

func writeProblem(c *gin.Context, p problem) {
	body, err := json.Marshal(p)
	if err != nil {
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	c.Abort()
	c.Data(p.Status, "application/problem+json", body)
}

// fail writes a problem with a status and detail that did not come from a service.
func fail(c *gin.Context, status int, detail string, fields ...services.FieldError) {
	code, ok := problemTypes[status]
	if !ok {
		code = "error"
		for k, v := range statusOf {
			if v == status {
				code = string(k)
			}
		}
	}
	writeProblem(c, problem{Type: problemBase + code, Title: http.StatusText(status), Status: status, Detail: detail, Instance: c.Request.URL.Path, Errors: fields})
}

// problemTypes name the statuses that no service code produces.
var problemTypes = map[int]string{
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusMethodNotAllowed:      "method_not_allowed",
}
