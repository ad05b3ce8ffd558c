package rules

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Commits approvals are given on in these tests, and the pull request's
// change at each (see patch_test.go for the diffs).
const (
	atSame        = "2222222222222222222222222222222222222222" // rebased since: the same change
	atDiffers     = "3333333333333333333333333333333333333333" // README.md changed since
	atBinary      = "4444444444444444444444444444444444444444" // with a binary file, as the head
	atUnavailable = "5555555555555555555555555555555555555555"
	atNotFetched  = "6666666666666666666666666666666666666666"

	logoDiff = "diff --git a/logo.png b/logo.png\nindex 1111111..2222222 100644\nBinary files a/logo.png and b/logo.png differ\n"
)

func patchesAt() map[string]Patch {
	return map[string]Patch{
		head:          mustPatch(ordersRebased),
		atSame:        mustPatch(ordersDiff),
		atDiffers:     mustPatch(readmeDiff + ordersDiff),
		atUnavailable: {Unavailable: Messagef("GitHub could not compare it (HTTP %d)", 404)},
	}
}

// binaryPatches are a change with a binary file, at atBinary and the head.
func binaryPatches() map[string]Patch {
	return map[string]Patch{head: mustPatch(ordersRebased + logoDiff), atBinary: mustPatch(ordersDiff + logoDiff)}
}

func approveAt(user, commit string) Review {
	return Review{User: user, State: ReviewApproved, CommitID: commit}
}

// TestEvaluateApprovalCommits covers every status an approval can get from
// the commit it was given on: counted, kept, stale (with why), and that a
// change request stands whatever its commit.
func TestEvaluateApprovalCommits(t *testing.T) {
	type outcome struct {
		Login, Status, Reason string
		Change                string // the comparison's outcome, "" when none
	}
	tests := []struct {
		name       string
		cfg        func(*Config)
		reviews    []Review
		patches    map[string]Patch // nil: patchesAt()
		files      []ChangedFile
		wantGate   Status
		wantReason string
		want       []outcome
	}{
		{
			name: "approval of the head counts", reviews: []Review{approve("alice")},
			wantGate: StatusPass, wantReason: "1 of 1 approval: alice",
			want: []outcome{{"alice", "counted", "", ""}},
		},
		{
			name: "approval of the same change after a rebase is kept and counts", reviews: []Review{approveAt("alice", atSame)},
			wantGate: StatusPass, wantReason: "1 of 1 approval: alice (kept: approved 2222222, same change as the head)",
			want: []outcome{{"alice", "kept", "approved 2222222, same change as the head", "same"}},
		},
		{
			name: "a change since the approval makes it stale, naming the file", reviews: []Review{approveAt("alice", atDiffers)},
			wantGate: StatusFail, wantReason: "0 of 1 approval; not counted: alice (approved 3333333, not the head 1111111; the change differs: README.md)",
			want: []outcome{{"alice", "stale", "approved 3333333, not the head 1111111; the change differs: README.md", "differs"}},
		},
		{
			name: "a binary file cannot be shown the same", reviews: []Review{approveAt("alice", atBinary)},
			patches:  binaryPatches(),
			wantGate: StatusFail,
			want: []outcome{{"alice", "stale",
				"approved 4444444, not the head 1111111; the change to logo.png cannot be compared: it is a binary file", "unknown"}},
		},
		{
			name: "a change GitHub could not give is stale with why", reviews: []Review{approveAt("alice", atUnavailable)},
			wantGate: StatusFail,
			want: []outcome{{"alice", "stale",
				"approved 5555555, not the head 1111111; its change cannot be compared: GitHub could not compare it (HTTP 404)", "unknown"}},
		},
		{
			name: "the head's change unavailable", reviews: []Review{approveAt("alice", atSame)},
			patches:  map[string]Patch{atSame: mustPatch(ordersDiff), head: {Unavailable: Messagef("too large")}},
			wantGate: StatusFail,
			want: []outcome{{"alice", "stale",
				"approved 2222222, not the head 1111111; the head's change cannot be compared: too large", "unknown"}},
		},
		{
			name: "a change nobody fetched is not the same", reviews: []Review{approveAt("alice", atNotFetched)},
			wantGate: StatusFail,
			want:     []outcome{{"alice", "stale", "approved 6666666, not the head 1111111; its change was not compared", "unknown"}},
		},
		{
			name: "keep_on_same_diff off: any earlier commit is stale", cfg: func(c *Config) { c.Approvals.KeepOnSameDiff = false },
			reviews:  []Review{approveAt("alice", atSame)},
			wantGate: StatusFail, wantReason: "0 of 1 approval; not counted: alice (approved 2222222, not the head 1111111)",
			want: []outcome{{"alice", "stale", "approved 2222222, not the head 1111111", ""}},
		},
		{
			name: "fresh_only off: any commit counts, nothing compared", cfg: func(c *Config) { c.Approvals.FreshOnly = false },
			reviews:  []Review{approveAt("alice", atDiffers)},
			wantGate: StatusPass, wantReason: "1 of 1 approval: alice",
			want: []outcome{{"alice", "counted", "", ""}},
		},
		{
			name:     "a change request stands whatever its commit",
			reviews:  []Review{approveAt("alice", atSame), {User: "bob", State: ReviewChangesRequested, CommitID: atSame}},
			wantGate: StatusFail, wantReason: "changes requested by bob",
			want: []outcome{{"alice", "kept", "approved 2222222, same change as the head", "same"}, {"bob", "changes_requested", "", ""}},
		},
		{
			name: "permission is judged first", reviews: []Review{approveAt("rita", atSame)},
			wantGate: StatusFail,
			want:     []outcome{{"rita", "not_counted", "has read permission, needs write", ""}},
		},
		{
			name:     "counted, kept, stale and not counted together",
			reviews:  []Review{approve("alice"), approveAt("bob", atSame), approveAt("carol", atDiffers), approveAt("tina", atSame)},
			cfg:      func(c *Config) { c.Tiers[TierFeature] = TierRules{Tests: true, Approvals: 3} },
			wantGate: StatusFail,
			wantReason: "2 of 3 approvals: alice, bob (kept: approved 2222222, same change as the head); not counted: " +
				"carol (approved 3333333, not the head 1111111; the change differs: README.md), tina (has triage permission, needs write)",
			want: []outcome{
				{"alice", "counted", "", ""},
				{"bob", "kept", "approved 2222222, same change as the head", "same"},
				{"carol", "stale", "approved 3333333, not the head 1111111; the change differs: README.md", "differs"},
				{"tina", "not_counted", "has triage permission, needs write", ""},
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
			pr.Files = files("api/orders.go", "api/orders_test.go")
			pr.Reviews = tt.reviews
			pr.Patches = tt.patches
			if pr.Patches == nil {
				pr.Patches = patchesAt()
			}
			g := gateNamed(t, Evaluate(cfg, pr), GateApprovals)
			if g.Status != tt.wantGate || (tt.wantReason != "" && g.Reason.String() != tt.wantReason) {
				t.Errorf("approvals gate = %v %q, want %v %q", g.Status, g.Reason, tt.wantGate, tt.wantReason)
			}
			var got []outcome
			for _, o := range g.Approvals.Reviews {
				oc := outcome{Login: o.Login, Status: string(o.Status), Reason: o.Reason.String()}
				if o.Change != nil {
					oc.Change = o.Change.Outcome.String()
				}
				got = append(got, oc)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("review outcomes (-want +got):\n%s", diff)
			}
		})
	}
}

