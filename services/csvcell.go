package services

import "strings"

// The CSV files Sangathan writes are opened in spreadsheets, which run a cell that starts with
// =, +, -, @, a tab or a carriage return as a formula (CSV injection). Exports therefore write
// such a cell with a leading apostrophe, which spreadsheets show as text and do not display, and
// imports take it off again, so that export → import gives back the stored text. Phone numbers
// (+91…) are written the same way: a spreadsheet then keeps them as text rather than turning
// them into a number, and an import strips the apostrophe before the number is normalised.
//
// To make the pair exact, a value that already starts with apostrophes followed by one of those
// characters gets one more apostrophe, and an import strips exactly one apostrophe from a cell
// whose first character after its leading apostrophes is one of them. Any other cell, including
// one that merely starts with an apostrophe ("'Tis"), passes through unchanged both ways.

// formulaStart reports whether a spreadsheet would read a cell starting like s as a formula.
func formulaStart(s string) bool {
	return s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0
}

// exportCell is s as an export writes it.
func exportCell(s string) string {
	if formulaStart(strings.TrimLeft(s, "'")) {
		return "'" + s
	}
	return s
}

// importCell is the text a cell written by exportCell stands for.
func importCell(s string) string {
	if strings.HasPrefix(s, "'") && formulaStart(strings.TrimLeft(s, "'")) {
		return s[1:]
	}
	return s
}
