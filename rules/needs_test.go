package rules

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestNeeded(t *testing.T) {
	known := func(logins ...string) map[string]Permission {
		m := map[string]Permission{}
		for _, l := range logins {
			m[l] = writers[l]
		}
		return m
	}
	tests := []struct {
		name string
		cfg  func(*Config)
		pr   func(*PullRequest)
		want Needs
	}{
		{
			name: "local: nothing",
			pr:   func(pr *PullRequest) { pr.Local = true; pr.Reviews = []Review{approve("alice")}; pr.Permissions = nil },
		},
		{
			name: "an approving reviewer's permission",
			pr:   func(pr *PullRequest) { pr.Reviews = []Review{approve("alice")}; pr.Permissions = nil },
			want: Needs{Permissions: []string{"alice"}},
		},
		{
			name: "known in another case: not asked again",
			pr: func(pr *PullRequest) {
				pr.Reviews = []Review{approve("ALICE"), approve("alice")}
				pr.Permissions = map[string]Permission{"Alice": PermissionWrite}
			},
		},
		{
			name: "one login whatever its case; the author and bots never",
			pr: func(pr *PullRequest) {
				pr.Reviews = []Review{approve("Bob"), approve("bob"), approve("AUTHOR"), approve("dependabot[bot]"),
					{User: "ci", Bot: true, State: ReviewApproved, CommitID: head}}
				pr.Permissions = nil
			},
			want: Needs{Permissions: []string{"bob"}},
		},
		{
			name: "a dismissed approval is no decision",
			pr: func(pr *PullRequest) {
				pr.Reviews = []Review{approve("alice"), {User: "alice", State: ReviewDismissed}}
				pr.Permissions = nil
			},
		},
		{
			name: "no approvals required: approvers are not asked",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/experiment")
				pr.Reviews = []Review{approve("alice")}
				pr.Permissions = nil
			},
		},
		{
			name: "no approvals required, but a change request blocks if its author may",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/experiment")
				pr.Reviews = []Review{approve("alice"), {User: "bob", State: ReviewChangesRequested, CommitID: head}}
				pr.Permissions = nil
			},
			want: Needs{Permissions: []string{"bob"}},
		},
		{
			name: "an override label: who applied it first",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tiergate/skip-tests")
				pr.Reviews = []Review{approve("alice")}
				pr.Permissions = nil
			},
			want: Needs{Appliers: true},
		},
		{
			name: "a tier label needs no applier",
			pr:   func(pr *PullRequest) { pr.Labels = labels("tier/platform") },
		},
		{
			name: "then the applier's permission, after the reviewers'",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tiergate/skip-tests@carol", "TierGate/Override@tina")
				pr.AppliersKnown = true
				pr.Reviews = []Review{approve("alice")}
				pr.Permissions = nil
			},
			want: Needs{Permissions: []string{"alice", "tina", "carol"}},
		},
		{
			name: "appliers whose permission decides nothing: the author, bots, nobody",
			pr: func(pr *PullRequest) {
				pr.Labels = []Label{{Name: "tiergate/skip-tests", AppliedBy: "Author"}, {Name: "tiergate/skip-docs", AppliedBy: "release[bot]"},
					{Name: "tiergate/skip-approvals", AppliedBy: "helper", AppliedByBot: true}, {Name: "tiergate/override"}}
				pr.AppliersKnown = true
				pr.Permissions = nil
			},
		},
		{
			name: "the author's label counts when allowed",
			cfg:  func(c *Config) { c.Overrides.AllowAuthor = true },
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tiergate/skip-tests@author")
				pr.AppliersKnown = true
				pr.Permissions = nil
			},
			want: Needs{Permissions: []string{"author"}},
		},
		{
			name: "approvals of earlier commits: the changes there and at the head",
			pr: func(pr *PullRequest) {
				pr.Reviews = []Review{approveAt("alice", atSame), approveAt("bob", atSame), approveAt("carol", atDiffers), approve("tina")}
			},
			want: Needs{Patches: []string{head, atSame, atDiffers}},
		},
		{
			name: "only the changes not yet known",
			pr: func(pr *PullRequest) {
				pr.Reviews = []Review{approveAt("alice", atSame), approveAt("carol", atDiffers)}
				pr.Patches = map[string]Patch{head: {}, atSame: {}}
			},
			want: Needs{Patches: []string{atDiffers}},
		},
		{
			name: "no change for an approval that would not count anyway",
			pr: func(pr *PullRequest) {
				pr.Reviews = []Review{approveAt("rita", atSame), approveAt("author", atSame), {User: "x[bot]", State: ReviewApproved, CommitID: atSame}}
				pr.Permissions = known("rita", "author")
			},
		},
		{
			name: "no change unless keep_on_same_diff",
			cfg:  func(c *Config) { c.Approvals.KeepOnSameDiff = false },
			pr:   func(pr *PullRequest) { pr.Reviews = []Review{approveAt("alice", atSame)} },
		},
		{
			name: "no change without fresh_only",
			cfg:  func(c *Config) { c.Approvals.FreshOnly = false },
			pr:   func(pr *PullRequest) { pr.Reviews = []Review{approveAt("alice", atSame)} },
		},
		{
			name: "no change when no approval is required",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/experiment")
				pr.Reviews = []Review{approveAt("alice", atSame)}
			},
		},
		{
			name: "permissions before changes",
			pr: func(pr *PullRequest) {
				pr.Reviews = []Review{approveAt("alice", atSame)}
				pr.Permissions = nil
			},
			want: Needs{Permissions: []string{"alice"}},
		},
		{
			name: "team members among the approvers that count, kept ones included",
			pr: func(pr *PullRequest) {
				pr.Files = files("payments/a.go")
				pr.Reviews = []Review{approve("alice"), approveAt("carol", atSame), approveAt("bob", atDiffers), approve("rita")}
				pr.Patches = patchesAt()
				pr.TeamMembers = nil
			},
			want: Needs{Teams: []TeamNeed{{Team: "payments-owners", Logins: []string{"alice", "carol"}}}},
		},
		{
			name: "teams after changes",
			pr: func(pr *PullRequest) {
				pr.Files = files("payments/a.go")
				pr.Reviews = []Review{approveAt("carol", atSame)}
				pr.TeamMembers = nil
			},
			want: Needs{Patches: []string{head, atSame}},
		},
		{
			name: "a team already known",
			pr: func(pr *PullRequest) {
				pr.Files = files("payments/a.go")
				pr.Reviews = []Review{approve("carol")}
			},
		},
		{
			name: "a team of an untouched critical path",
			pr: func(pr *PullRequest) {
				pr.Files = files("svc/a.go")
				pr.Reviews = []Review{approve("carol")}
				pr.TeamMembers = nil
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := exampleConfig()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			pr := basePR()
			pr.Files = files("svc/a.go", "svc/a_test.go")
			tt.pr(&pr)
			got := Needed(cfg, pr)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Needed (-want +got):\n%s", diff)
			}
			if got.IsZero() != cmp.Equal(tt.want, Needs{}, cmpopts.EquateEmpty()) {
				t.Errorf("Needed(...).IsZero() = %v, want %v", got.IsZero(), !got.IsZero())
			}
		})
	}
}

