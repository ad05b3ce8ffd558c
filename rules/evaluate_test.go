package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const head = "1111111111111111111111111111111111111111"

// exampleConfig is the example config built by hand, so the engine's
// tests do not depend on the parser.
func exampleConfig() *Config {
	return &Config{
		DefaultTier: TierFeature,
		Tiers: map[Tier]TierRules{
			TierExperiment: {Labels: []string{"tier/experiment"}},
			TierFeature:    {Labels: []string{"tier/feature"}, Tests: true, Approvals: 1},
			TierPlatform:   {Labels: []string{"tier/platform"}, Tests: true, Docs: true, Approvals: 2, MaxChangedLines: 800},
		},
		Paths: Paths{
			Source: MustCompileGlobs("**/*.go", "**/*.ts", "**/*.py"),
			Tests:  MustCompileGlobs("**/*_test.go", "**/*.test.ts", "tests/**", "**/test_*.py"),
			Docs:   MustCompileGlobs("docs/**", "**/*.md"),
		},
		CriticalPaths: []CriticalPath{{
			Name:      "payments",
			Paths:     MustCompileGlobs("payments/**", "billing/**"),
			MinTier:   TierPlatform,
			Approvals: 2,
			Teams:     []string{"payments-owners"},
		}},
		Approvals: ApprovalPolicy{FreshOnly: true, KeepOnSameDiff: true, MinPermission: PermissionWrite},
		Checks:    ChecksPolicy{Timeout: 2 * time.Hour, Skipped: SkippedFail},
		Overrides: OverridePolicy{
			Labels: map[string]string{
				"tests": "tiergate/skip-tests", "docs": "tiergate/skip-docs",
				"approvals": "tiergate/skip-approvals", "all": "tiergate/override",
			},
			MinPermission: PermissionMaintain,
		},
	}
}

func files(paths ...string) []ChangedFile {
	var out []ChangedFile
	for _, p := range paths {
		status := FileModified
		if rest, ok := strings.CutPrefix(p, "-"); ok {
			p, status = rest, FileRemoved
		}
		out = append(out, ChangedFile{Path: p, Status: status, Additions: 10, Deletions: 2})
	}
	return out
}

func labels(names ...string) []Label {
	var out []Label
	for _, n := range names {
		name, by, _ := strings.Cut(n, "@")
		out = append(out, Label{Name: name, AppliedBy: by})
	}
	return out
}

func approve(user string) Review {
	return Review{User: user, State: ReviewApproved, CommitID: head}
}

var writers = map[string]Permission{
	"alice": PermissionWrite, "bob": PermissionWrite, "carol": PermissionMaintain,
	"tina": PermissionTriage, "rita": PermissionRead, "author": PermissionWrite,
}

func basePR() PullRequest {
	return PullRequest{Author: "author", HeadSHA: head, Permissions: writers,
		TeamMembers: map[string][]string{"payments-owners": {"carol"}}}
}

