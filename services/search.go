package services

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Name search (q=) across scripts (issue 10). search_text holds each name in lower case and the
// phonetic key of each of its words (models.SearchText: "ramesh ~rmes | रमेश ~rmes"). A word
// of q matches a record when it is a substring of the text as written, or when its own key is
// found among the record's keys — a substring of them when the key has three letters or more,
// else the start of a key (a one- or two-letter key is in too many names). So "गुडम्बा" finds
// "Gudamba" and "Ramesh" finds "रमेश". Every word of q must match (in any order).
//
// Matches at the start of a word come first — where the word's key starts one of the record's
// keys (so "Ram" and "राम" rank Ramesh and रमेश first alike): a list with q is read in two
// phases, the records where every word matches at a word start, then the others, each phase in
// the list's own order. The cursor carries the phase.

// Limits of q.
const (
	maxSearchRunes = 100
	maxSearchWords = 8
)

// nameSearch is a parsed q: match selects every record q finds, prefix those where every word
// matches at a word start (a subset of match).
type nameSearch struct {
	match, prefix cond
}

// parseNameSearch builds the conditions of q on the column col; nil when q is empty.
func parseNameSearch(col, q string) (*nameSearch, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	if utf8.RuneCountInString(q) > maxSearchRunes || !cleanText(q) {
		var f Fields
		f.AddCode("q", "too_long", map[string]any{"max": maxSearchRunes}, "must be at most %d characters of text", maxSearchRunes)
		return nil, f.Err()
	}
	words := strings.Fields(strings.ToLower(q))
	if len(words) > maxSearchWords {
		var f Fields
		f.AddCode("q", "list_too_long", map[string]any{"max": maxSearchWords}, "must have at most %d words", maxSearchWords)
		return nil, f.Err()
	}
	like := col + ` LIKE ? ESCAPE '\'`
	var match, prefix []string
	var margs, pargs []any
	for _, w := range words {
		raw := escapeLike(w)
		key := models.Key(w)
		if strings.IndexFunc(w, notNameRune) >= 0 {
			key = "" // a word with other characters than a name's ("ward_7", "10%") is matched as written
		}
		if key == "" {
			match = append(match, like)
			margs = append(margs, "%"+raw+"%")
			prefix = append(prefix, "("+like+" OR "+like+")")
			pargs = append(pargs, raw+"%", "% "+raw+"%")
			continue
		}
		// The word starts a name's word when its key starts one of the keys: one pattern the
		// trigram index answers ("qq" and the key's first letters).
		keyStart := "%" + models.KeyMark + key + "%"
		keyPattern := keyStart
		if len(key) >= 3 {
			keyPattern = "%" + key + "%"
		}
		match = append(match, "("+like+" OR "+like+")")
		margs = append(margs, "%"+raw+"%", keyPattern)
		prefix = append(prefix, like)
		pargs = append(pargs, keyStart)
	}
	return &nameSearch{
		match:  cond{strings.Join(match, " AND "), margs},
		prefix: cond{strings.Join(prefix, " AND "), pargs},
	}, nil
}

// notNameRune reports whether r is not a letter, mark or digit of a name.
func notNameRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsDigit(r) && r != '\u200c' && r != '\u200d'
}

// phases are the two phases of a list with q: prefix matches, then the other matches.
func (n *nameSearch) phases() []*cond {
	if n == nil {
		return []*cond{nil}
	}
	rest := cond{n.match.sql + " AND NOT (" + n.prefix.sql + ")", append(append([]any{}, n.match.args...), n.prefix.args...)}
	return []*cond{&n.prefix, &rest}
}

// phase is one part of a ranked list: its own conditions (a group of near=) and its search.
type phase struct {
	extra  []cond
	search *cond
}

// phasesOf crosses groups (each a list of conditions; one empty group when the list has none)
// with the phases of a search: every phase of the first group, then of the second, ….
func phasesOf(groups [][]cond, search *nameSearch) []phase {
	if len(groups) == 0 {
		groups = [][]cond{nil}
	}
	var out []phase
	for _, g := range groups {
		for _, s := range search.phases() {
			out = append(out, phase{extra: g, search: s})
		}
	}
	return out
}

