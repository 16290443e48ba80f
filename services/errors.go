// Package services holds Sangathan's business rules: one service per area, each method taking
// a context and the acting user, checking scope, validating and running in one transaction.
// Services know nothing of HTTP.
package services

import (
	"database/sql"
	"database/sql/driver"
	"net"

	"errors"
	"fmt"
	"github.com/jackc/pgx/v5/pgconn"
	"strings"

	"gorm.io/gorm"
)

// Code classifies an error for callers; the API maps each code to one HTTP status.
type Code string

// The error codes.
const (
	EInvalid         Code = "invalid"         // the input failed validation (422)
	EMalformed       Code = "malformed"       // the input could not be read at all (400)
	ENotFound        Code = "not_found"       // no such object, or not visible to the actor (404)
	EConflict        Code = "conflict"        // a uniqueness or state rule (409)
	EUnauthenticated Code = "unauthenticated" // no valid credentials (401)
	EForbidden       Code = "forbidden"       // outside the actor's role or scope (403)
	ERateLimited     Code = "rate_limited"    // too many attempts (429)
	EUnavailable     Code = "unavailable"     // the database does not answer (503)
	EInternal        Code = "internal"        // anything else (500)
)

// EPrecondition means the record changed since the caller read it: the version the caller
// expected (an HTTP If-Match) is no longer the stored one (412).
const EPrecondition Code = "precondition_failed"

// FieldError names one bad field. Line is set for CSV imports (the header is line 1).
type FieldError struct {
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
	// Code names the rule that failed, stably, so that a client can say it in its reader's
	// language (FieldCodes lists them); Params are the values the message names.
	Code   string         `json:"code,omitempty"`
	Params map[string]any `json:"params,omitempty"`
}

// FieldCodes are the codes a FieldError carries, with what each means; the OpenAPI document
// lists them.
var FieldCodes = map[string]string{
	"required":                  "the field is required",
	"too_long":                  "the text is longer than params.max characters, or not plain text",
	"one_of":                    "the value must be one of params.allowed",
	"age_out_of_range":          "the birth year gives an age outside params.min..params.max",
	"phone_invalid":             "not an Indian mobile number",
	"voter_id_invalid":          "not an EPIC number (three letters, seven digits)",
	"voter_id_taken":            "another person already has this voter ID",
	"position_taken":            "the single-holder position is already held on this committee",
	"already_seated":            "the person already sits on this committee",
	"committee_full":            "the committee already has its maximum of params.max seats",
	"booth_agent_booth":         "a booth-level agent sits only on a booth committee",
	"person_not_in_scope":       "no such person in the reader's scope",
	"list_empty":                "the list must hold at least one item",
	"list_too_long":             "the list holds more than params.max items",
	"person_or_id":              "give either person_id or person, not both or neither",
	"duplicate_in_batch":        "the value is also given in the row params.row",
	"not_text":                  "not plain UTF-8 text: control characters or invalid bytes",
	"too_short":                 "the text is shorter than params.min characters",
	"out_of_range":              "the number lies outside params.min..params.max (either may be absent)",
	"wrong_type":                "the value is not of JSON type params.type",
	"exceeds":                   "the number is larger than the field params.limit",
	"not_applicable":            "the field applies only to units of params.levels",
	"duplicate":                 "the value is given twice",
	"either_or":                 "give exactly one of params.fields",
	"census_group":              "the census gives shares only for params.allowed",
	"code_format":               "a unit code: 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
	"username_format":           "a username: 3 to 64 lower-case letters, digits, '.', '_' or '-'",
	"id_invalid":                "not an id of this API",
	"date_invalid":              "not a date (YYYY-MM-DD) or an RFC 3339 time",
	"cursor_invalid":            "not a cursor this list gave",
	"sort_invalid":              "not a sort order this list offers",
	"etag_invalid":              "not an ETag of this API, such as \"v3\", or *",
	"version_mismatch":          "the record changed since it was read; params.current is its version now",
	"code_taken":                "another unit already has this code",
	"username_taken":            "another account already has this username",
	"unit_not_in_scope":         "no such unit in the reader's scope",
	"parent_invalid":            "a params.level cannot be placed under a params.parent_level (or has no parent)",
	"parent_self":               "a unit cannot be moved under itself",
	"parent_loop":               "the file's parent codes form a loop",
	"parent_new":                "an existing unit cannot move under a unit created in the same file",
	"parliamentary_invalid":     "the unit is not a parliamentary (Lok Sabha) constituency",
	"level_fixed":               "a stored unit's level (params.level) cannot change",
	"level_not_under":           "a params.level has no params.by under it",
	"top_level_admin":           "only an administrator may create or change a top-level unit",
	"scope_level":               "a params.role's scope must be a params.level",
	"role_not_below":            "the role must be below the actor's own",
	"password_wrong":            "the current password does not match",
	"duplicate_in_file":         "the value is also given on line params.line of the file",
	"line_has_errors":           "the row refers to line params.line, which has errors",
	"unknown_column":            "the CSV column is not one of params.allowed",
	"column_missing":            "a required CSV column is missing",
	"csv_unreadable":            "the CSV cannot be read here (a stray quote or similar)",
	"field_count":               "the row has params.got fields where the header has params.want",
	"more_errors":               "params.count more errors are not shown",
	"level_not_allowed":         "the unit must be of one of params.levels",
	"date_future":               "the date lies after today (params.today)",
	"date_before":               "the date lies before params.min, the date in params.field",
	"convener_not_member":       "the convener must be one of the committee's members",
	"date_too_old":              "the date lies more than params.days days back, before params.min",
	"district_unknown":          "no district has this code",
	"ends_before_start":         "the end lies before the start (params.starts_at)",
	"held_only":                 "recorded only for a program with status held",
	"not_started":               "a program is held only once it has started (params.starts_at)",
	"incident_not_in_scope":     "no such incident in the reader's scope",
	"outside_incident_district": "the unit lies outside the district of the incident (params.district)",
	"party_taken":               "another party already has this name or short name",
	"party_has_seats":           "the party holds params.seats seat shares; move or delete them first",
	"party_unknown":             "no such party",
	"seat_taken":                "the seat is already allotted to params.short_name for this election",
	"election_format":           "an election's name ends in its year, such as \"Lok Sabha 2029\"",
	"assignment_overlaps":       "the person is already in charge of this unit for this purpose from params.starts_on until params.ends_on (null: open-ended), assignment params.assignment_id",
	// Two-step verification.
	"otp_wrong":           "the code from the authenticator app is wrong, expired or already used",
	"recovery_code_wrong": "not an unused recovery code of this account",
	"challenge_expired":   "the login's second step came too late, after too many wrong codes, or twice: log in again",
}