func gateOf(t *testing.T, r Result, name string) Gate {
	t.Helper()
	for _, g := range r.Gates {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no gate %q in %+v", name, r.Gates)
	return Gate{}
}

func TestEvaluate(t *testing.T) {
	type want struct {
		tier       Tier
		conclusion Conclusion
		gates      map[string]Status // only the gates the case is about
		reasonHas  map[string]string // gate -> substring of its reason
	}
	tests := []struct {
		name string
		cfg  func(*Config)
		pr   func(*PullRequest)
		want want
	}{
		{
			name: "no label uses default tier; source without tests fails",
			pr:   func(pr *PullRequest) { pr.Files = files("svc/a.go"); pr.Reviews = []Review{approve("alice")} },
			want: want{tier: TierFeature, conclusion: ConclusionFailure,
				gates:     map[string]Status{GateTests: StatusFail, GateDocs: StatusNotRequired, GateApprovals: StatusPass, GateMaxChangedLines: StatusNotRequired},
				reasonHas: map[string]string{GateTests: "svc/a.go"}},
		},
		{
			name: "feature with test and one fresh approval passes",
			pr: func(pr *PullRequest) {
				pr.Files = files("svc/a.go", "svc/a_test.go")
				pr.Reviews = []Review{approve("alice")}
			},
			want: want{tier: TierFeature, conclusion: ConclusionSuccess,
				gates: map[string]Status{GateTests: StatusPass, GateApprovals: StatusPass}},
		},
		{
			name: "experiment needs nothing",
			pr:   func(pr *PullRequest) { pr.Labels = labels("tier/experiment"); pr.Files = files("a.go") },
			want: want{tier: TierExperiment, conclusion: ConclusionSuccess,
				gates: map[string]Status{GateTests: StatusNotRequired, GateDocs: StatusNotRequired, GateApprovals: StatusNotRequired}},
		},
		{
			name: "platform needs tests docs and two approvals",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/platform")
				pr.Files = files("a.go", "a_test.go", "docs/a.md")
				pr.Reviews = []Review{approve("alice"), approve("bob")}
			},
			want: want{tier: TierPlatform, conclusion: ConclusionSuccess,
				gates: map[string]Status{GateTests: StatusPass, GateDocs: StatusPass, GateApprovals: StatusPass, GateMaxChangedLines: StatusPass}},
		},
		{
			name: "platform without docs fails docs",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/platform")
				pr.Files = files("a.go", "a_test.go")
				pr.Reviews = []Review{approve("alice"), approve("bob")}
			},
			want: want{tier: TierPlatform, conclusion: ConclusionFailure,
				gates: map[string]Status{GateDocs: StatusFail}},
		},
		{
			name: "conflicting labels take the strictest",
			pr:   func(pr *PullRequest) { pr.Labels = labels("tier/experiment", "tier/platform", "tier/feature") },
			want: want{tier: TierPlatform, conclusion: ConclusionFailure,
				gates: map[string]Status{GateApprovals: StatusFail}},
		},
		{
			name: "tier labels match case-insensitively like GitHub labels",
			pr:   func(pr *PullRequest) { pr.Labels = labels("Tier/Experiment") },
			want: want{tier: TierExperiment, conclusion: ConclusionSuccess},
		},
		{
			name: "critical path raises an experiment label to platform",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/experiment")
				pr.Files = files("payments/charge.go", "payments/charge_test.go", "docs/charge.md")
				pr.Reviews = []Review{approve("alice"), approve("carol")}
			},
			want: want{tier: TierPlatform, conclusion: ConclusionSuccess,
				gates:     map[string]Status{GateApprovals: StatusPass, "critical_paths/payments": StatusPass},
				reasonHas: map[string]string{"critical_paths/payments": "carol"}},
		},
		{
			name: "critical path needs an owning team approval",
			pr: func(pr *PullRequest) {
				pr.Files = files("billing/x.go", "billing/x_test.go", "docs/x.md")
				pr.Reviews = []Review{approve("alice"), approve("bob")}
			},
			want: want{tier: TierPlatform, conclusion: ConclusionFailure,
				gates:     map[string]Status{GateApprovals: StatusPass, "critical_paths/payments": StatusFail},
				reasonHas: map[string]string{"critical_paths/payments": "payments-owners"}},
		},
		{
			name: "unknown team membership fails closed",
			pr: func(pr *PullRequest) {
				pr.TeamMembers = nil
				pr.Files = files("billing/x.go", "billing/x_test.go", "docs/x.md")
				pr.Reviews = []Review{approve("alice"), approve("carol")}
			},
			want: want{tier: TierPlatform, conclusion: ConclusionFailure,
				gates:     map[string]Status{"critical_paths/payments": StatusFail},
				reasonHas: map[string]string{"critical_paths/payments": "could not be checked"}},
		},
		{
			name: "deleting a critical file still escalates",
			pr:   func(pr *PullRequest) { pr.Files = files("-payments/old.go") },
			want: want{tier: TierPlatform, conclusion: ConclusionFailure,
				gates: map[string]Status{GateTests: StatusPass, GateApprovals: StatusFail}},
		},
		{
			name: "critical path approvals raise the count above the tier",
			cfg:  func(c *Config) { c.CriticalPaths[0].Approvals = 3; c.CriticalPaths[0].Teams = nil },
			pr: func(pr *PullRequest) {
				pr.Files = files("payments/a.go", "payments/a_test.go", "docs/a.md")
				pr.Reviews = []Review{approve("alice"), approve("bob")}
			},
			want: want{tier: TierPlatform, conclusion: ConclusionFailure,
				gates:     map[string]Status{GateApprovals: StatusFail},
				reasonHas: map[string]string{GateApprovals: `2 of 3 approvals (critical path "payments")`}},
		},
		{
			name: "only deleting source passes tests",
			pr:   func(pr *PullRequest) { pr.Files = files("-old.go"); pr.Reviews = []Review{approve("alice")} },
			want: want{tier: TierFeature, conclusion: ConclusionSuccess, gates: map[string]Status{GateTests: StatusPass}},
		},
		{
			name: "deleting a test does not count as a test change",
			pr:   func(pr *PullRequest) { pr.Files = files("a.go", "-a_test.go"); pr.Reviews = []Review{approve("alice")} },
			want: want{tier: TierFeature, conclusion: ConclusionFailure, gates: map[string]Status{GateTests: StatusFail}},
		},
		{
			name: "non-source change needs no tests",
			pr: func(pr *PullRequest) {
				pr.Files = files("README.md", "Makefile")
				pr.Reviews = []Review{approve("alice")}
			},
			want: want{tier: TierFeature, conclusion: ConclusionSuccess, gates: map[string]Status{GateTests: StatusPass}},
		},
		{
			name: "stale approval whose change was not compared does not count",
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go", "a_test.go")
				pr.Reviews = []Review{{User: "alice", State: ReviewApproved, CommitID: "2222222"}}
			},
			want: want{tier: TierFeature, conclusion: ConclusionFailure,
				gates:     map[string]Status{GateApprovals: StatusFail},
				reasonHas: map[string]string{GateApprovals: "alice (approved 2222222, not the head 1111111; its change was not compared)"}},
		},
		{
			name: "stale approval counts when fresh_only is off",
			cfg:  func(c *Config) { c.Approvals.FreshOnly = false },
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go", "a_test.go")
				pr.Reviews = []Review{{User: "alice", State: ReviewApproved, CommitID: "2222222"}}
			},
			want: want{tier: TierFeature, conclusion: ConclusionSuccess, gates: map[string]Status{GateApprovals: StatusPass}},
		},
		{
			name: "changes requested by a counted reviewer fails despite approvals",
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go", "a_test.go")
				pr.Reviews = []Review{approve("alice"), {User: "bob", State: ReviewChangesRequested, CommitID: "0000000"}}
			},
			want: want{tier: TierFeature, conclusion: ConclusionFailure,
				gates:     map[string]Status{GateApprovals: StatusFail},
				reasonHas: map[string]string{GateApprovals: "changes requested by bob"}},
		},
		{
			name: "changes requested then approved counts the approval",
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go", "a_test.go")
				pr.Reviews = []Review{{User: "bob", State: ReviewChangesRequested}, {User: "bob", State: ReviewCommented}, approve("bob")}
			},
			want: want{tier: TierFeature, conclusion: ConclusionSuccess, gates: map[string]Status{GateApprovals: StatusPass}},
		},
		{
			name: "dismissed approval does not count; comment after approval keeps it",
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go", "a_test.go")
				pr.Reviews = []Review{approve("alice"), {User: "alice", State: ReviewDismissed}, approve("bob"), {User: "bob", State: ReviewCommented}}
			},
			want: want{tier: TierFeature, conclusion: ConclusionSuccess,
				gates: map[string]Status{GateApprovals: StatusPass}, reasonHas: map[string]string{GateApprovals: "1 of 1 approval: bob"}},
		},
		{
			name: "changes requested by a reader does not block",
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go", "a_test.go")
				pr.Reviews = []Review{approve("alice"), {User: "rita", State: ReviewChangesRequested}}
			},
			want: want{tier: TierFeature, conclusion: ConclusionSuccess, gates: map[string]Status{GateApprovals: StatusPass}},
		},
		{
			name: "author bot and low permission approvals do not count",
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go", "a_test.go")
				pr.Reviews = []Review{approve("author"), {User: "ci", Bot: true, State: ReviewApproved, CommitID: head},
					approve("dependabot[bot]"), approve("tina"), approve("stranger")}
			},
			want: want{tier: TierFeature, conclusion: ConclusionFailure,
				gates: map[string]Status{GateApprovals: StatusFail},
				reasonHas: map[string]string{GateApprovals: "author (the PR author), ci (a bot), dependabot[bot] (a bot), " +
					"tina (has triage permission, needs write), stranger (has none permission, needs write)"}},
		},
		{
			name: "changes requested fails even when no approvals are required",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/experiment")
				pr.Reviews = []Review{{User: "alice", State: ReviewChangesRequested}}
			},
			want: want{tier: TierExperiment, conclusion: ConclusionFailure, gates: map[string]Status{GateApprovals: StatusFail}},
		},
		{
			name: "size limit exceeded",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/platform")
				pr.Files = []ChangedFile{{Path: "gen/data.json", Status: FileAdded, Additions: 801}}
				pr.Reviews = []Review{approve("alice"), approve("bob")}
			},
			want: want{tier: TierPlatform, conclusion: ConclusionFailure,
				gates: map[string]Status{GateMaxChangedLines: StatusFail}, reasonHas: map[string]string{GateMaxChangedLines: "801 lines changed"}},
		},
		{
			name: "size uses PR totals when given",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/platform")
				pr.Files = []ChangedFile{{Path: "gen/data.json", Status: FileAdded, Additions: 1}}
				pr.Additions, pr.Deletions = 700, 200
			},
			want: want{tier: TierPlatform, conclusion: ConclusionFailure, gates: map[string]Status{GateMaxChangedLines: StatusFail}},
		},
		{
			name: "truncated file list fails closed",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/platform")
				pr.Files = files("gen/a.json")
				pr.FilesTruncated = true
				pr.Reviews = []Review{approve("alice"), approve("bob")}
			},
			want: want{tier: TierPlatform, conclusion: ConclusionFailure,
				gates: map[string]Status{GateTests: StatusFail, GateDocs: StatusFail, GateMaxChangedLines: StatusFail}},
		},
		{
			name: "override by maintainer accepted",
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go")
				pr.Labels = labels("tiergate/skip-tests@carol")
				pr.Reviews = []Review{approve("alice")}
			},
			want: want{tier: TierFeature, conclusion: ConclusionSuccess,
				gates: map[string]Status{GateTests: StatusOverridden}, reasonHas: map[string]string{GateTests: "overridden by carol"}},
		},
		{
			name: "override by triager ignored",
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go")
				pr.Labels = labels("tiergate/skip-tests@tina")
				pr.Reviews = []Review{approve("alice")}
			},
			want: want{tier: TierFeature, conclusion: ConclusionFailure, gates: map[string]Status{GateTests: StatusFail}},
		},
		{
			name: "override by author ignored even with permission",
			cfg:  func(c *Config) { c.Overrides.MinPermission = PermissionWrite },
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go")
				pr.Labels = labels("tiergate/override@author")
				pr.Reviews = []Review{approve("alice")}
			},
			want: want{tier: TierFeature, conclusion: ConclusionFailure, gates: map[string]Status{GateTests: StatusFail}},
		},
		{
			name: "author override allowed when allow_author",
			cfg:  func(c *Config) { c.Overrides.MinPermission = PermissionWrite; c.Overrides.AllowAuthor = true },
			pr: func(pr *PullRequest) {
				pr.Files = files("a.go")
				pr.Labels = labels("tiergate/override@author")
			},
			want: want{tier: TierFeature, conclusion: ConclusionSuccess,
				gates: map[string]Status{GateTests: StatusOverridden, GateApprovals: StatusOverridden}},
		},
		{
			name: "override all covers critical path gates and leaves passing gates alone",
			pr: func(pr *PullRequest) {
				pr.Files = files("payments/a.go", "payments/a_test.go")
				pr.Labels = labels("tiergate/override@carol")
			},
			want: want{tier: TierPlatform, conclusion: ConclusionSuccess,
				gates: map[string]Status{GateTests: StatusPass, GateDocs: StatusOverridden, GateApprovals: StatusOverridden, "critical_paths/payments": StatusOverridden}},
		},
		{
			name: "override with unknown applier ignored",
			pr:   func(pr *PullRequest) { pr.Files = files("a.go"); pr.Labels = labels("tiergate/skip-tests") },
			want: want{tier: TierFeature, conclusion: ConclusionFailure, gates: map[string]Status{GateTests: StatusFail}},
		},
		{
			name: "report mode concludes neutral",
			cfg:  func(c *Config) { c.Mode = ModeReport },
			pr:   func(pr *PullRequest) { pr.Files = files("a.go") },
			want: want{tier: TierFeature, conclusion: ConclusionNeutral, gates: map[string]Status{GateTests: StatusFail}},
		},
		{
			name: "local run leaves reviews to GitHub and does not fail on them",
			pr: func(pr *PullRequest) {
				pr.Local = true
				pr.Permissions, pr.TeamMembers = nil, nil
				pr.Files = files("payments/a.go", "payments/a_test.go", "docs/a.md")
			},
			want: want{tier: TierPlatform, conclusion: ConclusionSuccess,
				gates:     map[string]Status{GateApprovals: StatusNotChecked, "critical_paths/payments": StatusNotChecked},
				reasonHas: map[string]string{GateApprovals: "checked on GitHub", "critical_paths/payments": "checked on GitHub"}},
		},
		{
			name: "local override labels are taken at face value",
			pr: func(pr *PullRequest) {
				pr.Local = true
				pr.Files = files("a.go")
				pr.Labels = labels("tiergate/skip-tests")
			},
			want: want{tier: TierFeature, conclusion: ConclusionSuccess, gates: map[string]Status{GateTests: StatusOverridden}},
		},
		{
			name: "a test file is not source that needs docs",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/platform")
				pr.Files = files("a_test.go")
				pr.Reviews = []Review{approve("alice"), approve("bob")}
			},
			want: want{tier: TierPlatform, conclusion: ConclusionSuccess, gates: map[string]Status{GateDocs: StatusPass}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := exampleConfig()
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			pr := basePR()
			tc.pr(&pr)
			got := Evaluate(cfg, pr)
			if got.Tier != tc.want.tier || got.Conclusion != tc.want.conclusion {
				t.Errorf("Evaluate(...) = tier %s conclusion %s, want %s %s\n%s", got.Tier, got.Conclusion, tc.want.tier, tc.want.conclusion, Text(got))
			}
			for name, status := range tc.want.gates {
				if g := gateOf(t, got, name); g.Status != status {
					t.Errorf("gate %s = %s (%s), want %s", name, g.Status, g.Reason, status)
				}
			}
			for name, sub := range tc.want.reasonHas {
				if g := gateOf(t, got, name); !strings.Contains(g.Reason.String(), sub) {
					t.Errorf("gate %s reason = %q, want it to contain %q", name, g.Reason, sub)
				}
			}
		})
	}
}

