package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Globs is a compiled set of path patterns with .gitignore-style "**"
// semantics (matched by doublestar). Compiling sorts patterns into cheap
// classes (exact path, "dir/**" prefix, "**/*.ext" extension) so that the
// common shapes cost a map lookup or a prefix test instead of a full match;
// everything else falls back to doublestar.
type Globs struct {
	patterns []string
	exact    map[string]struct{}
	prefixes []string            // "dir/" for "dir/**"
	exts     map[string]struct{} // ".go" for "**/*.go"
	suffixes []string            // "_test.go" for "**/*_test.go"
	bases    map[string]struct{} // "conftest.py" for "**/conftest.py"
	general  []generalGlob
}

// generalGlob is a pattern only doublestar can decide, with literals every
// match must contain, checked first because they are far cheaper.
type generalGlob struct {
	pattern string
	prefix  string   // the path must start with this
	needles []string // and contain each of these
}

// CompileGlobs validates and compiles patterns. The error names the first
// invalid pattern.
func CompileGlobs(patterns []string) (Globs, error) {
	g := Globs{patterns: append([]string(nil), patterns...)}
	for _, p := range patterns {
		if p == "" {
			return Globs{}, fmt.Errorf("empty pattern")
		}
		if !doublestar.ValidatePattern(p) {
			return Globs{}, fmt.Errorf("invalid glob %q", p)
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
	g := generalGlob{pattern: p}
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
// repository root) matches any pattern.
func (g Globs) Match(name string) bool {
	if _, ok := g.exact[name]; ok {
		return true
	}
	for _, p := range g.prefixes {
		// "dir/**" matches "dir" itself too, as "**" may be empty.
		if strings.HasPrefix(name, p) || name == p[:len(p)-1] {
			return true
		}
	}
	if len(g.exts) > 0 {
		if _, ok := g.exts[path.Ext(name)]; ok {
			return true
		}
	}
	for _, s := range g.suffixes {
		// "**/*_test.go" needs at least one character before the suffix in
		// the base name, as "*" does not match across "/" but may be empty.
		if strings.HasSuffix(name, s) {
			base := name[strings.LastIndexByte(name, '/')+1:]
			if strings.HasSuffix(base, s) {
				return true
			}
		}
	}
	if len(g.bases) > 0 {
		if _, ok := g.bases[name[strings.LastIndexByte(name, '/')+1:]]; ok {
			return true
		}
	}
	for i := range g.general {
		if g.general[i].match(name) {
			return true
		}
	}
	return false
}

func (gg *generalGlob) match(name string) bool {
	if !strings.HasPrefix(name, gg.prefix) {
		return false
	}
	for _, n := range gg.needles {
		if !strings.Contains(name, n) {
			return false
		}
	}
	ok, _ := doublestar.Match(gg.pattern, name)
	return ok
}
