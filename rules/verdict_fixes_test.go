package rules

import (
	"strings"
	"testing"
)

// TestVerdictWording pins the small things a user reads: an empty change
// says so, a typo'd label gets a suggestion, counts agree in number, and an
// override that excused nothing is not reported as doing something.
func TestVerdictWording(t *testing.T) {
	oneLine := basePR()
	oneLine.Files = []ChangedFile{{Path: "a_test.go", Status: FileModified, Additions: 1}}
	oneLine.Labels = labels("tier/platform")

	typo := basePR()
	typo.Files = files("a_test.go")
	typo.Labels = labels("tier/platfrom", "TIER/Feture", "bug")

	unneeded := basePR()
	unneeded.Files = files("a.go", "a_test.go")
	unneeded.Labels = labels("tiergate/skip-tests@carol", "tiergate/skip-docs@carol")
	unneeded.Reviews = []Review{approve("alice")}

	tests := []struct {
		name    string
		pr      PullRequest
		has     []string // in the text rendering
		hasNot  []string
		overrid map[string]string // override label -> JSON status
	}{
		{name: "empty change", pr: basePR(),
			has: []string{"the change is empty: no file differs between the merge base and the head, so there was nothing to check", "nothing changed"}},
		{name: "one line, one approval", pr: oneLine,
			has:    []string{"1 line changed, within the limit of 800", "0 of 2 approvals"},
			hasNot: []string{"1 lines", "approval(s)"}},
		{name: "typo'd tier label", pr: typo,
			has:    []string{`label "tier/platfrom" is not a tier or override label; did you mean "tier/platform"?`, `label "TIER/Feture" is not a tier or override label; did you mean "tier/feature"?`},
			hasNot: []string{`"bug"`}},
		{name: "override of a gate that does not fail", pr: unneeded,
			has:     []string{"not needed: the tests gate does not fail", "not needed: the docs gate is not required"},
			overrid: map[string]string{"tiergate/skip-tests": "not_needed", "tiergate/skip-docs": "not_needed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Evaluate(exampleConfig(), tt.pr)
			out := Text(res)
			for _, s := range tt.has {
				if !strings.Contains(out, s) {
					t.Errorf("Text(...) lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(out, s) {
					t.Errorf("Text(...) has %q:\n%s", s, out)
				}
			}
			v := verdictJSON(res)
			for label, want := range tt.overrid {
				found := false
				for _, o := range v.Overrides {
					if o.Label == label {
						found = true
						if o.Status != want {
							t.Errorf("override %s status = %s, want %s", label, o.Status, want)
						}
					}
				}
				if !found {
					t.Errorf("override %s not listed", label)
				}
			}
		})
	}
}

func TestLocalApprovalsWording(t *testing.T) {
	pr := basePR()
	pr.Local = true
	pr.Files = files("a.go", "a_test.go")
	got := gateReason(t, Evaluate(exampleConfig(), pr), GateApprovals)
	if got != "1 approval required; reviews are checked on GitHub" {
		t.Errorf("approvals reason = %q", got)
	}
}

func gateReason(t *testing.T, r Result, name string) string {
	t.Helper()
	for _, g := range r.Gates {
		if g.Name == name {
			return g.Reason.String()
		}
	}
	t.Fatalf("no gate %s", name)
	return ""
}
