package rules

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOverrideByBot: a bot account's override label counts only when the
// bot is listed in overrides.allow_bots, whatever permission GitHub reports
// for it.
func TestOverrideByBot(t *testing.T) {
	tests := []struct {
		name      string
		allow     []string
		label     Label
		author    string
		wantOK    bool
		reasonHas string
	}{
		{name: "bot by type, not listed", label: Label{AppliedBy: "release-bot", AppliedByBot: true},
			reasonHas: "ignored: applied by release-bot, a bot account not listed in overrides.allow_bots"},
		{name: "bot by login, not listed", label: Label{AppliedBy: "renovate[bot]"},
			reasonHas: "a bot account not listed in overrides.allow_bots"},
		{name: "another bot listed", allow: []string{"release-bot[bot]"}, label: Label{AppliedBy: "renovate[bot]", AppliedByBot: true},
			reasonHas: "not listed"},
		{name: "listed", allow: []string{"release-bot[bot]"}, label: Label{AppliedBy: "release-bot[bot]", AppliedByBot: true},
			wantOK: true, reasonHas: "accepted: applied by release-bot[bot], a bot listed in overrides.allow_bots"},
		{name: "listed, other case", allow: []string{"Release-Bot[bot]"}, label: Label{AppliedBy: "release-bot[bot]", AppliedByBot: true},
			wantOK: true},
		{name: "listed but the author", allow: []string{"release-bot[bot]"}, author: "release-bot[bot]",
			label: Label{AppliedBy: "release-bot[bot]", AppliedByBot: true}, reasonHas: "the PR author"},
		{name: "a person is judged by permission", allow: nil, label: Label{AppliedBy: "carol"}, wantOK: true,
			reasonHas: "accepted: applied by carol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := exampleConfig()
			cfg.Overrides.AllowBots = tt.allow
			pr := basePR()
			pr.Permissions = map[string]Permission{"carol": PermissionMaintain, "release-bot": PermissionAdmin,
				"renovate[bot]": PermissionAdmin, "release-bot[bot]": PermissionAdmin}
			if tt.author != "" {
				pr.Author = tt.author
			}
			pr.Files = files("a.go")
			pr.Reviews = []Review{approve("alice")}
			tt.label.Name = "tiergate/skip-tests"
			pr.Labels = []Label{tt.label}
			r := Evaluate(cfg, pr)
			if len(r.Overrides) != 1 {
				t.Fatalf("Overrides = %+v, want one", r.Overrides)
			}
			o := r.Overrides[0]
			if o.Accepted != tt.wantOK || !strings.Contains(o.Reason.String(), tt.reasonHas) {
				t.Errorf("Evaluate(...) override = %v %q, want %v %q", o.Accepted, o.Reason, tt.wantOK, tt.reasonHas)
			}
			wantTests := map[bool]Status{true: StatusOverridden, false: StatusFail}[tt.wantOK]
			if g := gateOf(t, r, GateTests); g.Status != wantTests {
				t.Errorf("tests gate = %s, want %s", g.Status, wantTests)
			}
		})
	}
}

func TestResolveAllowBots(t *testing.T) {
	org := mustParse(t, "org", "version: 1\nrepo_overrides: tighten_only\noverrides:\n  allow_bots: [\"a[bot]\", \"b[bot]\"]\n")
	tests := []struct {
		name, repo string
		want       []string
		warn       string
	}{
		{"shorter list is stricter", "overrides: {allow_bots: [\"b[bot]\"]}\n", []string{"b[bot]"}, ""},
		{"empty list is strictest", "overrides: {allow_bots: []}\n", []string{}, ""},
		{"same logins in other case", "overrides: {allow_bots: [\"A[bot]\"]}\n", []string{"A[bot]"}, ""},
		{"a bot the org did not list", "overrides: {allow_bots: [\"a[bot]\", \"c[bot]\"]}\n", []string{"a[bot]", "b[bot]"},
			`repo:2: overrides.allow_bots: ["a[bot]", "c[bot]"] ignored, the org requires it to stay within ["a[bot]", "b[bot]"] (repo_overrides: tighten_only)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Resolve(org, mustParse(t, "repo", "version: 1\n"+tt.repo))
			if err != nil {
				t.Fatalf("Resolve = %v", err)
			}
			if diff := cmp.Diff(tt.want, got.Overrides.AllowBots); diff != "" {
				t.Errorf("Resolve(...).Overrides.AllowBots (-want +got):\n%s", diff)
			}
			var want []string
			if tt.warn != "" {
				want = []string{tt.warn}
			}
			if diff := cmp.Diff(want, got.Warnings); diff != "" {
				t.Errorf("Resolve(...).Warnings (-want +got):\n%s", diff)
			}
		})
	}
	if got := Default().Overrides.AllowBots; len(got) != 0 {
		t.Errorf("Default().Overrides.AllowBots = %q, want none", got)
	}
}
