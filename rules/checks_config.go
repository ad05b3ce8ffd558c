package rules

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// CheckRequirement is one CI check a tier or a critical path requires: a
// name or glob matching a check run's name or a commit status's context,
// optionally bound to the source that may satisfy it. Anyone with write
// access can post a status or add a workflow job with any name, so binding
// is how a config says "the build from GitHub Actions, not any build".
type CheckRequirement struct {
	Name string
	// App binds the requirement to check runs from the GitHub App with this
	// slug (e.g. "github-actions"); statuses never satisfy it.
	App string
	// StatusCreator binds it to commit statuses posted by this account;
	// check runs never satisfy it.
	StatusCreator string
}

// IsGlob says Name is a pattern rather than an exact name.
func (r CheckRequirement) IsGlob() bool { return strings.ContainsAny(r.Name, globMeta) }

// ChecksPolicy says how long required checks may take and what a skipped
// check counts as.
type ChecksPolicy struct {
	// Timeout is how long after tiergate first saw a head commit a required
	// check may stay incomplete (or unreported) before it fails.
	Timeout time.Duration
	Skipped SkippedPolicy
}

// SkippedPolicy says whether a skipped or neutral conclusion satisfies a
// required check.
type SkippedPolicy int

// SkippedFail (the default) is the strict choice: a skipped check is not a
// passed one. SkippedPass lets path-filtered jobs that GitHub skips count.
const (
	SkippedFail SkippedPolicy = iota
	SkippedPass
)

var skippedNames = []string{"fail", "pass"}

func (s SkippedPolicy) String() string {
	if s == SkippedPass {
		return "pass"
	}
	return "fail"
}

// Limits of checks.timeout. The upper bound keeps a pending verdict from
// outliving the sweep's notion of a stuck check run by more than a day.
const (
	MinChecksTimeout = time.Second
	MaxChecksTimeout = 24 * time.Hour
)

// durationPattern is the syntax of a duration in a config file, also used
// by schema.json: whole hours, minutes and seconds, e.g. 90s, 30m, 2h, 1h30m.
const durationPattern = `^([0-9]+[hms])+$`

var durationSyntax = regexp.MustCompile(durationPattern)

// FormatDuration writes d as a config file would: "2h", "30m", "1h30m", "90s".
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	var b strings.Builder
	h, m, s := int64(d/time.Hour), int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second)
	if h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if s > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%ds", s)
	}
	return b.String()
}

// duration decodes checks.timeout.
func (d *decoder) duration(n *yaml.Node, path string) (time.Duration, bool) {
	const hint = "write a duration such as 90s, 30m or 2h"
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || !durationSyntax.MatchString(n.Value) {
		d.fail(n, hint, "%s: expected a duration, got %s", path, describe(n))
		return 0, false
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.fail(n, hint, "%s: %s is not a usable duration", path, n.Value)
		return 0, false
	}
	if v < MinChecksTimeout || v > MaxChecksTimeout {
		d.fail(n, fmt.Sprintf("use a duration from %s to %s", FormatDuration(MinChecksTimeout), FormatDuration(MaxChecksTimeout)),
			"%s: %s is out of range", path, n.Value)
		return 0, false
	}
	return v, true
}

// checkEntryKeys are the fields of a check entry written as a mapping.
var checkEntryKeys = []key{{name: "name"}, {name: "app"}, {name: "status_creator"}}

// checks decodes a list of required checks: each entry a name (exact, or a
// glob such as "security/*") or a mapping {name, app} or {name,
// status_creator}.
func (d *decoder) checks(n *yaml.Node, path string) ([]CheckRequirement, bool) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, `write a list such as ["build", {name: "security/*", app: "github-actions"}]`, "%s: expected a list, got %s", path, describe(n))
		return nil, false
	}
	out := make([]CheckRequirement, 0, len(n.Content))
	ok := true
	for _, item := range n.Content {
		if item = d.deref(item); item == nil {
			return nil, false
		}
		r, good := d.checkEntry(item, path)
		ok = ok && good
		out = append(out, r)
	}
	return out, ok
}

