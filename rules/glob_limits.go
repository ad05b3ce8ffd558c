package rules

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits on one glob. A config is untrusted input (anyone who can push a
// branch can make it a pull request's base), so validation refuses a glob
// beyond these; none comes near them in a realistic config, where globs such
// as "**/*.{go,ts}" or "services/*/config.yaml" are under 40 bytes with one
// or two wildcards.
const (
	// MaxGlobLength is the longest glob, in bytes.
	MaxGlobLength = 256
	// MaxGlobAlternatives caps how many plain patterns a glob's braces expand
	// to: "{a,b}/{c,d,e}" is 6.
	MaxGlobAlternatives = 32
	// MaxGlobBraceDepth caps how deeply braces nest: "{a,{b,c}}" is 2.
	MaxGlobBraceDepth = 3
	// MaxGlobDoubleStars caps the "**" in a glob, counted as written.
	MaxGlobDoubleStars = 4
	// MaxGlobWildcards caps the wildcards in a glob, counted as written: each
	// run of "*" (so "**" too), each "?" and each [class] is one.
	MaxGlobWildcards = 16
)

// GlobStepsPerByte bounds the work of matching one glob against a path: at
// most this many steps per byte of the path, for any glob validation accepts.
// A step is one state of the compiled matcher visited for one character; a
// glob of n bytes has at most 2(n+1) states plus one per "*" and "**", and the
// matcher never backtracks, so a 4 KiB path costs at most 4096 ×
// GlobStepsPerByte steps (2,187,264). The worst glob found costs about half
// that (see BenchmarkWorstCaseGlob).
const GlobStepsPerByte = 2*(MaxGlobLength+1) + MaxGlobWildcards + MaxGlobDoubleStars

// EvaluateGlobSteps is the glob-matching budget of one Evaluate call. The
// cheap shapes (exact paths, "dir/**", "**/*.ext", "**/name") and the
// literal prefilter cost nothing; only globs that reach the matcher are
// charged. A realistic config against a 3,000-file pull request spends a few
// hundred thousand steps. Once the budget is spent, a glob that cannot be
// decided fails closed (see Evaluate), so a verdict depends on counted steps,
// never on the time taken or the machine's load.
const EvaluateGlobSteps = 20_000_000

// globShape is what the limits measure in one glob, as written.
type globShape struct {
	alternatives int // saturates at MaxGlobAlternatives+1
	depth        int
	doubleStars  int
	wildcards    int
}

// checkGlob reports why tiergate refuses p, a valid doublestar pattern: a
// limit it exceeds, or a construct the matcher refuses (see ambiguity).
func checkGlob(p string) error {
	if !utf8.ValidString(p) {
		return errors.New("glob is not valid UTF-8")
	}
	if err := checkGlobLimits(p); err != nil {
		return err
	}
	if !strings.ContainsAny(p, "*[{\\") && !strings.HasSuffix(p, "/") {
		return nil // a literal path: nothing to be ambiguous about
	}
	g, _, _ := parseProg(p)
	if why := g.ambiguity(); why != "" {
		return errors.New(why)
	}
	return nil
}

// checkGlobLimits reports the first limit p exceeds.
func checkGlobLimits(p string) error {
	if len(p) > MaxGlobLength {
		return fmt.Errorf("glob is %d bytes long, more than the %d allowed", len(p), MaxGlobLength)
	}
	s := measureGlob(p)
	switch {
	case s.depth > MaxGlobBraceDepth:
		return fmt.Errorf("glob nests braces %d deep, more than the %d allowed", s.depth, MaxGlobBraceDepth)
	case s.alternatives > MaxGlobAlternatives:
		return fmt.Errorf("glob's braces expand to more than %d alternatives", MaxGlobAlternatives)
	case s.doubleStars > MaxGlobDoubleStars:
		return fmt.Errorf("glob has %d \"**\", more than the %d allowed", s.doubleStars, MaxGlobDoubleStars)
	case s.wildcards > MaxGlobWildcards:
		return fmt.Errorf("glob has %d wildcards, more than the %d allowed", s.wildcards, MaxGlobWildcards)
	}
	return nil
}

// measureGlob scans p once. Alternatives multiply along a sequence and add
// across a brace's branches; the count saturates so it cannot overflow.
func measureGlob(p string) globShape {
	var s globShape
	capped := func(n int) int { return min(n, MaxGlobAlternatives+1) }
	// Each open brace keeps the sum over its finished branches and the
	// product along the branch being read; index 0 is the whole pattern.
	type level struct{ sum, prod int }
	stack := []level{{0, 1}}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case c == '[':
			s.wildcards++
			i = classEnd(p, i) - 1
		case c == '?':
			s.wildcards++
		case c == '*':
			s.wildcards++
			j := i
			for j < len(p) && p[j] == '*' {
				j++
			}
			s.doubleStars += (j - i) / 2
			i = j - 1
		case c == '{':
			stack = append(stack, level{0, 1})
			s.depth = max(s.depth, len(stack)-1)
		case c == ',' && len(stack) > 1:
			top := &stack[len(stack)-1]
			top.sum, top.prod = capped(top.sum+top.prod), 1
		case c == '}' && len(stack) > 1:
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			outer := &stack[len(stack)-1]
			outer.prod = capped(outer.prod * capped(top.sum+top.prod))
		}
	}
	s.alternatives = stack[0].prod
	return s
}

