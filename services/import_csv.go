package services

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// importErrors collects an import's row errors as the file streams past: every bad row is
// counted, the first MaxImportErrors errors are kept (the rest only counted), so that a file of
// any length with any number of bad rows is read in bounded memory.
type importErrors struct {
	list     []FieldError
	dropped  int // errors counted but not kept
	badLines int // rows with at least one error
	lastLine int
}

// add records an error of one row. Errors of one row come together (a row is checked whole
// before the next is read, and each later check reports at most one error per row).
func (e *importErrors) add(line int, field, code string, params map[string]any, msg string) {
	if line != e.lastLine || e.badLines == 0 {
		e.badLines++
		e.lastLine = line
	}
	if len(e.list) < MaxImportErrors {
		e.list = append(e.list, FieldError{Line: line, Field: field, Message: msg, Code: code, Params: params})
	} else {
		e.dropped++
	}
}

// merged is the kept errors with more (errors found later, one per row, each on a row without
// errors so far, sorted by line), in line order and capped: past MaxImportErrors, one last entry
// says how many more there are. moreTotal counts all of the later errors, shown or not.
func (e *importErrors) merged(more []FieldError, moreTotal int) []FieldError {
	all := slices.Concat(e.list, more)
	slices.SortStableFunc(all, func(a, b FieldError) int { return cmp.Compare(a.Line, b.Line) })
	hidden := e.dropped + moreTotal - len(more)
	if len(all) > MaxImportErrors {
		hidden += len(all) - MaxImportErrors
		all = all[:MaxImportErrors:MaxImportErrors]
	}
	if hidden > 0 {
		all = append(all, FieldError{Field: "file", Message: fmt.Sprintf("%d more errors not shown; fix these and import again", hidden), Code: "more_errors", Params: map[string]any{"count": hidden}})
	}
	if all == nil {
		return []FieldError{}
	}
	return all
}

// csvStream reads an import's CSV one row at a time: the header first, then each row with its
// line number (the header is line 1, and quoted line breaks count).
type csvStream struct {
	cr     *csv.Reader
	header []string
	col    map[string]int
	width  int
	errs   importErrors
}

// openCSV reads the header, which must name some of allowed and every one of required. Header
// problems are returned as an Invalid error naming each bad column.
func openCSV(r io.Reader, allowed, required []string) (*csvStream, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &Error{Code: EInvalid, Message: "the file is empty", Fields: []FieldError{{Line: 1, Field: "header", Message: "a header row is required", Code: "required"}}}
	}
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			return nil, fmt.Errorf("read csv: %w", err) // the body itself failed (too large, cut off)
		}
		return nil, &Error{Code: EInvalid, Message: "the header row cannot be read", Fields: []FieldError{{Line: 1, Field: "header", Message: csvMessage(err), Code: "csv_unreadable"}}}
	}
	known := map[string]bool{}
	for _, c := range allowed {
		known[c] = true
	}
	s := &csvStream{cr: cr, col: map[string]int{}, width: len(header), header: make([]string, len(header))}
	var bad []FieldError
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		s.header[i] = h
		if h == "" {
			// A blank header cell (a lone space, a trailing comma) has no name to report the error
			// under: the error is the header's, saying which column.
			bad = append(bad, FieldError{Line: 1, Field: "header", Message: fmt.Sprintf("column %d has no name; expected some of: %s", i+1, strings.Join(allowed, ", ")), Code: "unknown_column", Params: map[string]any{"allowed": allowed}})
		} else if !known[h] {
			bad = append(bad, FieldError{Line: 1, Field: h, Message: "unknown column; expected some of: " + strings.Join(allowed, ", "), Code: "unknown_column", Params: map[string]any{"allowed": allowed}})
		} else if _, dup := s.col[h]; dup {
			bad = append(bad, FieldError{Line: 1, Field: h, Message: "column appears twice", Code: "duplicate"})
		} else {
			s.col[h] = i
		}
	}
	for _, c := range required {
		if _, ok := s.col[c]; !ok {
			bad = append(bad, FieldError{Line: 1, Field: c, Message: "required column is missing", Code: "column_missing"})
		}
	}
	if len(bad) > 0 {
		return nil, &Error{Code: EInvalid, Message: "the header row is not valid", Fields: bad}
	}
	return s, nil
}

// next returns the next row that is CSV of the header's width and UTF-8 text, with its line;
// rows that are not are recorded as errors and skipped. The record is reused by the next call.
// It returns io.EOF after the last row, and any error of the underlying reader (a body past its
// limit, a cut connection) as it is.
func (s *csvStream) next() ([]string, int, error) {
	for {
		rec, err := s.cr.Read()
		if errors.Is(err, io.EOF) {
			return nil, 0, io.EOF
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, 0, fmt.Errorf("read csv: %w", err)
			}
			s.errs.add(pe.Line, "row", "csv_unreadable", nil, csvMessage(err))
			continue
		}
		line, _ := s.cr.FieldPos(0) // FieldPos panics after a parse error, not after a good read
		switch {
		case len(rec) != s.width:
			s.errs.add(line, "row", "field_count", map[string]any{"got": len(rec), "want": s.width}, fmt.Sprintf("has %d fields; the header has %d", len(rec), s.width))
		case badText(rec) >= 0:
			s.errs.add(line, s.header[badText(rec)], "not_text", nil, "is not UTF-8 text (save the file as CSV UTF-8)")
		default:
			return rec, line, nil
		}
	}
}

// get is the named cell of rec, trimmed, with the apostrophe an export puts before a formula
// character taken off (see exportCell); "" when the file has no such column.
func (s *csvStream) get(rec []string, name string) string {
	if i, ok := s.col[name]; ok {
		return importCell(strings.TrimSpace(rec[i]))
	}
	return ""
}

// has reports whether the file has the named column.
func (s *csvStream) has(name string) bool {
	_, ok := s.col[name]
	return ok
}
