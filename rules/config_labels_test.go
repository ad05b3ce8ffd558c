package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	hintTiers     = "a label can select only one tier; remove it from one of the two lists"
	hintOverride  = "an override label cannot also be a tier label; rename one of the two"
	hintOverrides = "give each override its own label; rename one of the two"
)

// TestParseLabelClashes checks a file alone: label names compare ignoring
// case, as on GitHub, and each clash is reported at its second occurrence in
// the file, naming the first.
func TestParseLabelClashes(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want ConfigErrors // File is c.yml
	}{
		{
			name: "same label in two tiers",
			yaml: "version: 1\ntiers:\n  feature: {labels: [x]}\n  platform: {labels: [y, x]}\n",
			want: ConfigErrors{{Line: 4, Column: 26, Hint: hintTiers,
				Message: `tiers.platform.labels: label "x" already selects tier feature (tiers.feature.labels at line 3)`}},
		},
		{
			name: "labels that differ only in case",
			yaml: "version: 1\ntiers:\n  feature:\n    labels: [x]\n  platform:\n    labels: [X]\n",
			want: ConfigErrors{{Line: 6, Column: 14, Hint: hintTiers,
				Message: `tiers.platform.labels: label "X" already selects tier feature as "x" (tiers.feature.labels at line 4); labels match ignoring case`}},
		},
		{
			name: "reported at the later position, whatever the tier order",
			yaml: "version: 1\ntiers:\n  platform: {labels: [Tier/Big]}\n  experiment: {labels: [tier/big]}\n",
			want: ConfigErrors{{Line: 4, Column: 25, Hint: hintTiers,
				Message: `tiers.experiment.labels: label "tier/big" already selects tier platform as "Tier/Big" (tiers.platform.labels at line 3); labels match ignoring case`}},
		},
		{
			name: "case folding beyond ASCII, as strings.EqualFold",
			yaml: "version: 1\ntiers:\n  feature: {labels: [\"\u212a\"]}\n  platform: {labels: [k]}\n",
			want: ConfigErrors{{Line: 4, Column: 23, Hint: hintTiers,
				Message: `tiers.platform.labels: label "k" already selects tier feature as "` + "\u212a" + `" (tiers.feature.labels at line 3); labels match ignoring case`}},
		},
		{
			name: "override label is a tier label",
			yaml: "version: 1\ntiers:\n  feature: {labels: [ship-it]}\noverrides:\n  labels: {tests: Ship-It}\n",
			want: ConfigErrors{{Line: 5, Column: 19, Hint: hintOverride,
				Message: `overrides.labels.tests: label "Ship-It" already selects tier feature as "ship-it" (tiers.feature.labels at line 3); labels match ignoring case`}},
		},
		{
			name: "tier label is an override label set above it",
			yaml: "version: 1\noverrides:\n  labels: {docs: skip}\ntiers:\n  experiment: {labels: [skip]}\n",
			want: ConfigErrors{{Line: 5, Column: 25, Hint: hintOverride,
				Message: `tiers.experiment.labels: label "skip" already overrides the docs gate (overrides.labels.docs at line 3)`}},
		},
		{
			name: "two gates, one label",
			yaml: "version: 1\noverrides:\n  labels:\n    tests: skip\n    all: SKIP\n",
			want: ConfigErrors{{Line: 5, Column: 10, Hint: hintOverrides,
				Message: `overrides.labels.all: label "SKIP" already overrides the tests gate as "skip" (overrides.labels.tests at line 4); labels match ignoring case`}},
		},
		{
			name: "the override-all label first",
			yaml: "version: 1\noverrides:\n  labels:\n    all: go\n    docs: go\n",
			want: ConfigErrors{{Line: 5, Column: 11, Hint: hintOverrides,
				Message: `overrides.labels.docs: label "go" already overrides every gate (overrides.labels.all at line 4)`}},
		},
		{
			name: "every clash, each once",
			yaml: "version: 1\ntiers:\n  experiment: {labels: [a]}\n  feature: {labels: [A]}\n  platform: {labels: [a]}\noverrides:\n  labels: {tests: a}\n",
			want: ConfigErrors{
				{Line: 4, Column: 22, Hint: hintTiers, Message: `tiers.feature.labels: label "A" already selects tier experiment as "a" (tiers.experiment.labels at line 3); labels match ignoring case`},
				{Line: 5, Column: 23, Hint: hintTiers, Message: `tiers.platform.labels: label "a" already selects tier experiment (tiers.experiment.labels at line 3)`},
				{Line: 7, Column: 19, Hint: hintOverride, Message: `overrides.labels.tests: label "a" already selects tier experiment (tiers.experiment.labels at line 3)`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("c.yml", []byte(tt.yaml))
			var got ConfigErrors
			if !errors.As(err, &got) {
				t.Fatalf("Parse = %v, want ConfigErrors", err)
			}
			for i := range tt.want {
				tt.want[i].File = "c.yml"
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) errors mismatch (-want +got):\n%s", tt.yaml, diff)
			}
		})
	}
}

