package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The pages a newcomer reads from a clone. A code fence left open turns the prose after it into
// code, and a relative link to a file outside the repository leads nowhere from a clone; both
// happened to the README once (issue 10), so every page is checked here.
var docPages = []string{"README.md", "docs/API.md", "docs/BENCHMARKS.md", "demodata/README.md", "docs/PRIVACY.md", "docs/SCALING.md"}

func TestDocsFencesAndLinks(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, page := range docPages {
		t.Run(page, func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join(root, page))
			if err != nil {
				t.Fatal(err)
			}
			for _, problem := range checkMarkdown(root, page, string(text)) {
				t.Error(problem)
			}
		})
	}
}

func TestCheckMarkdownFindsBreakage(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "there.md"), []byte("# Here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text  string
		wantProblem bool
	}{
		{"closed fences", "```sh\ngo test\n```\n\ntext\n", false},
		{"unclosed fence", "```sh\ngo test\n", true},
		{"text after a closing fence", "```\ncode\n``` Prose that became code\n\n```sh\nx\n```\n", true},
		{"longer fences hold shorter ones", "````md\n```\n````\n", false},
		{"link to a file in the repository", "[there](there.md) and [anchor](there.md#here)\n", false},
		{"link out of the repository", "[contract](../shared/API.md)\n", true},
		{"link to a missing file", "[gone](gone.md)\n", true},
		{"a path out of the repository as code", "described in `../shared/API.md`\n", true},
		{"link to a heading", "# A heading: with punctuation\n\n[up](#a-heading-with-punctuation)\n", false},
		{"link to a missing heading", "# A heading\n\n[up](#another-heading)\n", true},
		{"link to a missing heading elsewhere", "[x](there.md#nowhere)\n", true},
		{"links inside code are not links", "```\n[x](gone.md)\n```\n`[y](gone.md)`\n", false},
		{"web links are not checked", "[go](https://go.dev/x) [m](mailto:a@b.c)\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := checkMarkdown(root, "page.md", tt.text)
			if got := len(problems) > 0; got != tt.wantProblem {
				t.Errorf("problems %q, want some: %v", problems, tt.wantProblem)
			}
		})
	}
}

var (
	fenceLine  = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})(.*)$")
	inlineCode = regexp.MustCompile("`[^`]*`")
	mdLink     = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	headingRe  = regexp.MustCompile(`^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$`)
)

// checkMarkdown reports each fence that is not closed (or "closed" with text after it, which
// CommonMark reads as more code), each relative link whose file, or heading, is not there, and
// each path in inline code that leaves the repository.
// page is the file's path relative to root.
func checkMarkdown(root, page, text string) []string {
	var problems []string
	lines := strings.Split(text, "\n")
	var fence string // the open fence's marker, empty outside code
	openedAt := 0
	for i, line := range lines {
		n := i + 1
		m := fenceLine.FindStringSubmatch(line)
		if fence != "" {
			if m != nil && m[1][0] == fence[0] && len(m[1]) >= len(fence) {
				if strings.TrimSpace(m[2]) == "" {
					fence = ""
				} else {
					problems = append(problems, page+":"+strconv.Itoa(n)+": a fence with text after it inside the code block opened at line "+strconv.Itoa(openedAt)+" does not close it; put the text on a line of its own")
				}
			}
			continue
		}
		if m != nil {
			fence, openedAt = m[1], n
			continue
		}
		// A path written as code but climbing out of the repository (`../shared/API.md`) is
		// as broken from a clone as a link would be.
		for _, code := range inlineCode.FindAllString(line, -1) {
			if strings.HasPrefix(strings.Trim(code, "`"), "../") {
				problems = append(problems, page+":"+strconv.Itoa(n)+": "+code+" names a file outside the repository")
			}
		}
		for _, l := range mdLink.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
			if p := checkLink(root, page, text, l[1]); p != "" {
				problems = append(problems, page+":"+strconv.Itoa(n)+": "+p)
			}
		}
	}
	if fence != "" {
		problems = append(problems, page+":"+strconv.Itoa(openedAt)+": code fence never closed")
	}
	return problems
}

func checkLink(root, page, text, target string) string {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return ""
	}
	file, anchor, _ := strings.Cut(target, "#")
	if file != "" {
		rel := filepath.Join(filepath.Dir(page), filepath.FromSlash(file))
		if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "link " + target + " leaves the repository"
		}
		body, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			if info, serr := os.Stat(filepath.Join(root, rel)); serr == nil && info.IsDir() && anchor == "" {
				return ""
			}
			return "link " + target + " names no file in the repository"
		}
		text = string(body)
		if !strings.HasSuffix(file, ".md") {
			return ""
		}
	}
	if anchor == "" {
		return ""
	}
	for _, line := range strings.Split(text, "\n") {
		if m := headingRe.FindStringSubmatch(line); m != nil && headingSlug(m[1]) == anchor {
			return ""
		}
	}
	return "link " + target + " names no heading"
}

// headingSlug makes a heading's anchor as GitHub does: lower case, punctuation dropped, spaces
// turned into hyphens.
func headingSlug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