// ambiguity reports a construct on which the matcher and doublestar could
// disagree. doublestar backtracks only to the last star it passed and reads
// "**" and the pattern's end against the pattern text as it stands mid-match;
// for everything else the two are the same, but for these they need not be,
// and each is a mistake in a path glob rather than an intent:
//   - a "**" that is not a whole path segment (doublestar reads it as "*");
//   - a [class] that can match '/' ("[!a]" does; write "[!a/]");
//   - a brace alternative that is empty or only '*' and '/' ("{,x}", "{**/,}");
//   - a glob that can end with '/' (it matches no file anyway).
func (g *globProg) ambiguity() string {
	p := g.pattern
	if g.sosAt[len(p)]&2 != 0 {
		return `a glob may not end with "/": changed-file paths never do; write "docs/**" for everything below docs`
	}
	for i, op := range g.op {
		switch {
		case op.kind == opStar && op.pair && (g.sosAt[i]&1 != 0 || (!op.dsEnd && op.dsNext < 0)):
			return `"**" must be a whole path segment, as in "a/**/b"; write "*" to match within a segment`
		case op.kind == opClass && g.classes[op.class].match('/'):
			return fmt.Sprintf("character class %s can match \"/\"; add / to a negated class, as in [!a/]", quote(p[i:op.next]))
		case op.kind == opOpen:
			for k, a := range op.alts {
				end := op.next // the closing brace
				if k+1 < len(op.alts) {
					end = op.alts[k+1] - 1
				}
				if alt := p[a:end]; strings.Trim(alt, "*/") == "" {
					return fmt.Sprintf("brace alternative %q is empty or only * and /; write the pattern out without it", alt)
				}
			}
		}
	}
	return ""
}

// globJudge matches globs for one evaluation under the EvaluateGlobSteps
// budget. A glob it cannot decide fails closed, towards the stricter
// verdict, and is named once in a warning.
type globJudge struct {
	steps    int
	warned   map[string]bool
	warnings []Message
}

// match reports whether name matches g; undecided counts as failClosed.
// list names g in a warning: a config key, or a critical path when
// critical is set.
func (j *globJudge) match(g Globs, name, list string, critical, failClosed bool) bool {
	ok, undecided := g.match(name, &j.steps)
	if undecided == "" {
		return ok
	}
	where := msgf("%s", words(list))
	if critical {
		where = msgf("critical path %q", list)
	}
	if key := fmt.Sprint(critical) + list + "\x00" + undecided; !j.warned[key] {
		if j.warned == nil {
			j.warned = map[string]bool{}
		}
		j.warned[key] = true
		effect := "not counted as matching"
		if failClosed {
			effect = "counted as matching"
		}
		what := "files"
		if list == checksGlobList {
			what = "checks"
		}
		j.warnings = append(j.warnings, msgf(
			"%s: glob %q could not be decided within the budget of %s match steps for one evaluation; %s it might match are %s", where, undecided, words(thousands(EvaluateGlobSteps)), words(what), words(effect)))
	}
	return failClosed
}