func (d *decoder) checkEntry(n *yaml.Node, path string) (CheckRequirement, bool) {
	switch {
	case n.Kind == yaml.ScalarNode:
		name, ok := d.str(n, path)
		if !ok {
			return CheckRequirement{}, false
		}
		r := CheckRequirement{Name: name}
		return r, d.checkName(n, path, name)
	case n.Kind != yaml.MappingNode:
		d.fail(n, `write a check name, or a mapping such as {name: build, app: github-actions}`, "%s: expected a check name or a mapping, got %s", path, describe(n))
		return CheckRequirement{}, false
	}
	var r CheckRequirement
	ok := true
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], d.deref(n.Content[i+1])
		if vn == nil {
			return CheckRequirement{}, false
		}
		if seen[kn.Value] {
			d.fail(kn, "keep one of them", "%s: duplicate key %s", path, kn.Value)
			ok = false
			continue
		}
		seen[kn.Value] = true
		var dst *string
		switch kn.Value {
		case "name":
			dst = &r.Name
		case "app":
			dst = &r.App
		case "status_creator":
			dst = &r.StatusCreator
		default:
			d.fail(kn, unknownKeyHint(kn.Value, checkEntryKeys), "%s: %s: unknown key of a check", path, kn.Value)
			ok = false
			continue
		}
		s, good := d.str(vn, path+"."+kn.Value)
		if good && s == "" {
			d.fail(vn, "remove the key or give it a value", "%s.%s: must not be empty", path, kn.Value)
			good = false
		}
		*dst, ok = s, ok && good
	}
	switch {
	case !seen["name"]:
		d.fail(n, "add name: with the check run's name or the status's context", "%s: a check needs a name", path)
		return r, false
	case r.App != "" && r.StatusCreator != "":
		d.fail(n, "a check comes either from an App (a check run) or from an account (a commit status); keep one",
			"%s: check %q sets both app and status_creator", path, r.Name)
		return r, false
	}
	return r, ok && d.checkName(nodeAt(n, "name"), path, r.Name)
}

// checkName validates a required check's name: non-empty, and a valid glob
// within the limits when it holds glob characters.
func (d *decoder) checkName(n *yaml.Node, path, name string) bool {
	switch {
	case name == "":
		d.fail(n, "remove the empty entry", "%s: empty check name", path)
		return false
	case len(name) > MaxGlobLength:
		d.fail(n, "use a shorter name or a glob", "%s: check name is %d bytes long, more than the %d allowed", path, len(name), MaxGlobLength)
		return false
	case !strings.ContainsAny(name, globMeta):
		return true
	case !doublestar.ValidatePattern(name):
		d.fail(n, `check brackets and braces are closed, or escape them with \ (e.g. "test \[linux\]")`, "%s: invalid glob %q", path, name)
		return false
	}
	if err := checkGlob(name); err != nil {
		d.fail(n, "simplify the glob; see Glob limits in docs/configuration.md", "%s: glob %q: %v", path, name, err)
		return false
	}
	return true
}

// formatChecks writes a list of required checks as YAML flow, for warnings.
func formatChecks(rs []CheckRequirement) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = formatCheck(r)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func formatCheck(r CheckRequirement) string {
	switch {
	case r.App != "":
		return fmt.Sprintf("{name: %q, app: %q}", r.Name, r.App)
	case r.StatusCreator != "":
		return fmt.Sprintf("{name: %q, status_creator: %q}", r.Name, r.StatusCreator)
	}
	return fmt.Sprintf("%q", r.Name)
}

// checksWithout returns the entries of a that no entry of b covers, for
// tighten_only. An entry covers another of the same name with the same
// source binding, or binds a name the other left unbound: binding narrows
// who may satisfy it, so it is stricter. Names compare exactly; sources,
// like logins, without regard to case.
func checksWithout(a, b []CheckRequirement) []CheckRequirement {
	var out []CheckRequirement
	for _, r := range a {
		covered := false
		for _, s := range b {
			unbound := r.App == "" && r.StatusCreator == ""
			sameSource := strings.EqualFold(r.App, s.App) && strings.EqualFold(r.StatusCreator, s.StatusCreator)
			if r.Name == s.Name && (unbound || sameSource) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, r)
		}
	}
	return out
}
