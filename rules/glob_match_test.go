package rules

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

// randomGlob builds a pattern from the pieces doublestar gives meaning to,
// over a small alphabet so that random paths often come close to matching.
func randomGlob(rng *rand.Rand, depth int) string {
	pieces := []string{"a", "b", "/", "/", ".", ",", "*", "*", "**", "**/", "/**", "?", "[ab]", "[!a]", "[a-b]", "[/]", `\*`, `\a`, "é"}
	var b strings.Builder
	for range rng.IntN(6) + 1 {
		if depth < 2 && rng.IntN(5) == 0 {
			b.WriteByte('{')
			for k := range rng.IntN(3) + 1 {
				if k > 0 {
					b.WriteByte(',')
				}
				if rng.IntN(4) > 0 {
					b.WriteString(randomGlob(rng, depth+1))
				}
			}
			b.WriteByte('}')
			continue
		}
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func randomPath(rng *rand.Rand) string {
	alphabet := []string{"a", "b", "/", "/", ".", ",", "*", "é", "\xff"}
	var b strings.Builder
	for range rng.IntN(9) {
		b.WriteString(alphabet[rng.IntN(len(alphabet))])
	}
	return b.String()
}

// TestGlobsAgreeWithDoublestarRandomly runs random patterns and paths
// through CompileGlobs and Globs.Match (fast paths, literal prefilter and
// the compiled matcher) and compares every answer with doublestar.Match, the
// reference semantics. Patterns validation refuses are skipped; they are
// counted so that the generator keeps producing accepted ones.
func TestGlobsAgreeWithDoublestarRandomly(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	accepted, refused, pairs := 0, 0, 0
	for range 60000 {
		p := randomGlob(rng, 0)
		if !doublestar.ValidatePattern(p) {
			continue
		}
		g, err := CompileGlobs([]string{p})
		if err != nil {
			refused++
			continue
		}
		accepted++
		for range 40 {
			name := randomPath(rng)
			want, _ := doublestar.Match(p, name)
			pairs++
			if got := g.Match(name); got != want {
				t.Errorf("Globs(%q).Match(%q) = %v, doublestar says %v", p, name, got, want)
			}
		}
	}
	if accepted < 10000 {
		t.Errorf("only %d random patterns accepted (%d refused); the generator no longer covers the matcher", accepted, refused)
	}
	t.Logf("%d patterns accepted, %d refused, %d pairs compared", accepted, refused, pairs)
}

// FuzzGlobMatch holds the matcher to doublestar on any accepted pattern.
func FuzzGlobMatch(f *testing.F) {
	f.Add("**/*.{go,ts}", "a/b.go")
	f.Add("src/**/test/*.go", "src/x/test/a.go")
	f.Add("*{a,b}[!c/]?/**", "xa/bd/e")
	f.Add(`a\*[a-c]/**/*_test.go`, "a*b/x/y_test.go")
	f.Fuzz(func(t *testing.T, p, name string) {
		if !doublestar.ValidatePattern(p) {
			return
		}
		g, err := CompileGlobs([]string{p})
		if err != nil {
			return
		}
		want, _ := doublestar.Match(p, name)
		if got := g.Match(name); got != want {
			t.Errorf("Globs(%q).Match(%q) = %v, doublestar says %v", p, name, got, want)
		}
	})
}
