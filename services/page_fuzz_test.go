package services

import (
	"encoding/base64"
	"errors"
	"testing"
)

// checkCursorErr fails unless err is nil or an Invalid *Error naming field alone.
func checkCursorErr(t *testing.T, what string, err error, fields ...string) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != EInvalid || len(e.Fields) != 1 {
		t.Fatalf("%s: error %v (%T) is not an Invalid *services.Error with one field", what, err, err)
	}
	for _, f := range fields {
		if e.Fields[0].Field == f {
			return
		}
	}
	t.Fatalf("%s: error names %q, want one of %v", what, e.Fields[0].Field, fields)
}

// FuzzPageCursor fuzzes every decoder of a list's cursor and limit (page.go, and the cursors of
// the program, due-committee, representation and search lists): no panic, an error is Invalid
// and names cursor or limit, and what decodes encodes back to a cursor that decodes the same.
func FuzzPageCursor(f *testing.F) {
	b := base64.RawURLEncoding.EncodeToString
	for _, s := range []string{
		"", encodeCursor(1), encodeCursor(9223372036854775807), b([]byte("-1")), b([]byte("18446744073709551616")),
		encodePathCursor("/1/23/", 23), b([]byte("/1/|0")), b([]byte("|5")), b([]byte("/1/2/|5|6")),
		b([]byte("1700000000|3")), b([]byte("9223372036854775807|1")), b([]byte("-9223372036854775808|1")),
		b([]byte("2024-03-01|7")), b([]byte("2024-02-30|7")), encodeFigureCursor(0.5, "/1/"), b([]byte(`{"v":1e400,"p":"/1/"}`)),
		b([]byte(`{"v":"NaN","p":"x"}`)), withPhase(encodeCursor(5), 1), b([]byte("5#99999999999999999999")), b([]byte("5#-1")),
		"====", "a", "Zm9v\x00", "\xff\xfe", "%2F", "रमेश",
	} {
		f.Add(s, 0)
	}
	f.Add(encodeCursor(3), 500)
	f.Add(encodeCursor(3), 501)
	f.Add("", -1)
	f.Add("", 1<<62)
	f.Fuzz(func(t *testing.T, cursor string, limit int) {
		p := PageRequest{Limit: limit, Cursor: cursor}
		l, after, err := p.bounds()
		checkCursorErr(t, "bounds", err, "cursor", "limit")
		if err == nil {
			if l < 1 || l > MaxLimit || after < 0 {
				t.Fatalf("bounds(%q, %d) = %d, %d", cursor, limit, l, after)
			}
			if cursor != "" {
				if _, again, err := (PageRequest{Cursor: encodeCursor(after)}).bounds(); err != nil || again != after {
					t.Fatalf("cursor %d does not decode back: %d, %v", after, again, err)
				}
			}
		}
		l, pc, err := p.pathBounds()
		checkCursorErr(t, "pathBounds", err, "cursor", "limit")
		if err == nil && cursor != "" {
			if l < 1 || l > MaxLimit || pc.id <= 0 {
				t.Fatalf("pathBounds(%q, %d) = %d, %+v", cursor, limit, l, pc)
			}
			if _, again, err := (PageRequest{Cursor: encodePathCursor(pc.path, pc.id)}).pathBounds(); err != nil || again != pc {
				t.Fatalf("path cursor %+v does not decode back: %+v, %v", pc, again, err)
			}
		}
		for n := 1; n <= 3; n++ {
			rest, phase, err := splitPhase(p, n)
			checkCursorErr(t, "splitPhase", err, "cursor")
			if err == nil && (phase < 0 || phase >= n || (cursor != "" && phase > 0 && rest.Cursor == cursor)) {
				t.Fatalf("splitPhase(%q, %d) = %q, %d", cursor, n, rest.Cursor, phase)
			}
		}
		if at, id, err := parseProgramCursor(cursor); err == nil {
			if id <= 0 {
				t.Fatalf("program cursor %q: id %d", cursor, id)
			}
			_ = at
		} else {
			checkCursorErr(t, "parseProgramCursor", err, "cursor")
		}
		if d, id, err := parseDueCursor(cursor); err == nil {
			if id <= 0 || !d.Valid() {
				t.Fatalf("due cursor %q: %q, %d", cursor, d, id)
			}
		} else {
			checkCursorErr(t, "parseDueCursor", err, "cursor")
		}
		fc, err := decodeFigureCursor(cursor)
		checkCursorErr(t, "decodeFigureCursor", err, "cursor")
		if err == nil && fc != nil {
			again, err := decodeFigureCursor(encodeFigureCursor(fc.V, fc.P))
			if err != nil || *again != *fc {
				t.Fatalf("figure cursor %+v does not decode back: %+v, %v", fc, again, err)
			}
		}
	})
}
