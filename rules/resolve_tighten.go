package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// loosens reports whether replacing old (the org's effective value) with v
// (the repo's) would relax the rules, and if so what the org requires, as a
// phrase completing "the org requires ...".
func loosens(strict strictness, old, v any) (string, bool) {
	switch strict {
	case higherStricter:
		if rank(v) >= rank(old) {
			return "", false
		}
		if _, ok := old.(bool); ok {
			return formatValue(old), true
		}
		switch old.(type) {
		case Mode, SkippedPolicy:
			return formatValue(old), true
		}
		return "at least " + formatValue(old), true
	case lowerStricter:
		return formatValue(old), rank(v) > rank(old)
	case limitStricter:
		o, n := old.(int), v.(int)
		if o == 0 || (n != 0 && n <= o) {
			return "", false
		}
		return fmt.Sprintf("at most %d", o), true
	case supersetStricter:
		o, n := old.([]string), v.([]string)
		if missing := without(o, n); len(missing) > 0 {
			return "it to keep " + formatValue(missing), true
		}
	case subsetStricter:
		o, n := old.([]string), v.([]string)
		if extra := without(n, o); len(extra) > 0 {
			return "it to stay within " + formatValue(o), true
		}
	case botsStricter:
		o, n := old.([]string), v.([]string)
		if extra := withoutFold(n, o); len(extra) > 0 {
			return "it to stay within " + formatValue(o), true
		}
	case checksStricter:
		o, n := old.([]CheckRequirement), v.([]CheckRequirement)
		if missing := checksWithout(o, n); len(missing) > 0 {
			return "it to keep " + formatChecks(missing), true
		}
	case shorterStricter:
		o, n := old.(time.Duration), v.(time.Duration)
		if n > o {
			return "at most " + FormatDuration(o), true
		}
	case teamsStricter:
		o, n := old.([]string), v.([]string)
		if len(o) > 0 && !slices.Equal(o, n) {
			return "exactly " + formatValue(o), true
		}
	}
	return "", false
}

// rank orders a value by strictness: higher is stricter.
func rank(v any) int {
	switch x := v.(type) {
	case bool:
		if x {
			return 1
		}
		return 0
	case int:
		return x
	case Tier:
		return int(x)
	case Permission:
		return int(x)
	case Mode:
		if x == ModeEnforce {
			return 1
		}
		return 0
	case SkippedPolicy:
		if x == SkippedFail {
			return 1
		}
		return 0
	}
	panic(fmt.Sprintf("rules: no strictness order for %T", v))
}

// without returns the items of a that are not in b.
func without(a, b []string) []string {
	var out []string
	inB := set(b)
	for _, s := range a {
		if _, ok := inB[s]; !ok {
			out = append(out, s)
		}
	}
	return out
}

// withoutFold returns the items of a that are not in b, ignoring case.
func withoutFold(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.ContainsFunc(b, func(t string) bool { return strings.EqualFold(s, t) }) {
			out = append(out, s)
		}
	}
	return out
}

// maxListed is how many entries of a list a warning shows.
const maxListed = 5

// formatValue writes a value as it would appear in the YAML file, each
// string quoted (and cut) by quote and a long list cut after maxListed
// entries.
func formatValue(v any) string {
	switch x := v.(type) {
	case []string:
		quoted := make([]string, 0, min(len(x), maxListed+1))
		for _, s := range x[:min(len(x), maxListed)] {
			quoted = append(quoted, quote(s))
		}
		if len(x) > maxListed {
			quoted = append(quoted, "… "+thousands(len(x)-maxListed)+" more")
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	case string:
		return quote(x)
	case []CheckRequirement:
		return formatChecks(x)
	case time.Duration:
		return FormatDuration(x)
	}
	return fmt.Sprint(v)
}
