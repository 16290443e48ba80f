package services_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/services"
)

// TestEveryFieldErrorHasACode reads the source of the services and api packages: every field
// error they build with a message also names its rule (Code), and every code given as a literal
// is one of FieldCodes, so that a client can word each error in its reader's language. It
// catches a new `FieldError{Field: …, Message: …}` without a code, and a misspelt code.
func TestEveryFieldErrorHasACode(t *testing.T) {
	fset := token.NewFileSet()
	var files []string
	for _, dir := range []string{".", "../api"} {
		m, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			if !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
	}
	literals := 0
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		elided := map[*ast.CompositeLit]bool{} // the {…} of []FieldError{{…}}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if at, ok := n.Type.(*ast.ArrayType); ok && isFieldErrorType(at.Elt) {
					for _, e := range n.Elts {
						if c, ok := e.(*ast.CompositeLit); ok && c.Type == nil {
							elided[c] = true
						}
					}
				}
				if !elided[n] && !isFieldErrorType(n.Type) {
					return true
				}
				keys := map[string]ast.Expr{}
				for _, e := range n.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok {
						if id, ok := kv.Key.(*ast.Ident); ok {
							keys[id.Name] = kv.Value
						}
					}
				}
				if _, msg := keys["Message"]; !msg {
					return true // filled in below its making (a switch sets Field, Code and Message)
				}
				literals++
				code, ok := keys["Code"]
				if !ok {
					t.Errorf("%s: a field error without a Code", fset.Position(n.Pos()))
					return true
				}
				checkCodeLiteral(t, fset, code)
			case *ast.CallExpr:
				var fn string
				switch f := n.Fun.(type) {
				case *ast.Ident:
					fn = f.Name
				case *ast.SelectorExpr:
					fn = f.Sel.Name
				}
				if (fn == "AddCode" || fn == "invalid") && len(n.Args) >= 2 {
					checkCodeLiteral(t, fset, n.Args[1])
				}
			}
			return true
		})
	}
	if literals < 20 {
		t.Fatalf("found only %d field error literals: the scan is not reading the sources", literals)
	}
}

func isFieldErrorType(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "FieldError"
	case *ast.SelectorExpr:
		return e.Sel.Name == "FieldError"
	}
	return false
}

func checkCodeLiteral(t *testing.T, fset *token.FileSet, e ast.Expr) {
	t.Helper()
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return // a code carried from another error (r.rule, fe.Code)
	}
	code, _ := strconv.Unquote(lit.Value)
	if _, known := services.FieldCodes[code]; !known {
		t.Errorf("%s: code %q is not in services.FieldCodes", fset.Position(lit.Pos()), code)
	}
}
