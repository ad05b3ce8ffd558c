package rules

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", `""`},
		{"tier/feature", `"tier/feature"`},
		{`say "hi"`, `"say \"hi\""`},
		{"tab\there", `"tab\there"`},
		{"\xff", `"\xff"`},
		{strings.Repeat("a", 60), `"` + strings.Repeat("a", 60) + `"`},
		{strings.Repeat("a", 61), `"` + strings.Repeat("a", 60) + `…" (61 bytes)`},
		{strings.Repeat("a", 900_000), `"` + strings.Repeat("a", 60) + `…" (900,000 bytes)`},
		// Cut by characters shown, never inside a character or an escape.
		{strings.Repeat("é", 70), `"` + strings.Repeat("é", 60) + `…" (140 bytes)`},
		{strings.Repeat("\x00", 30), `"` + strings.Repeat(`\x00`, 15) + `…" (30 bytes)`},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%.40q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for in, want := range map[string]string{"platfrom": "platfrom", "my key": "my key", "a\nb": `"a\nb"`, strings.Repeat("k", 61): `"` + strings.Repeat("k", 60) + `…" (61 bytes)`} {
		if got := plain(in); got != want {
			t.Errorf("plain(%.40q) = %s, want %s", in, got, want)
		}
	}
}

// TestLongValuesAreCut checks no error or warning echoes a long value whole,
// wherever the value sits.
func TestLongValuesAreCut(t *testing.T) {
	long := strings.Repeat("a", 900_000)
	// Two copies of a value that long would pass 1 MiB: such cases use 450 KB
	// or an alias.
	cut := regexp.MustCompile(`…" \((900|450),000 bytes\)`)
	tests := []struct {
		name      string
		org, repo string
	}{
		{"unknown key", "", "version: 1\n? " + long + "\n: 1\n"},
		{"unknown nested key", "", "version: 1\napprovals:\n  ? " + long + "\n  : 1\n"},
		{"duplicate key", "", "version: 1\napprovals:\n  ? " + long[:450_000] + "\n  : 1\n  ? " + long[:450_000] + "\n  : 2\n"},
		{"version", "", "version: " + long + "\n"},
		{"enum value", "", "version: 1\nmode: " + long + "\n"},
		{"string for a bool", "", "version: 1\napprovals: {fresh_only: " + long + "}\n"},
		{"tagged number", "", "version: 1\ntiers: {feature: {require: {approvals: !!int " + long + "}}}\n"},
		{"string for a list", "", "version: 1\npaths: {docs: " + long + "}\n"},
		{"glob not relative", "", "version: 1\npaths: {docs: [\"/" + long[1:] + "\"]}\n"},
		{"invalid glob", "", "version: 1\npaths: {docs: [\"[" + long[1:] + "\"]}\n"},
		{"glob over the limit", "", "version: 1\npaths: {docs: [" + long + "]}\n"},
		{"duplicate critical path", "", "version: 1\ncritical_paths:\n  - {name: &n " + long + ", paths: [a/**]}\n  - {name: *n, paths: [b/**]}\n"},
		{"critical path with empty paths", "", "version: 1\ncritical_paths:\n  - {name: " + long + ", paths: []}\n"},
		{"label in two tiers", "", "version: 1\ntiers:\n  feature: {labels: [&l " + long + "]}\n  platform: {labels: [*l]}\n"},
		{"override label is a tier label", "", "version: 1\ntiers: {feature: {labels: [&l " + long + "]}}\noverrides: {labels: {tests: *l}}\n"},
		{"unknown alias", "", "version: 1\nmode: *" + long[1:] + "\n"},
		{"new critical path without paths", "", "version: 1\ncritical_paths:\n  - {name: " + long + ", approvals: 1}\n"},
		{"label clash across files", "version: 1\ntiers: {feature: {labels: [" + long + "]}}\n", "version: 1\ntiers: {platform: {labels: [" + long + "]}}\n"},
		{"tighten_only: a bot", "version: 1\nrepo_overrides: tighten_only\n", "version: 1\noverrides: {allow_bots: [" + long + "]}\n"},
		{"tighten_only: a critical path's name and teams", "version: 1\nrepo_overrides: tighten_only\ncritical_paths: [{name: " + long + ", paths: [a/**], teams: [t]}]\n",
			"version: 1\ncritical_paths: [{name: &n " + long + ", teams: [*n]}]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []string
			var files []*File
			for _, data := range []string{tt.org, tt.repo} {
				if data == "" {
					files = append(files, nil)
					continue
				}
				f, err := Parse("c.yml", []byte(data))
				var errs ConfigErrors
				if errors.As(err, &errs) {
					for _, e := range errs {
						lines = append(lines, e.Error())
					}
				}
				files = append(files, f)
			}
			if len(lines) == 0 {
				cfg, err := Resolve(files[0], files[1])
				var errs ConfigErrors
				if errors.As(err, &errs) {
					for _, e := range errs {
						lines = append(lines, e.Error())
					}
				}
				if cfg != nil {
					lines = append(lines, cfg.Warnings...)
				}
			}
			if len(lines) == 0 {
				t.Fatal("no errors or warnings, want at least one")
			}
			for _, l := range lines {
				if len(l) > 400 || !cut.MatchString(l) {
					t.Errorf("message of %d bytes: %.400s; want under 400 bytes, the value cut like %s", len(l), l, cut)
				}
			}
		})
	}
}

// TestWarningsCutLongLists checks a warning lists a few entries of a long
// list and counts the rest.
func TestWarningsCutLongLists(t *testing.T) {
	org := mustParse(t, "org", "version: 1\nrepo_overrides: tighten_only\n")
	repo := mustParse(t, "repo", "version: 1\noverrides:\n  allow_bots:\n"+strings.Repeat("    - x[bot]\n", 10_000))
	cfg, err := Resolve(org, repo)
	if err != nil {
		t.Fatalf("Resolve = %v", err)
	}
	want := `repo:4: overrides.allow_bots: ["x[bot]", "x[bot]", "x[bot]", "x[bot]", "x[bot]", … 9,995 more] ignored, the org requires it to stay within [] (repo_overrides: tighten_only)`
	if len(cfg.Warnings) != 1 || cfg.Warnings[0] != want {
		t.Errorf("Resolve warnings = %.500q, want [%q]", cfg.Warnings, want)
	}
}