// TestNeededThenEvaluate fills in exactly what Needed asks, stage by stage,
// and checks the verdict is what the complete snapshot gives: the stages
// never leave out anything a gate reads.
func TestNeededThenEvaluate(t *testing.T) {
	cfg := exampleConfig()
	full := basePR()
	full.Files = files("payments/a.go", "payments/a_test.go", "docs/a.md")
	full.Labels = []Label{{Name: "tiergate/skip-tests", AppliedBy: "carol"}}
	full.AppliersKnown = true
	full.Reviews = []Review{approve("alice"), approveAt("carol", atSame), approveAt("bob", atDiffers)}
	full.Patches = patchesAt()

	pr := full
	pr.Labels = []Label{{Name: "tiergate/skip-tests"}}
	pr.AppliersKnown, pr.Permissions, pr.Patches, pr.TeamMembers = false, map[string]Permission{}, map[string]Patch{}, map[string][]string{}
	var stages []string
	for range 10 {
		n := Needed(cfg, pr)
		if n.IsZero() {
			break
		}
		switch {
		case n.Appliers:
			stages = append(stages, "appliers")
			pr.Labels, pr.AppliersKnown = full.Labels, true
		case len(n.Permissions) > 0:
			stages = append(stages, "permissions")
			for _, l := range n.Permissions {
				pr.Permissions[l] = full.Permissions[l]
			}
		case len(n.Patches) > 0:
			stages = append(stages, "patches")
			for _, c := range n.Patches {
				pr.Patches[c] = full.Patches[c]
			}
		case len(n.Teams) > 0:
			stages = append(stages, "teams")
			for _, tn := range n.Teams {
				pr.TeamMembers[tn.Team] = full.TeamMembers[tn.Team]
			}
		}
	}
	if diff := cmp.Diff([]string{"appliers", "permissions", "patches", "teams"}, stages); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Evaluate(cfg, full), Evaluate(cfg, pr), cmp.AllowUnexported(Message{}, part{})); diff != "" {
		t.Errorf("Evaluate on what Needed asked for differs from the full snapshot (-full +asked):\n%s", diff)
	}
}
