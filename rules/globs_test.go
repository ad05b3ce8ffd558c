package rules

import (
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

// TestGlobsMatchByPatternClass compares Globs.Match with doublestar.Match for
// every shape CompileGlobs sorts patterns into, and the edges of each shape.
func TestGlobsMatchByPatternClass(t *testing.T) {
	classes := []struct {
		name     string
		patterns []string
	}{
		{"exact path", []string{"README.md", "cmd/tiergate/main.go", ".github/tiergate.yml"}},
		{"directory prefix", []string{"docs/**", "a/b/**", ".github/**"}},
		{"extension", []string{"**/*.go", "**/*.md", "**/*.", "**/*.Go"}},
		{"multi-dot suffix", []string{"**/*.test.ts", "**/*.tar.gz", "**/*_test.go", "**/*-lock.json"}},
		{"base name anywhere", []string{"**/conftest.py", "**/Makefile", "**/.env"}},
		{"single star", []string{"*.go", "*", "docs/*", "*/main.go", "a*/b"}},
		{"question mark", []string{"a?c/**", "?.go", "**/?_test.go"}},
		{"character class", []string{"x/[ab]*/y", "[!a/]*.go", "**/[A-Z]*.md", "x/[^ab/]/y"}},
		{"braces", []string{"{a,b}/**", "**/*.{go,ts}", "lib/{core,area}/**", "{docs,doc}/**/*.md"}},
		{"double star in the middle", []string{"src/**/test/*.go", "**/testdata/**", "**/docs/**", "a/**/b"}},
		{"everything", []string{"**", "**/*", "**/**"}},
		{"escapes", []string{`a\*b`, `**/\[x\].go`}},
		{"prefix-like but general", []string{"docs*/**", "do?s/**", "**/*_test.go/**"}},
	}
	paths := []string{
		"", "README.md", "readme.md", "sub/README.md", "cmd/tiergate/main.go", "main.go", "a.go", ".go", "a.Go",
		"x/y/z.go", "a.go/b", "a.go/b.txt", "docs", "docs/", "docs/a.md", "docs/sub/b.png", "docsx/a", "doc/a.md",
		"a/docs/b.md", "a/b", "a/b/c", "a/bc", "a/x/y/b", ".github/tiergate.yml", ".github/workflows/ci.yml", ".env",
		"x/.env", "a.test.ts", "web/a.test.ts", "test.ts", ".test.ts", "x_test.go", "pkg/x_test.go", "_test.go",
		"pkg/_test.go", "x_test.go/y", "pkg.tar.gz", "b/pkg.tar.gz", "conftest.py", "a/conftest.py", "a/conftest.pyc",
		"Makefile", "x/Makefile", "yarn-lock.json", "abc/x", "aXc/y/z", "ac/x", "a.go.md", "x/a1/y", "x/c1/y",
		"x/a/y", "b.go", "Z.md", "z.md", "a*b", "a\\*b", "axb", "[x].go", "x/[x].go", "lib/core/x.go", "lib/area/x/y.go",
		"a/x", "b/y/z", "src/test/a.go", "src/x/y/test/a.go", "src/test/sub/a.go", "x/testdata/y.json", "testdata",
		"file.", "x/file.", "weird name/with space.go", "ünïcode/ß_test.go", "a//b.go",
	}
	for _, c := range classes {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.patterns {
				g, err := CompileGlobs([]string{p})
				if err != nil {
					t.Fatalf("CompileGlobs(%q) = %v", p, err)
				}
				for _, name := range paths {
					want, err := doublestar.Match(p, name)
					if err != nil {
						t.Fatalf("doublestar.Match(%q, %q) = %v", p, name, err)
					}
					if got := g.Match(name); got != want {
						t.Errorf("Globs(%q).Match(%q) = %v, want %v (doublestar.Match)", p, name, got, want)
					}
				}
			}
		})
	}
}

// TestGlobsMatchAnyOfSeveral checks a multi-pattern set matches when any
// pattern of any class does, as the config's lists are used.
func TestGlobsMatchAnyOfSeveral(t *testing.T) {
	patterns := []string{"README.md", "docs/**", "**/*.md", "**/*_test.go", "**/conftest.py", "src/**/gen/*.go"}
	g := MustCompileGlobs(patterns...)
	for _, name := range []string{"README.md", "docs/x.png", "a/b.md", "a/b_test.go", "x/conftest.py", "src/a/gen/b.go", "src/gen/c.go", "main.go", "docs", "x.mdx"} {
		want := false
		for _, p := range patterns {
			if ok, _ := doublestar.Match(p, name); ok {
				want = true
			}
		}
		if got := g.Match(name); got != want {
			t.Errorf("Globs(%v).Match(%q) = %v, want %v", patterns, name, got, want)
		}
	}
}