// TestParseLabelsThatDoNotClash checks what stays allowed.
func TestParseLabelsThatDoNotClash(t *testing.T) {
	for name, data := range map[string]string{
		"a label repeated in one list": "version: 1\ntiers:\n  feature: {labels: [x, X, x]}\n",
		"no override labels":           "version: 1\noverrides:\n  labels: {tests: \"\", docs: \"\", approvals: \"\", max_changed_lines: \"\", all: \"\"}\n",
		"labels that only look alike":  "version: 1\ntiers:\n  feature: {labels: [tier-x]}\n  platform: {labels: [tier_x, \"tier-x \"]}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse("c.yml", []byte(data)); err != nil {
				t.Errorf("Parse(%q) = %v, want no error", data, err)
			}
		})
	}
}

// TestResolveLabelClashes checks clashes that only layering makes: each is
// reported in the more specific file, at the entry, naming the other file.
func TestResolveLabelClashes(t *testing.T) {
	tests := []struct {
		name      string
		org, repo string
		want      ConfigErrors // nil: resolves
	}{
		{
			name: "org and repo labels differ only in case",
			org:  "version: 1\ntiers:\n  feature: {labels: [X]}\n",
			repo: "version: 1\ntiers:\n  platform: {labels: [x]}\n",
			want: ConfigErrors{{File: "repo", Line: 3, Column: 23, Hint: hintTiers,
				Message: `tiers.platform.labels: label "x" already selects tier feature as "X" (tiers.feature.labels at org:3:22); labels match ignoring case`}},
		},
		{
			name: "repo override label is an org tier label",
			org:  "version: 1\ntiers:\n  feature: {labels: [ship]}\n",
			repo: "version: 1\noverrides:\n  labels: {approvals: SHIP}\n",
			want: ConfigErrors{{File: "repo", Line: 3, Column: 23, Hint: hintOverride,
				Message: `overrides.labels.approvals: label "SHIP" already selects tier feature as "ship" (tiers.feature.labels at org:3:22); labels match ignoring case`}},
		},
		{
			name: "repo tier label is an org override label",
			org:  "version: 1\noverrides:\n  labels: {all: Go}\n",
			repo: "version: 1\ntiers:\n  experiment: {labels: [go]}\n",
			want: ConfigErrors{{File: "repo", Line: 3, Column: 25, Hint: hintOverride,
				Message: `tiers.experiment.labels: label "go" already overrides every gate as "Go" (overrides.labels.all at org:3:17); labels match ignoring case`}},
		},
		{
			name: "org override label is a built-in tier label",
			org:  "version: 1\noverrides:\n  labels: {tests: Tier/Feature}\n",
			want: ConfigErrors{{File: "org", Line: 3, Column: 19, Hint: hintOverride,
				Message: `overrides.labels.tests: label "Tier/Feature" already selects tier feature as "tier/feature" (tiers.feature.labels in the built-in defaults); labels match ignoring case`}},
		},
		{
			name: "repo override label is another gate's built-in label",
			repo: "version: 1\noverrides:\n  labels: {docs: tiergate/skip-tests}\n",
			want: ConfigErrors{{File: "repo", Line: 3, Column: 18, Hint: hintOverrides,
				Message: `overrides.labels.docs: label "tiergate/skip-tests" already overrides the tests gate (overrides.labels.tests in the built-in defaults)`}},
		},
		{
			name: "a repo that moves the org's label resolves",
			org:  "version: 1\ntiers:\n  feature: {labels: [x]}\n",
			repo: "version: 1\ntiers:\n  feature: {labels: [y]}\n  platform: {labels: [X]}\n",
		},
		{
			name: "a repo that switches the org's override label off resolves",
			org:  "version: 1\noverrides:\n  labels: {tests: skip}\n",
			repo: "version: 1\noverrides:\n  labels: {tests: \"\", docs: Skip}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var org, repo *File
			if tt.org != "" {
				org = mustParse(t, "org", tt.org)
			}
			if tt.repo != "" {
				repo = mustParse(t, "repo", tt.repo)
			}
			cfg, err := Resolve(org, repo)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Resolve = %v, want no error", err)
				}
				return
			}
			var got ConfigErrors
			if !errors.As(err, &got) || cfg != nil {
				t.Fatalf("Resolve = %v (config returned: %v), want ConfigErrors and no config", err, cfg != nil)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFoldKey checks foldKey agrees with strings.EqualFold, which Evaluate
// uses to match labels.
func TestFoldKey(t *testing.T) {
	words := []string{"x", "X", "k", "K", "\u212a", "s", "S", "\u017f", "ß", "SS", "ss", "Σ", "σ", "ς", "İ", "i", "I", "ı", "tier/feature", "Tier/Feature", ""}
	for _, a := range words {
		for _, b := range words {
			if got, want := foldKey(a) == foldKey(b), strings.EqualFold(a, b); got != want {
				t.Errorf("foldKey(%q) == foldKey(%q) is %v, want %v (strings.EqualFold)", a, b, got, want)
			}
		}
	}
}