// AddCode records that field is wrong under rule code (FieldCodes), with its parameters.
func (f *Fields) AddCode(field, code string, params map[string]any, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...), Code: code, Params: params})
}

// Error is a typed application error.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// RetryAfter is a hint in seconds for ERateLimited.
	RetryAfter int
	// Data carries a result that travels with the error (an import's counts).
	Data any
	// cause is the underlying error, for logs only.
	cause error
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.cause }

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return string(e.Code) + ": " + e.Message
	}
	parts := make([]string, 0, 4)
	for i, f := range e.Fields {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(e.Fields)-3))
			break
		}
		if f.Line > 0 {
			parts = append(parts, fmt.Sprintf("line %d: %s: %s", f.Line, f.Field, f.Message))
		} else {
			parts = append(parts, f.Field+": "+f.Message)
		}
	}
	return string(e.Code) + ": " + e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EInternal for foreign errors and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ENotFound
	}
	if unavailable(err) {
		return EUnavailable
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if unavailable(err) {
		return unavailableMessage
	}
	return "internal error"
}

const unavailableMessage = "the database is not available; try again shortly"

// Fields collects field errors for a Validate method.
type Fields []FieldError

// Err returns an EInvalid error holding the fields, or nil when there are none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Message: "validation failed", Fields: f}
}

// invalid is a shortcut for one bad field, wrong under rule code (FieldCodes).
func invalid(field, code string, params map[string]any, format string, args ...any) error {
	var f Fields
	f.AddCode(field, code, params, format, args...)
	return f.Err()
}

// dbErr translates database errors: unique violations become conflicts, missing rows not found.
// Anything else is wrapped as internal with op as its prefix.
func dbErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	// The SQLite driver translates only some constraint errors; its messages name the rest.
	// COPY bypasses GORM, so PostgreSQL's own codes are read too.
	msg := err.Error()
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return Errorf(EConflict, "already exists")
		case "23503":
			return Errorf(EConflict, "still referenced by other records")
		case "23514", "22P05", "22021", "22003":
			return Errorf(EInvalid, "a value breaks a database rule")
		}
	}
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return Errorf(ENotFound, "not found")
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return Errorf(EConflict, "still referenced by other records")
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return Errorf(EConflict, "already exists")
	case strings.Contains(msg, "CHECK constraint failed"):
		return Errorf(EInvalid, "a value breaks a database rule")
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return Errorf(EConflict, "already exists")
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return Errorf(EConflict, "still referenced by other records")
	case errors.Is(err, gorm.ErrCheckConstraintViolated):
		return Errorf(EInvalid, "a value breaks a database rule")
	case unavailable(err):
		return &Error{Code: EUnavailable, Message: unavailableMessage, cause: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unavailable reports whether err means the database could not be reached, rather than that it
// refused the statement: a lost or refused connection, or PostgreSQL's connection exceptions
// (SQLSTATE class 08), a terminated backend (57P01 admin shutdown, 57P02 crash shutdown, 57P03
// cannot connect now) and too many connections (53300).
func unavailable(err error) bool {
	var netErr *net.OpError
	var connErr *pgconn.ConnectError
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch c := pgErr.Code; {
		case strings.HasPrefix(c, "08"), c == "57P01", c == "57P02", c == "57P03", c == "53300":
			return true
		}
	}
	return errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) || errors.As(err, &netErr) ||
		errors.As(err, &connErr) || strings.Contains(err.Error(), "database is closed")
}

// FieldsOf returns the field errors err carries, nil when it is not an *Error with any.
func FieldsOf(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
