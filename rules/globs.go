package rules

import (
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

// Globs is a compiled set of path patterns with .gitignore-style "**"
// semantics (matched by doublestar). Compiling sorts patterns into cheap
// classes (exact path, "dir/**" prefix, "**/*.ext" extension) so that the
// common shapes cost a map lookup or a prefix test instead of a full match;
// everything else goes to a compiled matcher whose cost is bounded (see
// globProg and GlobStepsPerByte).
type Globs struct {
	patterns []string
	exact    map[string]struct{}
	prefixes []string            // "dir/" for "dir/**"
	exts     map[string]struct{} // ".go" for "**/*.go"
	suffixes []string            // "_test.go" for "**/*_test.go"
	bases    map[string]struct{} // "conftest.py" for "**/conftest.py"
	general  []generalGlob
}

// generalGlob is a pattern only the full matcher can decide, with literals
// every match must contain, checked first because they are far cheaper.
type generalGlob struct {
	pattern string
	prefix  string   // the path must start with this
	needles []string // and contain each of these
	prog    *globProg
}

// CompileGlobs validates and compiles patterns, within the limits in
// glob_limits.go. The error names the first invalid pattern.
func CompileGlobs(patterns []string) (Globs, error) {
	g := Globs{patterns: append([]string(nil), patterns...)}
	for _, p := range patterns {
		if p == "" {
			return Globs{}, fmt.Errorf("empty pattern")
		}
		if !doublestar.ValidatePattern(p) {
			return Globs{}, fmt.Errorf("invalid glob %q", p)
		}
		if err := checkGlob(p); err != nil {
			return Globs{}, fmt.Errorf("%w: %q", err, p)
		}
		g.add(p)
	}
	return g, nil
}

// MustCompileGlobs is CompileGlobs for patterns known to be valid.
func MustCompileGlobs(patterns ...string) Globs {
	g, err := CompileGlobs(patterns)
	if err != nil {
		panic(err)
	}
	return g
}

const globMeta = `*?[]{}\`

func (g *Globs) add(p string) {
	switch {
	case strings.ContainsRune(p, utf8.RuneError):
		// U+FFFD matches any invalid byte in a path, as doublestar
		// compares decoded runes; only the full matcher knows that.
		g.general = append(g.general, generalGlob{pattern: p, prog: compileProg(p)})
	case !strings.ContainsAny(p, globMeta):
		if g.exact == nil {
			g.exact = map[string]struct{}{}
		}
		g.exact[p] = struct{}{}
	case strings.HasSuffix(p, "/**") && !strings.ContainsAny(p[:len(p)-3], globMeta):
		g.prefixes = append(g.prefixes, p[:len(p)-2])
	case strings.HasPrefix(p, "**/*") && p != "**/*" && !strings.ContainsAny(p[4:], globMeta+"/"):
		suffix := p[4:]
		if strings.HasPrefix(suffix, ".") && !strings.Contains(suffix[1:], ".") {
			if g.exts == nil {
				g.exts = map[string]struct{}{}
			}
			g.exts[suffix] = struct{}{}
		} else {
			g.suffixes = append(g.suffixes, suffix)
		}
	case strings.HasPrefix(p, "**/") && !strings.ContainsAny(p[3:], globMeta+"/"):
		if g.bases == nil {
			g.bases = map[string]struct{}{}
		}
		g.bases[p[3:]] = struct{}{}
	default:
		g.general = append(g.general, compileGeneral(p))
	}
}

// compileGeneral extracts the literal prefix and the literal runs outside
// any {alternation} or [class]. Slashes at the edge of a run are dropped
// because "**/" and "/**" may match nothing. A pattern with escapes gets no
// needles: the filter must never reject a path doublestar would match.
func compileGeneral(p string) generalGlob {
	g := generalGlob{pattern: p, prog: compileProg(p)}
	if strings.Contains(p, `\`) {
		return g
	}
	if i := strings.IndexAny(p, globMeta); i > 0 {
		g.prefix = strings.TrimRight(p[:i], "/")
	}
	depth, inClass := 0, false
	var run strings.Builder
	flush := func() {
		if n := strings.Trim(run.String(), "/"); n != "" {
			g.needles = append(g.needles, n)
		}
		run.Reset()
	}
	for _, r := range p {
		switch {
		case inClass:
			inClass = r != ']'
		case r == '[':
			inClass = true
			flush()
		case r == '{':
			depth++
			flush()
		case r == '}':
			depth--
			run.Reset()
		case depth > 0:
		case r == '*' || r == '?':
			flush()
		default:
			run.WriteRune(r)
		}
	}
	flush()
	return g
}

// Patterns returns the patterns as written.
func (g Globs) Patterns() []string { return g.patterns }

// Empty reports whether there are no patterns.
func (g Globs) Empty() bool { return len(g.patterns) == 0 }

// Match reports whether name (a slash-separated path relative to the
// repository root) matches any pattern. Its cost is bounded: at most
// GlobStepsPerByte steps per byte of name for each pattern that reaches the
// full matcher.
func (g Globs) Match(name string) bool {
	ok, _ := g.match(name, nil)
	return ok
}

// match is Match charging the full matcher's steps to *steps (nil: no
// limit). If the budget runs out before any pattern matches, it returns
// false and the first pattern it could not decide.
func (g Globs) match(name string, steps *int) (matched bool, undecided string) {
	if _, ok := g.exact[name]; ok {
		return true, ""
	}
	for _, p := range g.prefixes {
		// "dir/**" matches "dir" itself too, as "**" may be empty.
		if strings.HasPrefix(name, p) || name == p[:len(p)-1] {
			return true, ""
		}
	}
	if len(g.exts) > 0 {
		if _, ok := g.exts[path.Ext(name)]; ok {
			return true, ""
		}
	}
	for _, s := range g.suffixes {
		// "**/*_test.go" needs at least one character before the suffix in
		// the base name, as "*" does not match across "/" but may be empty.
		if strings.HasSuffix(name, s) {
			base := name[strings.LastIndexByte(name, '/')+1:]
			if strings.HasSuffix(base, s) {
				return true, ""
			}
		}
	}
	if len(g.bases) > 0 {
		if _, ok := g.bases[name[strings.LastIndexByte(name, '/')+1:]]; ok {
			return true, ""
		}
	}
	for i := range g.general {
		ok, decided := g.general[i].match(name, steps)
		if ok {
			return true, ""
		}
		if !decided && undecided == "" {
			undecided = g.general[i].pattern
		}
	}
	return false, undecided
}

func (gg *generalGlob) match(name string, steps *int) (matched, decided bool) {
	if !strings.HasPrefix(name, gg.prefix) {
		return false, true
	}
	for _, n := range gg.needles {
		if !strings.Contains(name, n) {
			return false, true
		}
	}
	return gg.prog.match(name, steps)
}
