package rules

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func readExample(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/config/example.yml")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestParseExample checks the documented example means what its comments say.
func TestParseExample(t *testing.T) {
	f, err := Parse("example.yml", readExample(t))
	if err != nil {
		t.Fatalf("Parse(example) = %v, want no error", err)
	}
	cfg, err := Resolve(f, nil)
	if err != nil {
		t.Fatalf("Resolve(example, nil) = %v, want no error", err)
	}
	// The engine's tests use exampleConfig; this keeps it what the example
	// file really means.
	want := exampleConfig()
	want.Sources = []string{"example.yml"}
	if diff := cmp.Diff(want, cfg, configCmp); diff != "" {
		t.Errorf("Resolve(example) mismatch (-want +got):\n%s", diff)
	}
}

// configCmp compares Globs by their patterns and treats nil and empty
// slices alike.
var configCmp = cmp.Options{
	cmp.Comparer(func(a, b Globs) bool { return cmp.Equal(a.Patterns(), b.Patterns()) }),
	cmpEmpty,
	cmp.FilterValues(func(a, b []CheckRequirement) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore()),
}

var cmpEmpty = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())

// loc is an expected error location and the start of its message.
type loc struct {
	line, col int
	message   string
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []loc
	}{
		{"syntax error", "version: 1\ntiers: [\n", []loc{{2, 1, "invalid YAML"}}},
		{"tab indentation", "version: 1\ntiers:\n\tfeature: {}\n", []loc{{3, 1, "invalid YAML: a tab in the indentation"}}},
		{"not a mapping", "- version: 1\n", []loc{{1, 1, "the file must be a mapping"}}},
		{"scalar document", "hello\n", []loc{{1, 1, "the file must be a mapping"}}},
		{"missing version", "mode: report\n", []loc{{1, 1, "missing version"}}},
		{"version 2", "version: 2\n", []loc{{1, 10, "version: unsupported version 2"}}},
		{"version string", "version: \"1\"\n", []loc{{1, 10, "version: expected a whole number"}}},
		{"unknown top key", "version: 1\nmod: report\n", []loc{{2, 1, "mod: unknown key"}}},
		{"unknown nested key", "version: 1\napprovals:\n  fresh: true\n", []loc{{3, 3, "approvals.fresh: unknown key"}}},
		{"unknown tier", "version: 1\ntiers:\n  hotfix: {}\n", []loc{{3, 3, "tiers.hotfix: unknown key"}}},
		{"unknown override gate", "version: 1\noverrides:\n  labels: {size: x}\n", []loc{{3, 12, "overrides.labels.size: unknown key"}}},
		{"string for bool", "version: 1\napprovals: {fresh_only: \"yes\"}\n", []loc{{2, 25, "approvals.fresh_only: expected true or false"}}},
		{"yes is not a bool", "version: 1\napprovals: {fresh_only: yes}\n", []loc{{2, 25, "approvals.fresh_only: expected true or false"}}},
		{"null for bool", "version: 1\napprovals:\n  fresh_only:\n", []loc{{3, 14, "approvals.fresh_only: expected true or false"}}},
		{"string for int", "version: 1\ntiers:\n  feature:\n    require: {approvals: two}\n", []loc{{4, 26, "tiers.feature.require.approvals: expected a whole number"}}},
		{"float for int", "version: 1\ntiers:\n  feature:\n    require: {approvals: 1.5}\n", []loc{{4, 26, "tiers.feature.require.approvals: expected a whole number"}}},
		{"huge int", "version: 1\ntiers:\n  feature:\n    require: {approvals: 99999999999999999999}\n", []loc{{4, 26, "tiers.feature.require.approvals: expected a whole number"}}},
		{"negative count", "version: 1\ntiers:\n  platform:\n    require: {max_changed_lines: -5}\n", []loc{{4, 34, "tiers.platform.require.max_changed_lines: must not be negative"}}},
		{"string for list", "version: 1\npaths:\n  docs: docs/**\n", []loc{{3, 9, "paths.docs: expected a list"}}},
		{"number in list", "version: 1\ntiers:\n  feature:\n    labels: [feature, 2]\n", []loc{{4, 23, "tiers.feature.labels: expected a string"}}},
		{"empty label", "version: 1\ntiers:\n  feature:\n    labels: [\"\"]\n", []loc{{4, 14, "tiers.feature.labels: empty entry"}}},
		{"mapping for scalar", "version: 1\nmode: {a: b}\n", []loc{{2, 7, "mode: expected one of enforce, report, got a mapping"}}},
		{"number for tier", "version: 1\ndefault_tier: 3\n", []loc{{2, 15, "default_tier: expected one of experiment, feature, platform, got a number 3"}}},
		{"date for string", "version: 1\ntiers:\n  feature:\n    labels: [2024-01-01]\n", []loc{{4, 14, "tiers.feature.labels: expected a string, got a date 2024-01-01"}}},
		{"tagged bool", "version: 1\napprovals: {fresh_only: !!bool yes}\n", []loc{{2, 25, "approvals.fresh_only: expected true or false, got yes"}}},
		{"tagged int", "version: 1\ntiers: {feature: {require: {approvals: !!int two}}}\n", []loc{{2, 40, "tiers.feature.require.approvals: two is not a usable whole number"}}},
		{"list for mapping", "version: 1\napprovals: [a]\n", []loc{{2, 12, "approvals: expected a mapping"}}},
		{"invalid glob", "version: 1\npaths:\n  source: [\"src/[a\"]\n", []loc{{3, 12, "paths.source: invalid glob"}}},
		{"empty glob", "version: 1\npaths:\n  source: [\"\"]\n", []loc{{3, 12, "paths.source: empty entry"}}},
		{"absolute glob", "version: 1\npaths:\n  docs: [\"/docs/**\"]\n", []loc{{3, 10, "paths.docs: glob \"/docs/**\" is not relative"}}},
		{"dot-relative glob", "version: 1\npaths:\n  source: [\"./src/**\"]\n", []loc{{3, 12, "paths.source: glob \"./src/**\" is not relative"}}},
		{"unknown default tier", "version: 1\ndefault_tier: hotfix\n", []loc{{2, 15, "default_tier: unknown value \"hotfix\""}}},
		{"unknown min tier", "version: 1\ncritical_paths:\n  - name: p\n    paths: [p/**]\n    min_tier: high\n", []loc{{5, 15, "critical_paths[0].min_tier: unknown value"}}},
		{"legacy permission push", "version: 1\napprovals: {min_permission: push}\n", []loc{{2, 29, "approvals.min_permission: unknown value \"push\""}}},
		{"permission none", "version: 1\noverrides: {min_permission: none}\n", []loc{{2, 29, "overrides.min_permission: unknown value \"none\""}}},
		{"unknown mode", "version: 1\nmode: block\n", []loc{{2, 7, "mode: unknown value \"block\""}}},
		{"unknown repo_overrides", "version: 1\nrepo_overrides: tighten\n", []loc{{2, 17, "repo_overrides: unknown value"}}},
		{"duplicate key", "version: 1\nmode: report\nmode: enforce\n", []loc{{3, 1, "mode: duplicate key, already set on line 2"}}},
		{"duplicate nested key", "version: 1\ntiers:\n  feature: {labels: [a], labels: [b]}\n", []loc{{3, 26, "tiers.feature.labels: duplicate key, already set on line 3"}}},
		{"merge key", "version: 1\nbase: &b {tests: true}\n", []loc{{2, 1, "base: unknown key"}}},
		{"merge key in tier", "version: 1\ntiers:\n  feature:\n    require:\n      <<: {tests: true}\n", []loc{{5, 7, "tiers.feature.require.<<: merge keys"}}},
		{"non-string key", "version: 1\n[a]: 1\n", []loc{{2, 1, "keys must be strings, got a list"}}},
		{"non-string nested key", "version: 1\napprovals:\n  [a]: 1\n", []loc{{3, 3, "approvals: keys must be strings, got a list"}}},
		{"critical paths not a list", "version: 1\ncritical_paths: {name: p}\n", []loc{{2, 17, "critical_paths: expected a list"}}},
		{"critical path without name", "version: 1\ncritical_paths:\n  - paths: [p/**]\n", []loc{{3, 5, "critical_paths[0]: missing name"}}},
		{"critical path empty name", "version: 1\ncritical_paths:\n  - name: \"\"\n    paths: [p/**]\n", []loc{{3, 11, "critical_paths[0].name: must not be empty"}}},
		{"critical path empty paths", "version: 1\ncritical_paths:\n  - name: p\n    paths: []\n", []loc{{4, 12, "critical_paths \"p\": paths is empty"}}},
		{"duplicate critical path", "version: 1\ncritical_paths:\n  - {name: p, paths: [a/**]}\n  - {name: p, paths: [b/**]}\n", []loc{{4, 6, "critical_paths: duplicate name \"p\", already used on line 3"}}},
		{"label in two tiers", "version: 1\ntiers:\n  feature: {labels: [x]}\n  platform: {labels: [y, x]}\n", []loc{{4, 26, "tiers.platform.labels: label \"x\" already selects tier feature"}}},
		{"two documents", "version: 1\n---\nversion: 1\n", []loc{{2, 1, "the file holds more than one YAML document"}}},
		{"checks not a list", "version: 1\ntiers:\n  platform:\n    require: {checks: build}\n", []loc{{4, 23, "tiers.platform.require.checks: expected a list"}}},
		{"check without name", "version: 1\ntiers:\n  platform:\n    require:\n      checks: [{app: github-actions}]\n", []loc{{5, 16, "tiers.platform.require.checks: a check needs a name"}}},
		{"check with two sources", "version: 1\ncritical_paths:\n  - name: p\n    paths: [p/**]\n    checks:\n      - {name: b, app: a, status_creator: c}\n", []loc{{6, 9, "critical_paths[0].checks: check \"b\" sets both app and status_creator"}}},
		{"check unknown key", "version: 1\ntiers:\n  platform:\n    require:\n      checks: [{name: b, ap: a}]\n", []loc{{5, 26, "tiers.platform.require.checks: ap: unknown key"}}},
		{"check empty name", "version: 1\ntiers:\n  platform:\n    require:\n      checks: [build, \"\"]\n", []loc{{5, 23, "tiers.platform.require.checks: empty check name"}}},
		{"check invalid glob", "version: 1\ntiers:\n  platform:\n    require:\n      checks: [\"test [linux\"]\n", []loc{{5, 16, "tiers.platform.require.checks: invalid glob"}}},
		{"check number", "version: 1\ntiers:\n  platform:\n    require:\n      checks: [{name: 5}]\n", []loc{{5, 23, "tiers.platform.require.checks.name: expected a string"}}},
		{"timeout without unit", "version: 1\nchecks:\n  timeout: 90\n", []loc{{3, 12, "checks.timeout: expected a duration"}}},
		{"timeout too long", "version: 1\nchecks:\n  timeout: 25h\n", []loc{{3, 12, "checks.timeout: 25h is out of range"}}},
		{"timeout zero", "version: 1\nchecks:\n  timeout: 0s\n", []loc{{3, 12, "checks.timeout: 0s is out of range"}}},
		{"unknown skipped", "version: 1\nchecks: {skipped: ignore}\n", []loc{{2, 19, "checks.skipped: unknown value \"ignore\""}}},
		{"every error is collected", "version: 3\nmode: x\nfoo: 1\n", []loc{{1, 10, "version"}, {2, 7, "mode"}, {3, 1, "foo"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("acme/api .github/tiergate.yml", []byte(tt.yaml))
			if f != nil {
				t.Errorf("Parse(%q) returned a file along with errors", tt.yaml)
			}
			var errs ConfigErrors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse(%q) = %v, want ConfigErrors", tt.yaml, err)
			}
			var got []loc
			for _, e := range errs {
				if e.Hint == "" {
					t.Errorf("error %q has no hint", e.Error())
				}
				if e.File != "acme/api .github/tiergate.yml" {
					t.Errorf("error %q names file %q", e.Error(), e.File)
				}
				got = append(got, loc{e.Line, e.Column, e.Message})
			}
			// Compare messages by prefix so tests pin the meaning, not every word.
			prefix := cmp.Comparer(func(a, b loc) bool {
				return a.line == b.line && a.col == b.col && (strings.HasPrefix(a.message, b.message) || strings.HasPrefix(b.message, a.message))
			})
			if diff := cmp.Diff(tt.want, got, prefix); diff != "" {
				t.Errorf("Parse(%q) errors mismatch (-want +got):\n%s\nall: %v", tt.yaml, diff, err)
			}
		})
	}
}

