package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerMakesNoOutboundRequests keeps OWASP API7 (server-side request forgery) out by
// construction: no code the server runs opens a connection of its own — no HTTP client, no
// dial — so no URL a user sends (a report's text, an import's cell) can make the server fetch
// anything. Only the load tool (loadtest/), which an operator points at a server, is a client.
// A new outbound call must be added here on purpose, with its allow-list of destinations.
func TestServerMakesNoOutboundRequests(t *testing.T) {
	outbound := regexp.MustCompile(`http\.(Get|Head|Post|PostForm|NewRequest|NewRequestWithContext)\b|http\.Client\b|http\.DefaultClient|http\.DefaultTransport|net\.Dial|tls\.Dial|httputil\.NewSingleHostReverseProxy`)
	allowed := map[string]bool{"loadtest": true}
	var checked int
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("../..", p)
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		if d.IsDir() {
			if rel == "." {
				return nil
			}
			if allowed[top] || strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.Contains(rel, "browsertest") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checked++
		if loc := outbound.FindIndex(b); loc != nil {
			t.Errorf("%s makes an outbound connection: %q", rel, b[loc[0]:loc[1]])
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, checked, 50, "the walk reached the sources")
}