func TestEvaluateOverridesListed(t *testing.T) {
	pr := basePR()
	pr.Files = files("a.go")
	pr.Labels = labels("tiergate/skip-tests@carol", "tiergate/skip-docs@tina", "tiergate/override@author", "tiergate/skip-approvals@ghost")
	got := Evaluate(exampleConfig(), pr).Overrides
	want := []Override{
		{Gate: "all", Label: "tiergate/override", By: "author", Reason: msgf("ignored: applied by author, the PR author, who cannot override their own PR")},
		{Gate: "approvals", Label: "tiergate/skip-approvals", By: "ghost", Reason: msgf("ignored: ghost has none permission; overrides need maintain")},
		{Gate: "docs", Label: "tiergate/skip-docs", By: "tina", Reason: msgf("ignored: tina has triage permission; overrides need maintain")},
		{Gate: "tests", Label: "tiergate/skip-tests", By: "carol", Accepted: true, Applied: []string{"tests"}, Reason: msgf("accepted: applied by carol")},
	}
	if diff := cmp.Diff(want, got, cmpMessages); diff != "" {
		t.Errorf("Evaluate(...).Overrides mismatch (-want +got):\n%s", diff)
	}
}

func TestEvaluateTierReason(t *testing.T) {
	tests := []struct {
		name   string
		labels []Label
		files  []ChangedFile
		want   string
	}{
		{"default", nil, nil, "no tier label, so the default tier feature applies"},
		{"label", labels("tier/platform"), nil, `label "tier/platform"`},
		{"conflict", labels("tier/feature", "tier/platform"), nil, `label "tier/platform" (the strictest of "tier/platform" and "tier/feature")`},
		{"raised", labels("tier/experiment"), files("billing/x.go"),
			`label "tier/experiment"; raised from experiment to platform because billing/x.go touches critical path "payments"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pr := basePR()
			pr.Labels, pr.Files = tc.labels, tc.files
			if got := Evaluate(exampleConfig(), pr).TierReason.String(); got != tc.want {
				t.Errorf("TierReason = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConfigFailure(t *testing.T) {
	err := errors.New(".github/tiergate.yml:3:5: unknown key \"tierz\" (did you mean \"tiers\"?)\n.github/tiergate.yml:9:1: version must be 1 (set version: 1)")
	r := ConfigFailure(err)
	if r.Conclusion != ConclusionFailure {
		t.Fatalf("ConfigFailure(...).Conclusion = %s, want failure", r.Conclusion)
	}
	if len(r.Errors) != 2 || !strings.HasPrefix(r.Errors[0].String(), ".github/tiergate.yml:3:5:") {
		t.Errorf("ConfigFailure(...).Errors = %q, want both located lines", r.Errors)
	}
	if g := gateOf(t, r, GateConfig); g.Status != StatusFail || !strings.Contains(g.Reason.String(), "and 1 more") {
		t.Errorf("config gate = %+v, want fail naming the first error and the count", g)
	}
	// An override label must not be able to excuse a broken config.
	if covered := overrideCovers(OverrideAll, GateConfig); covered {
		t.Errorf("overrideCovers(all, config) = true, want false")
	}
}

// cmpMessages compares messages by their text; escaping is tested apart.
var cmpMessages = cmp.Comparer(func(a, b Message) bool { return a.String() == b.String() })

func joinMessages(ms []Message) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return strings.Join(s, "\n")
}
