package evaluator

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/rules"
)

var updatePreview = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestPreviewMarkdownGolden pins the preview's Markdown in each state; the
// hostile title and repository name stay values (code spans), so no row,
// mention or link can be forged.
func TestPreviewMarkdownGolden(t *testing.T) {
	hostile := "@acme/owners | [x](http://evil) <b>\nrow"
	tests := []struct {
		name string
		p    *preview
	}{
		{"valid", &preview{file: "acme/widgets:.github/tiergate.yml", impact: &impact{
			judged: 4, unchanged: 1, hidden: 1, unreadable: 1, more: true,
			flips: []flip{
				{repo: "acme/widgets", number: 3, title: hostile, was: outcome{tier: rules.TierFeature, pass: true}, now: outcome{tier: rules.TierFeature}},
				{repo: "acme/widgets", number: 7, title: "Docs", was: outcome{tier: rules.TierExperiment, pass: true}, now: outcome{tier: rules.TierPlatform}},
			},
		}}},
		{"broken", &preview{file: "acme/.github:.github/tiergate.yml", org: true, broken: rules.ConfigErrors{
			{File: "acme/.github:.github/tiergate.yml", Line: 4, Column: 26, Message: "tiers.feature.require.approvals: expected a whole number", Hint: "write a whole number such as 2"},
		}}},
		{"unresolvable", &preview{file: "acme/widgets:.github/tiergate.yml", layered: true, broken: rules.ConfigErrors{
			{File: "acme/widgets:.github/tiergate.yml", Line: 3, Column: 5, Message: "critical_paths.billing.paths: a new critical path needs paths"},
		}}},
		{"partial", &preview{file: "acme/.github:.github/tiergate.yml", org: true, impact: &impact{
			judged: 3, unchanged: 2, pending: 1, unlisted: 2, unlistedNames: []string{"acme/tools"}, repos: 600, listed: 100,
		}}},
		{"deleted", &preview{file: "acme/widgets:.github/tiergate.yml", gone: true, impact: &impact{judged: 2, unchanged: 2}}},
		{"failed", &preview{file: "acme/widgets:.github/tiergate.yml", failed: rules.Messagef("the impact on open pull requests could not be computed: %s", "502 Bad Gateway")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := previewMarkdown(tt.p)
			path := filepath.Join("testdata", "preview_"+tt.name+".md.golden")
			if *updatePreview {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("(-golden +got):\n%s", diff)
			}
			for _, line := range strings.Split(got, "\n") {
				if strings.HasPrefix(line, "row") || strings.Contains(line, "](http") && !strings.Contains(line, "`") {
					t.Errorf("a title escaped its code span: %q", line)
				}
			}
		})
	}
}
