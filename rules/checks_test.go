package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// platformPR is a platform pull request that passes every other gate, seen
// by tiergate at t0 and evaluated ten minutes later.
func platformPR(checks ...CheckResult) PullRequest {
	pr := basePR()
	pr.Labels = labels("tier/platform")
	pr.Files = files("svc/a.go", "svc/a_test.go", "docs/a.md")
	pr.Reviews = []Review{approve("alice"), approve("bob")}
	pr.FirstSeen, pr.Now = t0, t0.Add(10*time.Minute)
	pr.Checks = checks
	return pr
}

func requireChecks(rs ...CheckRequirement) func(*Config) {
	return func(c *Config) {
		c.Tiers[TierPlatform] = func(r TierRules) TierRules { r.Checks = rs; return r }(c.Tiers[TierPlatform])
	}
}

func name(n string) CheckRequirement { return CheckRequirement{Name: n} }

func TestChecksGate(t *testing.T) {
	gha := func(n string, status CheckStatus, c CheckConclusion, started time.Time) CheckResult {
		return checkRun(n, "github-actions", status, c, started)
	}
	done := func(n string, c CheckConclusion) CheckResult { return gha(n, CheckCompleted, c, t0) }
	running := func(n string) CheckResult { return gha(n, CheckInProgress, "", t0) }
	tests := []struct {
		name       string
		cfg        func(*Config)
		pr         PullRequest
		edit       func(*PullRequest)
		status     Status
		conclusion Conclusion
		states     []CheckState // per required check, in order
		reasonHas  []string
	}{
		{name: "exact name, check run succeeded", cfg: requireChecks(name("build")),
			pr: platformPR(done("build", CheckSuccess)), status: StatusPass, conclusion: ConclusionSuccess,
			states: []CheckState{CheckPassed}, reasonHas: []string{`passed: "build" (success, check run by github-actions)`}},
		{name: "exact name is exact", cfg: requireChecks(name("build")),
			pr: platformPR(done("build (linux)", CheckSuccess), done("Build", CheckSuccess)), status: StatusPending, conclusion: ConclusionPending,
			states: []CheckState{CheckExpected}, reasonHas: []string{`waiting for "build" (not reported yet) until 2024-05-01 14:00 UTC`}},
		{name: "a commit status satisfies an unbound name", cfg: requireChecks(name("ci/build")),
			pr: platformPR(commitStatus("ci/build", "ci-bot", CheckSuccess, t0)), status: StatusPass, conclusion: ConclusionSuccess,
			states: []CheckState{CheckPassed}, reasonHas: []string{`(success, status by ci-bot)`}},
		{name: "a failed status fails", cfg: requireChecks(name("ci/build")),
			pr: platformPR(commitStatus("ci/build", "ci-bot", CheckError, t0)), status: StatusFail, conclusion: ConclusionFailure,
			states: []CheckState{CheckFailed}, reasonHas: []string{`failing: "ci/build" (error, status by ci-bot)`}},
		{name: "a pending status waits", cfg: requireChecks(name("ci/build")),
			pr: platformPR(commitStatus("ci/build", "ci-bot", "pending", t0)), status: StatusPending, conclusion: ConclusionPending,
			states: []CheckState{CheckRunning}},
		{name: "glob: every match must pass", cfg: requireChecks(name("security/*")),
			pr:     platformPR(done("security/scan", CheckSuccess), done("security/deps", CheckSuccess), done("lint", CheckFailure)),
			status: StatusPass, conclusion: ConclusionSuccess, states: []CheckState{CheckPassed},
			reasonHas: []string{`"security/scan": success`, `"security/deps": success`}},
		{name: "glob: one failing match fails it", cfg: requireChecks(name("security/*")),
			pr: platformPR(done("security/scan", CheckFailure), running("security/deps")), status: StatusFail, conclusion: ConclusionFailure,
			states: []CheckState{CheckFailed}},
		{name: "glob: no match yet waits", cfg: requireChecks(name("security/*")),
			pr: platformPR(done("security", CheckSuccess), done("security/scan/extra", CheckSuccess)), status: StatusPending, conclusion: ConclusionPending,
			states: []CheckState{CheckExpected}},
		{name: "bound to an app: a status of that name does not count", cfg: requireChecks(CheckRequirement{Name: "build", App: "github-actions"}),
			pr:     platformPR(commitStatus("build", "mallory", CheckSuccess, t0), checkRun("build", "other-ci", CheckCompleted, CheckSuccess, t0)),
			status: StatusPending, conclusion: ConclusionPending, states: []CheckState{CheckExpected},
			reasonHas: []string{`"build" (not reported yet; needs a check run by github-actions)`}},
		{name: "bound to an app: its check run counts, app slug any case", cfg: requireChecks(CheckRequirement{Name: "build", App: "GitHub-Actions"}),
			pr:     platformPR(done("build", CheckSuccess), commitStatus("build", "mallory", CheckFailure, t0.Add(time.Minute))),
			status: StatusPass, conclusion: ConclusionSuccess, states: []CheckState{CheckPassed}},
		{name: "bound to a status creator: check runs and other accounts do not count", cfg: requireChecks(CheckRequirement{Name: "ci/build", StatusCreator: "ci-bot"}),
			pr:     platformPR(done("ci/build", CheckSuccess), commitStatus("ci/build", "mallory", CheckSuccess, t0)),
			status: StatusPending, conclusion: ConclusionPending, states: []CheckState{CheckExpected}},
		{name: "bound to a status creator: its status counts", cfg: requireChecks(CheckRequirement{Name: "ci/build", StatusCreator: "ci-bot"}),
			pr:     platformPR(commitStatus("ci/build", "ci-bot", CheckSuccess, t0), done("ci/build", CheckFailure)),
			status: StatusPass, conclusion: ConclusionSuccess, states: []CheckState{CheckPassed}},
		{name: "several runs of one name: the latest counts (fixed)", cfg: requireChecks(name("build")),
			pr:     platformPR(gha("build", CheckCompleted, CheckSuccess, t0.Add(2*time.Minute)), gha("build", CheckCompleted, CheckFailure, t0)),
			status: StatusPass, conclusion: ConclusionSuccess, states: []CheckState{CheckPassed}},
		{name: "several runs of one name: the latest counts (re-run in progress)", cfg: requireChecks(name("build")),
			pr:     platformPR(gha("build", CheckCompleted, CheckSuccess, t0), gha("build", CheckQueued, "", t0.Add(2*time.Minute))),
			status: StatusPending, conclusion: ConclusionPending, states: []CheckState{CheckRunning}},
		{name: "a check run and a status of one name: both count (the status fails)", cfg: requireChecks(name("build")),
			pr:     platformPR(done("build", CheckSuccess), commitStatus("build", "mallory", CheckFailure, t0.Add(time.Minute))),
			status: StatusFail, conclusion: ConclusionFailure, states: []CheckState{CheckFailed}},
		{name: "timeout: never reported fails at the deadline", cfg: requireChecks(name("build"), name("e2e")),
			pr: platformPR(done("build", CheckSuccess)), edit: func(pr *PullRequest) { pr.Now = t0.Add(2 * time.Hour) },
			status: StatusFail, conclusion: ConclusionFailure, states: []CheckState{CheckPassed, CheckTimedOut},
			reasonHas: []string{`failing: "e2e" (never reported within 2h)`, `passed: "build"`}},
		{name: "timeout: still running at the deadline fails", cfg: requireChecks(name("build")),
			pr: platformPR(running("build")), edit: func(pr *PullRequest) { pr.Now = t0.Add(3 * time.Hour) },
			status: StatusFail, conclusion: ConclusionFailure, states: []CheckState{CheckTimedOut},
			reasonHas: []string{`"build" (in progress, not completed within 2h, check run by github-actions)`}},
		{name: "timeout: a second before the deadline still waits", cfg: requireChecks(name("build")),
			pr: platformPR(), edit: func(pr *PullRequest) { pr.Now = t0.Add(2*time.Hour - time.Second) },
			status: StatusPending, conclusion: ConclusionPending, states: []CheckState{CheckExpected}},
		{name: "timeout: a shorter checks.timeout", cfg: func(c *Config) { requireChecks(name("build"))(c); c.Checks.Timeout = 5 * time.Minute },
			pr: platformPR(), status: StatusFail, conclusion: ConclusionFailure, states: []CheckState{CheckTimedOut},
			reasonHas: []string{"never reported within 5m"}},
		{name: "timeout: a head never seen starts its clock now", cfg: requireChecks(name("build")),
			pr: platformPR(), edit: func(pr *PullRequest) { pr.FirstSeen = time.Time{}; pr.Now = t0.Add(30 * time.Hour) },
			status: StatusPending, conclusion: ConclusionPending, states: []CheckState{CheckExpected}},
		{name: "a failure concludes at once, even while another check runs", cfg: requireChecks(name("build"), name("e2e")),
			pr: platformPR(done("build", CheckFailure), running("e2e")), status: StatusFail, conclusion: ConclusionFailure,
			states: []CheckState{CheckFailed, CheckRunning}, reasonHas: []string{`failing: "build" (failure`, `waiting for "e2e" (in progress`}},
		{name: "skipped fails by default", cfg: requireChecks(name("build"), name("lint")),
			pr: platformPR(done("build", CheckSkipped), done("lint", CheckNeutral)), status: StatusFail, conclusion: ConclusionFailure,
			states: []CheckState{CheckFailed, CheckFailed}},
		{name: "skipped passes with checks.skipped: pass", cfg: func(c *Config) { requireChecks(name("build"), name("lint"))(c); c.Checks.Skipped = SkippedPass },
			pr: platformPR(done("build", CheckSkipped), done("lint", CheckNeutral)), status: StatusPass, conclusion: ConclusionSuccess,
			states: []CheckState{CheckPassed, CheckPassed}},
		{name: "skipped: pass still fails a cancelled check", cfg: func(c *Config) { requireChecks(name("build"))(c); c.Checks.Skipped = SkippedPass },
			pr: platformPR(done("build", "cancelled")), status: StatusFail, conclusion: ConclusionFailure, states: []CheckState{CheckFailed}},
		{name: "an unknown conclusion fails", cfg: requireChecks(name("build")),
			pr: platformPR(done("build", "exploded")), status: StatusFail, conclusion: ConclusionFailure, states: []CheckState{CheckFailed},
			reasonHas: []string{`"build" ("exploded", check run by`}},
		{name: "report mode: pending concludes neutral", cfg: func(c *Config) { requireChecks(name("build"))(c); c.Mode = ModeReport },
			pr: platformPR(running("build")), status: StatusPending, conclusion: ConclusionNeutral, states: []CheckState{CheckRunning}},
		{name: "a critical path adds its checks, each once", cfg: func(c *Config) {
			requireChecks(name("build"))(c)
			c.CriticalPaths[0].Checks = []CheckRequirement{name("build"), {Name: "payments-suite", StatusCreator: "ci-bot"}}
		},
			pr: platformPR(done("build", CheckSuccess)),
			edit: func(pr *PullRequest) {
				pr.Files = append(pr.Files, files("payments/charge.go")...)
				pr.Reviews = append(pr.Reviews, approve("carol"))
			},
			status: StatusPending, conclusion: ConclusionPending, states: []CheckState{CheckPassed, CheckExpected},
			reasonHas: []string{`"payments-suite" (not reported yet; needs a status by ci-bot)`}},
		{name: "another tier requires nothing", cfg: requireChecks(name("build")),
			pr: platformPR(), edit: func(pr *PullRequest) { pr.Labels = labels("tier/experiment"); pr.Reviews = nil },
			status: StatusNotRequired, conclusion: ConclusionSuccess, reasonHas: []string{"no CI checks are required for experiment"}},
		{name: "locally: not checked, listing what GitHub would require", cfg: requireChecks(name("build"), CheckRequirement{Name: "security/*", App: "github-actions"}),
			pr: platformPR(), edit: func(pr *PullRequest) { pr.Local = true },
			status: StatusNotChecked, conclusion: ConclusionSuccess, states: []CheckState{CheckNotChecked, CheckNotChecked},
			reasonHas: []string{`checked on GitHub: requires "build" (any check run or status), "security/*" (a check run by github-actions)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := exampleConfig()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			pr := tt.pr
			if tt.edit != nil {
				tt.edit(&pr)
			}
			res := Evaluate(cfg, pr)
			g := gateOf(t, res, GateChecks)
			if g.Status != tt.status || res.Conclusion != tt.conclusion {
				t.Errorf("Evaluate(...) checks gate %s, conclusion %s; want %s, %s\n%s", g.Status, res.Conclusion, tt.status, tt.conclusion, Text(res))
			}
			var states []CheckState
			if g.Checks != nil {
				for _, o := range g.Checks.Required {
					states = append(states, o.State)
				}
			}
			if diff := cmp.Diff(tt.states, states); diff != "" {
				t.Errorf("required check states (-want +got):\n%s", diff)
			}
			for _, want := range tt.reasonHas {
				if !strings.Contains(g.Reason.String(), want) {
					t.Errorf("checks reason = %q, want it to contain %q", g.Reason.String(), want)
				}
			}
			for _, other := range res.Gates {
				if other.Name != GateChecks && other.Status == StatusFail {
					t.Errorf("gate %s fails (%s); the case is about checks only", other.Name, other.Reason)
				}
			}
		})
	}
}

func TestChecksOverrides(t *testing.T) {
	cfg := exampleConfig()
	requireChecks(name("build"), name("e2e"))(cfg)
	cfg.Overrides.Labels[GateChecks] = "tiergate/skip-checks"
	tests := []struct {
		name       string
		label      string
		checks     []CheckResult
		status     Status
		conclusion Conclusion
		override   string // the override's JSON status
	}{
		{"checks label excuses failed checks", "tiergate/skip-checks@carol",
			[]CheckResult{checkRun("build", "gha", CheckCompleted, CheckFailure, t0), checkRun("e2e", "gha", CheckCompleted, CheckSuccess, t0)},
			StatusOverridden, ConclusionSuccess, "applied"},
		{"but not checks still running", "tiergate/skip-checks@carol",
			[]CheckResult{checkRun("build", "gha", CheckCompleted, CheckFailure, t0), checkRun("e2e", "gha", CheckInProgress, "", t0)},
			StatusPending, ConclusionPending, "applied"},
		{"the all label excuses them too", "tiergate/override@carol",
			[]CheckResult{checkRun("build", "gha", CheckCompleted, CheckFailure, t0), checkRun("e2e", "gha", CheckCompleted, CheckFailure, t0)},
			StatusOverridden, ConclusionSuccess, "applied"},
		{"an override does not end a wait", "tiergate/skip-checks@carol",
			[]CheckResult{checkRun("build", "gha", CheckInProgress, "", t0)},
			StatusPending, ConclusionPending, "not_needed"},
		{"the author's label is ignored", "tiergate/skip-checks@author",
			[]CheckResult{checkRun("build", "gha", CheckCompleted, CheckFailure, t0), checkRun("e2e", "gha", CheckCompleted, CheckSuccess, t0)},
			StatusFail, ConclusionFailure, "ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := platformPR(tt.checks...)
			pr.Labels = append(pr.Labels, labels(tt.label)...)
			res := Evaluate(cfg, pr)
			g := gateOf(t, res, GateChecks)
			if g.Status != tt.status || res.Conclusion != tt.conclusion {
				t.Errorf("Evaluate(...) checks gate %s, conclusion %s; want %s, %s\n%s", g.Status, res.Conclusion, tt.status, tt.conclusion, Text(res))
			}
			if len(res.Overrides) != 1 {
				t.Fatalf("overrides = %+v, want one", res.Overrides)
			}
			b, _ := JSON(res)
			if !strings.Contains(string(b), `"status": "`+tt.override+`"`) {
				t.Errorf("JSON override status is not %s:\n%s", tt.override, b)
			}
		})
	}
}

func TestChecksDeadline(t *testing.T) {
	cfg := exampleConfig()
	requireChecks(name("build"))(cfg)
	tests := []struct {
		name   string
		checks []CheckResult
		want   time.Time
		ok     bool
	}{
		{"pending: at first seen plus the timeout", []CheckResult{checkRun("build", "gha", CheckQueued, "", t0)}, t0.Add(2 * time.Hour), true},
		{"completed: none", []CheckResult{checkRun("build", "gha", CheckCompleted, CheckSuccess, t0)}, time.Time{}, false},
		{"failed: none", []CheckResult{checkRun("build", "gha", CheckCompleted, CheckFailure, t0)}, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := Evaluate(cfg, platformPR(tt.checks...)).ChecksDeadline()
		if !got.Equal(tt.want) || ok != tt.ok {
			t.Errorf("%s: ChecksDeadline() = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRequiredChecks(t *testing.T) {
	cfg := checksConfig()
	tests := []struct {
		name  string
		pr    PullRequest
		want  []RequiredCheck
		local bool
	}{
		{"feature requires none", func() PullRequest { pr := basePR(); pr.Files = files("a.go"); return pr }(), nil, false},
		{"platform by label", platformPR(), []RequiredCheck{
			{CheckRequirement: name("build")}, {CheckRequirement: CheckRequirement{Name: "security/*", App: "github-actions"}}}, false},
		{"raised to platform by payments, which adds its suite", func() PullRequest { pr := basePR(); pr.Files = files("payments/a.go"); return pr }(),
			[]RequiredCheck{{CheckRequirement: name("build")}, {CheckRequirement: CheckRequirement{Name: "security/*", App: "github-actions"}},
				{CheckRequirement: CheckRequirement{Name: "payments-suite", StatusCreator: "ci-bot"}, RequiredBy: "payments"}}, false},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, RequiredChecks(cfg, tt.pr)); diff != "" {
			t.Errorf("%s: RequiredChecks (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestChecksGateForMergeGroup: the exported gate judges a commit's checks
// against requirements taken from elsewhere (the pull request a merge
// queue commit adds).
func TestChecksGateForMergeGroup(t *testing.T) {
	cfg := checksConfig()
	req := RequiredChecks(cfg, platformPR())
	g, warnings := ChecksGate(cfg, TierPlatform, req, []CheckResult{
		checkRun("build", "github-actions", CheckCompleted, CheckSuccess, t0),
		checkRun("security/scan", "github-actions", CheckInProgress, "", t0),
	}, t0, t0.Add(time.Minute))
	if g.Status != StatusPending || len(warnings) != 0 {
		t.Errorf("ChecksGate = %s %q, %v; want pending, no warnings", g.Status, g.Reason.String(), warnings)
	}
	g, _ = ChecksGate(cfg, TierPlatform, nil, nil, t0, t0)
	if g.Status != StatusNotRequired {
		t.Errorf("ChecksGate without requirements = %s, want not_required", g.Status)
	}
}
