package rules

import (
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

// TestGlobsAgreeWithDoublestar checks that the compiled fast paths and the
// literal prefilter never change an answer doublestar would give.
func TestGlobsAgreeWithDoublestar(t *testing.T) {
	patterns := []string{
		"**/*.go", "**/*_test.go", "**/*.test.ts", "tests/**", "docs/**", "**/*.md", "README.md",
		"**/conftest.py", "**/testdata/**", "services/*/config.yaml", "lib/{core,area}/**", "**/area_*.go",
		"src/**/*.java", "*.go", "a?c/**", "x/[ab]*/y", "**/{docs,doc}/**", "**/.github/**", ".github/*.yml",
		"payments/**", "**/test_*.py", "{a,b}/**/c*", "**",
	}
	paths := []string{
		"main.go", "cmd/x/main.go", "x_test.go", "pkg/x_test.go", "_test.go", "a.test.ts", "web/a.test.ts",
		"tests", "tests/a.py", "tests/sub/b.py", "docs", "docs/a.md", "README.md", "sub/README.md", "conftest.py",
		"a/conftest.py", "a/conftest.pyc", "x/testdata/y.json", "testdata/y", "services/a/config.yaml",
		"services/a/b/config.yaml", "lib/core/x.go", "lib/area/x/y.go", "lib/other/x.go", "area_1.go", "x/area_1.go",
		"src/a/b/C.java", "src/C.java", "abc/x", "aXc/y/z", "x/a1/y", "x/c1/y", "doc/x", "a/docs/b", ".github/workflows/ci.yml",
		".github/tiergate.yml", "payments", "payments/a/b.go", "paymentsX/a", "tests_py/test_a.py", "a/b/c1", "b/c", "",
		"weird name/with space.go", "ünïcode/ß_test.go",
	}
	for _, p := range patterns {
		g, err := CompileGlobs([]string{p})
		if err != nil {
			t.Fatalf("CompileGlobs(%q): %v", p, err)
		}
		for _, name := range paths {
			want, _ := doublestar.Match(p, name)
			if got := g.Match(name); got != want {
				t.Errorf("Globs(%q).Match(%q) = %v, doublestar says %v", p, name, got, want)
			}
		}
	}
}

func TestCompileGlobsRejects(t *testing.T) {
	for _, p := range []string{"", "[", "a/{b", "x/[a-", "docs/", "docs/**/", "a**", "a/**b", "**{,/}", "[!a]", "x/[^b]", "{,x}", "{**/,a}/b",
		strings.Repeat("**/{a,a*,*a,*}/", 10)} {
		if _, err := CompileGlobs([]string{p}); err == nil {
			t.Errorf("CompileGlobs(%q) = nil error, want an error", p)
		}
	}
}
