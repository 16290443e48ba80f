package services

// SetImportPhaseHook makes imp call f as an import reaches each step: "staged" (the file is in
// its staging table, before any transaction), "locked" (in the transaction, the committees it
// writes locked), "written" (people and seats written, the shared rollup rows not yet locked)
// and "final" (those locked, for the last step). A transaction run again calls f again. Tests
// only: it lets them act while an import holds what it holds at each step.
func SetImportPhaseHook(imp *Imports, f func(phase string)) { imp.onPhase = f }
