package services

import (
	"cmp"
	"slices"
)

func sortErrors(errs []FieldError) []FieldError {
	slices.SortStableFunc(errs, func(a, b FieldError) int { return cmp.Compare(a.Line, b.Line) })
	if errs == nil {
		return []FieldError{}
	}
	return errs
}

func sortByDepth(rows []*unitRow) {
	slices.SortStableFunc(rows, func(a, b *unitRow) int { return cmp.Compare(a.depth, b.depth) })
}