// A kept approval is a counted one everywhere: it satisfies a critical
// path's team too.
func TestKeptApprovalSatisfiesTeam(t *testing.T) {
	pr := basePR()
	pr.Files = files("payments/a.go", "payments/a_test.go", "docs/a.md")
	pr.Reviews = []Review{approve("alice"), approveAt("carol", atSame)}
	pr.Patches = patchesAt()
	res := Evaluate(exampleConfig(), pr)
	if g := gateNamed(t, res, "critical_paths/payments"); g.Status != StatusPass {
		t.Errorf("team gate = %v %q, want pass by carol's kept approval", g.Status, g.Reason)
	}
	if g := gateNamed(t, res, GateApprovals); g.Status != StatusPass || g.Approvals.Counted != 2 {
		t.Errorf("approvals gate = %v, %d counted; want pass with 2", g.Status, g.Approvals.Counted)
	}
}

func gateNamed(t *testing.T, res Result, name string) Gate {
	t.Helper()
	for _, g := range res.Gates {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no gate %s in %+v", name, res.Gates)
	return Gate{}
}

func TestApprovedAt(t *testing.T) {
	tests := []struct {
		name       string
		cfg        func(*Config)
		commit     string
		patches    map[string]Patch // nil: patchesAt()
		wantStatus ReviewStatus
		wantReason string
	}{
		{"the same change", nil, atSame, nil, ReviewKept, "same change as the head"},
		{"a different change", nil, atDiffers, nil, ReviewStale, "the change differs: README.md"},
		{"binary", nil, atBinary, binaryPatches(), ReviewStale, "the change to logo.png cannot be compared: it is a binary file"},
		{"the head itself", nil, head, nil, ReviewCounted, "given on the head"},
		{"keep_on_same_diff off", func(c *Config) { c.Approvals.KeepOnSameDiff = false }, atSame, nil, ReviewStale,
			"approvals.keep_on_same_diff is off, so only approvals of the head count"},
		{"fresh_only off", func(c *Config) { c.Approvals.FreshOnly = false }, atDiffers, nil, ReviewCounted,
			"approvals.fresh_only is off, so an approval of any commit counts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := exampleConfig()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			patches := tt.patches
			if patches == nil {
				patches = patchesAt()
			}
			got := ApprovedAt(cfg, PullRequest{HeadSHA: head, Patches: patches}, tt.commit)
			if got.Status != tt.wantStatus || got.Reason.String() != tt.wantReason || got.Commit != tt.commit {
				t.Errorf("ApprovedAt(%s) = %s %q, want %s %q", tt.commit[:7], got.Status, got.Reason, tt.wantStatus, tt.wantReason)
			}
		})
	}
}
