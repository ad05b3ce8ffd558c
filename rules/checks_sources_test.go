package rules

import (
	"strings"
	"testing"
	"time"
)

// A required name is met by every source that reports it: the latest is
// kept per kind, source and name, never across them. GitHub requires both
// a check run and a status that share a required name, and filter=latest
// keeps the latest run per App, so two Apps' "build" runs are both listed.
// (Found by a hostile review: a newer success from any source hid a failing
// or running check of the same name from another.)
func TestChecksEverySourceMustPass(t *testing.T) {
	later := t0.Add(time.Minute)
	cases := map[string][]CheckResult{
		"check run failed, newer status succeeded": {
			checkRun("build", "github-actions", CheckCompleted, CheckFailure, t0),
			commitStatus("build", "legacy-ci", CheckSuccess, later)},
		"check run running, newer status succeeded": {
			checkRun("build", "github-actions", CheckInProgress, "", t0),
			commitStatus("build", "legacy-ci", CheckSuccess, later)},
		"two Apps, older one failed": {
			checkRun("build", "github-actions", CheckCompleted, CheckFailure, t0),
			checkRun("build", "some-other-app", CheckCompleted, CheckSuccess, later)},
	}
	for n, checks := range cases {
		t.Run(n, func(t *testing.T) {
			cfg := Default()
			requireChecks(name("build"))(cfg)
			res := Evaluate(cfg, platformPR(checks...))
			if res.Conclusion == ConclusionSuccess {
				t.Errorf("conclusion success with a failing/running %q among the matches", "build")
			}
			// The same through a glob, which the README says needs "every check it matches" to pass.
			cfg = Default()
			requireChecks(name("buil*"))(cfg)
			if res := Evaluate(cfg, platformPR(checks...)); res.Conclusion == ConclusionSuccess {
				t.Errorf("glob: conclusion success with a failing/running match")
			}
		})
	}
	t.Run("a re-run by the same source still replaces its run", func(t *testing.T) {
		cfg := Default()
		requireChecks(name("build"))(cfg)
		res := Evaluate(cfg, platformPR(
			checkRun("build", "github-actions", CheckCompleted, CheckFailure, t0),
			checkRun("build", "github-actions", CheckCompleted, CheckSuccess, later),
			commitStatus("build", "legacy-ci", CheckSuccess, t0)))
		g := gateOf(t, res, GateChecks)
		if g.Status != StatusPass || len(g.Checks.Required[0].Matches) != 2 {
			t.Errorf("Evaluate(...) checks gate %s with %d matches, want pass with 2 (the re-run and the status)\n%s", g.Status, len(g.Checks.Required[0].Matches), Text(res))
		}
	})
}

// A required check still queued or running (or never reported)
// checks.timeout after tiergate first saw the head has failed, as the
// timeout rule says, so an accepted checks (or all) override excuses it;
// before the deadline it keeps the gate pending, label or not. README,
// Required CI checks, Overrides.
func TestChecksOverrideAfterTimeout(t *testing.T) {
	cfg := exampleConfig()
	requireChecks(name("build"))(cfg)
	cfg.Overrides.Labels[GateChecks] = "tiergate/skip-checks"
	running := checkRun("build", "gha", CheckInProgress, "", t0)
	tests := []struct {
		name       string
		label      string
		checks     []CheckResult
		now        time.Time
		status     Status
		conclusion Conclusion
		reasonHas  string
	}{
		{"running, before the deadline: pending despite the label", "tiergate/skip-checks@carol", []CheckResult{running},
			t0.Add(cfg.Checks.Timeout - time.Minute), StatusPending, ConclusionPending, `waiting for "build" (in progress`},
		{"running, after the deadline: timed out, excused", "tiergate/skip-checks@carol", []CheckResult{running},
			t0.Add(cfg.Checks.Timeout + time.Minute), StatusOverridden, ConclusionSuccess, `overridden by carol with "tiergate/skip-checks": failing: "build" (in progress, not completed within 2h`},
		{"never reported, after the deadline: excused by the all label", "tiergate/override@carol", nil,
			t0.Add(cfg.Checks.Timeout + time.Minute), StatusOverridden, ConclusionSuccess, `"build" (never reported within 2h)`},
		{"running, after the deadline, no label: fails", "", []CheckResult{running},
			t0.Add(cfg.Checks.Timeout + time.Minute), StatusFail, ConclusionFailure, `failing: "build" (in progress, not completed within 2h`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := platformPR(tt.checks...)
			pr.Now = tt.now
			if tt.label != "" {
				pr.Labels = append(pr.Labels, labels(tt.label)...)
			}
			res := Evaluate(cfg, pr)
			g := gateOf(t, res, GateChecks)
			if g.Status != tt.status || res.Conclusion != tt.conclusion {
				t.Errorf("Evaluate(...) checks gate %s, conclusion %s; want %s, %s\n%s", g.Status, res.Conclusion, tt.status, tt.conclusion, Text(res))
			}
			if !strings.Contains(g.Reason.String(), tt.reasonHas) {
				t.Errorf("checks gate reason = %q, want it to contain %q", g.Reason.String(), tt.reasonHas)
			}
		})
	}
}
