package services

import "testing"

// TestFormulaCells: exportCell guards every value a spreadsheet would run (OWASP: =, +, -, @,
// tab, carriage return at the start) and importCell gives back exactly what was stored, for
// values that already start with apostrophes as well.
func TestFormulaCells(t *testing.T) {
	cases := []struct{ stored, cell string }{
		{`=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{`+cmd|' /C calc'!A0`, `'+cmd|' /C calc'!A0`},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"+919876543210", "'+919876543210"},
		{"'=x", "''=x"},
		{"''@x", "'''@x"},
		{"'Tis", "'Tis"},
		{"'", "'"},
		{"", ""},
		{"Ram = Shyam", "Ram = Shyam"},
		{"राम", "राम"},
		{" =x", " =x"}, // a leading space is not a formula (and imports trim it)
	}
	for _, c := range cases {
		if got := exportCell(c.stored); got != c.cell {
			t.Errorf("exportCell(%q) = %q, want %q", c.stored, got, c.cell)
		}
		if got := importCell(c.cell); got != c.stored {
			t.Errorf("importCell(%q) = %q, want %q", c.cell, got, c.stored)
		}
	}
	// A cell typed by hand with the apostrophe (as spreadsheets show formulas-as-text) imports
	// as the text after it.
	for cell, want := range map[string]string{"'=1+1": "=1+1", "'-5": "-5", "'+91 98765 43210": "+91 98765 43210", "'x": "'x"} {
		if got := importCell(cell); got != want {
			t.Errorf("importCell(%q) = %q, want %q", cell, got, want)
		}
	}
}

// FuzzFormulaCells: whatever is stored, the exported cell is safe and imports back unchanged.
func FuzzFormulaCells(f *testing.F) {
	for _, s := range []string{"=x", "'=x", "''", "-", "@", "\t", "'\r", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cell := exportCell(s)
		if formulaStart(cell) {
			t.Errorf("exportCell(%q) = %q starts like a formula", s, cell)
		}
		if got := importCell(cell); got != s {
			t.Errorf("importCell(exportCell(%q)) = %q", s, got)
		}
	})
}