// findPhased reads one page (limit rows, limit+1 to know of a next page) of a list ranked in
// phases, each phase in order: from the phase of the cursor (where the cursor's after applies) on,
// until the page is full. Each phase is one findPage. It returns the rows and each row's phase.
func findPhased[T any](ctx context.Context, db *gorm.DB, table string, where conds, phases []phase, from int, after *cond,
	order string, limit, window int) ([]T, []int, error) {
	var rows []T
	var phaseOf []int
	for p := from; p < len(phases) && len(rows) < limit; p++ {
		w := conds{list: append(append([]cond{}, where.list...), phases[p].extra...), search: phases[p].search}
		if p == from && after != nil {
			w.list = append(w.list, *after)
		}
		var got []T
		if err := findPage(ctx, db, table, w, order, limit-len(rows), window, &got); err != nil {
			return nil, nil, err
		}
		rows = append(rows, got...)
		for range got {
			phaseOf = append(phaseOf, p)
		}
	}
	return rows, phaseOf, nil
}

// paginatePhased trims a page read by findPhased and sets the next cursor: the row's own cursor
// with its phase.
func paginatePhased[T any](rows []T, phaseOf []int, limit int, cursor func(T) string) Page[T] {
	p := Page[T]{Items: rows}
	if len(rows) > limit {
		p.Items = rows[:limit]
		p.NextCursor = withPhase(cursor(rows[limit-1]), phaseOf[limit-1])
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// withPhase adds a phase to a cursor: "#<phase>" after its text, none for the first phase (so a
// list without q has the cursors it always had).
func withPhase(cursor string, phase int) string {
	if phase == 0 {
		return cursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return cursor
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string(raw) + "#" + strconv.Itoa(phase)))
}

// splitPhase takes the phase off a cursor: the cursor without it, and the phase (0 without).
// n is how many phases the list has; a phase beyond them is not a cursor this server issued.
func splitPhase(p PageRequest, n int) (PageRequest, int, error) {
	if p.Cursor == "" {
		return p, 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil {
		return p, 0, invalid("cursor", "cursor_invalid", nil, "is not a cursor this server issued")
	}
	rest, ph, ok := strings.Cut(string(raw), "#")
	if !ok {
		return p, 0, nil
	}
	phase, err := strconv.Atoi(ph)
	if err != nil || phase <= 0 || phase >= n {
		return p, 0, invalid("cursor", "cursor_invalid", nil, "is not a cursor this server issued")
	}
	p.Cursor = base64.RawURLEncoding.EncodeToString([]byte(rest))
	return p, phase, nil
}

// pathRangeOut is the condition that a row's unit path lies outside the subtree [lo, hi).
func pathRangeOut(col, lo, hi string) cond {
	return cond{"(" + col + " < ? OR " + col + " >= ?)", []any{lo, hi}}
}

// pathRangeIn is the condition that a row's unit path lies inside the subtree [lo, hi).
func pathRangeIn(col, lo, hi string) cond {
	return cond{col + " >= ? AND " + col + " < ?", []any{lo, hi}}
}

// The CSV imports write search_text set-based, from a staging column computed in Go: the whole
// text when the file has name_hi, else the Latin half, which SQL joins to the Hindi half of the
// stored text (an update) or to an empty one (an insert).

// stagedSearchText is the staging value of search_text for a row of st.
func stagedSearchText(st *csvStream, name, nameHi string) string {
	if st.has("name_hi") {
		return models.SearchText(name, nameHi)
	}
	return models.SearchPart(name)
}

// searchTextExpr is the SQL of a row's new search_text: staged is the staging column, stored
// the stored search_text of the row the file updates ("" for an insert).
func searchTextExpr(pg bool, st *csvStream, staged, stored string) string {
	if st.has("name_hi") {
		return staged
	}
	sep := "'" + models.SearchSeparator + "'"
	if stored == "" {
		return staged + " || " + sep
	}
	pos := "instr(" + stored + ", " + sep + ")"
	if pg {
		pos = "strpos(" + stored + ", " + sep + ")"
	}
	return staged + " || " + sep + " || substr(" + stored + ", " + pos + " + " + strconv.Itoa(len(models.SearchSeparator)) + ")"
}
