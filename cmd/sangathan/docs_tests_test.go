package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecurityDocNamesRealTests: every test docs/SECURITY.md cites as proof ("package:
// TestName", or "package: TestPrefix*" for a family) exists in that package, so the document
// cannot go on citing a test that was renamed or deleted.
func TestSecurityDocNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("../../docs/SECURITY.md")
	require.NoError(t, err)
	cites := regexp.MustCompile("`([a-z/]+): (Test[A-Za-z0-9_]*)(\\*?)`").FindAllStringSubmatch(string(doc), -1)
	require.NotEmpty(t, cites)
	funcs := map[string]string{} // package dir → the source of its tests
	for _, c := range cites {
		pkg, name, family := c[1], c[2], c[3] == "*"
		src, ok := funcs[pkg]
		if !ok {
			files, err := filepath.Glob(filepath.Join("../..", pkg, "*_test.go"))
			require.NoError(t, err)
			var b strings.Builder
			for _, f := range files {
				body, err := os.ReadFile(f)
				require.NoError(t, err)
				b.Write(body)
			}
			src = b.String()
			funcs[pkg] = src
		}
		pattern := `(?m)^func ` + regexp.QuoteMeta(name) + `\(`
		if family {
			pattern = `(?m)^func ` + regexp.QuoteMeta(name) + `[A-Za-z0-9_]*\(`
		}
		assert.Regexp(t, pattern, src, "docs/SECURITY.md cites %s: %s%s", pkg, name, c[3])
	}
}