func TestParseHints(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"typo suggests key", "version: 1\ndefualt_tier: feature\n", "did you mean default_tier?"},
		{"far key lists valid keys", "version: 1\nzzz: 1\n", "valid keys here: version, default_tier, tiers"},
		{"typo suggests tier", "version: 1\ntiers:\n  platfrom: {}\n", "did you mean platform?"},
		{"typo suggests value", "version: 1\nmode: enforc\n", "did you mean enforce?"},
		{"permission lists valid", "version: 1\napprovals: {min_permission: push}\n", "use one of: read, triage, write, maintain, admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yml", []byte(tt.yaml))
			var errs ConfigErrors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("Parse(%q) = %v, want one ConfigError", tt.yaml, err)
			}
			if !strings.Contains(errs[0].Hint, tt.want) {
				t.Errorf("Parse(%q) hint = %q, want it to contain %q", tt.yaml, errs[0].Hint, tt.want)
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	for name, data := range map[string]string{"empty": "", "comments only": "# nothing yet\n", "null document": "~\n"} {
		t.Run(name, func(t *testing.T) {
			f, err := Parse("c.yml", []byte(data))
			if err != nil {
				t.Fatalf("Parse(%q) = %v, want no error", data, err)
			}
			cfg, err := Resolve(nil, f)
			if err != nil {
				t.Fatalf("Resolve(nil, empty) = %v", err)
			}
			want := Default()
			want.Sources = []string{"c.yml"}
			if diff := cmp.Diff(want, cfg, configCmp); diff != "" {
				t.Errorf("an empty file changed the defaults (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	// Classic "billion laughs": *i stands for 10^9 strings.
	laughs := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		laughs += n + ": &" + n + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 10), ", ") + "]\n"
		prev = n
	}
	// A shape the decoder does walk: 2,000 critical paths sharing one list of
	// 1,000 globs is 2 million nodes from a 14 KB file.
	globs := strings.TrimSuffix(strings.Repeat("a/**, ", 1000), ", ")
	wide := "version: 1\ng: &g [" + globs + "]\ne: &e {name: p, paths: *g}\ncritical_paths: [" +
		strings.TrimSuffix(strings.Repeat("*e, ", 2000), ", ") + "]\n"
	tests := []struct {
		name string
		data string
		want string
	}{
		{"over 1 MiB", "version: 1\n" + strings.Repeat("#", MaxConfigSize), "over the 1,048,576 byte limit"},
		{"laughs under an unknown key", "version: 1\n" + laughs, "a: unknown key"},
		{"laughs as a glob list", "version: 1\n" + laughs + "paths:\n  source: *i\n", "paths.source: expected a string, got a list"},
		{"laughs as critical paths", "version: 1\n" + laughs + "critical_paths: *i\n", "critical_paths[0]: expected a mapping"},
		{"laughs as a critical path's globs", "version: 1\n" + laughs + "critical_paths: [{name: p, paths: *i}]\n", "expected a string, got a list"},
		{"wide aliases hit the node budget", wide, "c.yml:3:24: alias expansion limit: the aliases in this file expand to more than 1,048,576 YAML nodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse("c.yml", []byte(tt.data))
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("Parse took %v, want it bounded", took)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(...) = %.300v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestParseLargeValidFile checks a file near the size cap with many entries
// parses and resolves in bounded time (no quadratic merging).
func TestParseLargeValidFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\ntiers:\n  feature:\n    labels: [")
	for i := range 20000 {
		fmt.Fprintf(&b, "f%d, ", i)
	}
	b.WriteString("f]\n  platform:\n    labels: [")
	for i := range 20000 {
		fmt.Fprintf(&b, "p%d, ", i)
	}
	b.WriteString("p]\ncritical_paths:\n")
	for i := range 15000 {
		fmt.Fprintf(&b, "  - {name: c%d, paths: [c%d/**]}\n", i, i)
	}
	data := []byte(b.String())
	if len(data) > MaxConfigSize {
		t.Fatalf("test file is %d bytes, over the cap", len(data))
	}
	start := time.Now()
	f, err := Parse("big.yml", data)
	if err != nil {
		t.Fatalf("Parse(big) = %.300v", err)
	}
	cfg, err := Resolve(f, f)
	if err != nil {
		t.Fatalf("Resolve(big, big) = %.300v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Parse+Resolve of %d bytes took %v, want it bounded", len(data), took)
	}
	if got := len(cfg.CriticalPaths); got != 15000 {
		t.Errorf("len(CriticalPaths) = %d, want 15000", got)
	}
}

func TestParseCapsErrors(t *testing.T) {
	data := "version: 1\n" + "bogus: 1\n" + strings.Repeat("tiers: 1\n", 199)
	_, err := Parse("c.yml", []byte(data))
	var errs ConfigErrors
	if !errors.As(err, &errs) {
		t.Fatalf("Parse = %v, want ConfigErrors", err)
	}
	if len(errs) != maxErrors+1 {
		t.Errorf("len(errors) = %d, want %d", len(errs), maxErrors+1)
	}
	if last := errs[len(errs)-1].Message; last != "150 more problems not shown" {
		t.Errorf("last error = %q, want %q", last, "150 more problems not shown")
	}
}

func BenchmarkParseExample(b *testing.B) {
	data := readExample(b)
	for b.Loop() {
		if _, err := Parse("example.yml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolve(b *testing.B) {
	org, err := Parse("example.yml", readExample(b))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Resolve(org, org); err != nil {
			b.Fatal(err)
		}
	}
}

func TestConfigErrorsError(t *testing.T) {
	errs := ConfigErrors{
		{File: "org.yml", Line: 3, Column: 5, Message: "mode: unknown value \"x\"", Hint: "use one of: enforce, report"},
		{File: "org.yml", Line: 9, Column: 1, Message: "missing version"},
	}
	want := "org.yml:3:5: mode: unknown value \"x\" (use one of: enforce, report)\norg.yml:9:1: missing version"
	if got := errs.Error(); got != want {
		t.Errorf("ConfigErrors.Error() = %q, want %q", got, want)
	}
	var wrapped error = errs
	var target ConfigErrors
	if !errors.As(wrapped, &target) || len(target) != 2 {
		t.Errorf("errors.As(ConfigErrors) = %v, want the two errors", target)
	}
}

func TestConfigErrorPosition(t *testing.T) {
	tests := []struct {
		e    ConfigError
		want string
	}{
		{ConfigError{File: "a.yml", Line: 3, Column: 5, Message: "m", Hint: "h"}, "a.yml:3:5: m (h)"},
		{ConfigError{File: "a.yml", Line: 3, Message: "m"}, "a.yml:3: m"},
		{ConfigError{File: "a.yml", Message: "m"}, "a.yml: m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}
