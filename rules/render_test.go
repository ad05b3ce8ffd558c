package rules

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/golden")

// renderCases are the verdicts the golden files pin down.
func renderCases() map[string]Result {
	cfg := exampleConfig()
	failing := basePR()
	failing.Labels = labels("tier/experiment", "tiergate/skip-docs@carol", "tiergate/override@author")
	failing.Files = files("payments/charge.go", "payments/README.md", "web/a|b.ts")
	failing.Reviews = []Review{approve("alice"), {User: "tina", State: ReviewApproved, CommitID: head}}

	passing := basePR()
	passing.Files = files("svc/a.go", "svc/a_test.go")
	passing.Reviews = []Review{approve("alice")}

	local := basePR()
	local.Local = true
	local.Labels = labels("tier/platform")
	local.Files = files("svc/a.go", "svc/a_test.go", "docs/a.md")

	report := *cfg
	report.Mode = ModeReport
	report.Warnings = []string{"acme/api .github/tiergate.yml:7: tiers.platform.require.approvals: 1 ignored, the org requires at least 2 (repo_overrides: tighten_only)"}
	reported := basePR()
	reported.Files = files("svc/a.go")

	checked := checksConfig()
	local.Files = append(local.Files, files("payments/a_test.go")...)
	pending := basePR()
	pending.Labels = labels("tier/platform")
	pending.Files = files("svc/a.go", "svc/a_test.go", "docs/a.md")
	pending.Reviews = []Review{approve("alice"), approve("bob")}
	pending.FirstSeen, pending.Now = t0, t0.Add(10*time.Minute)
	pending.Checks = []CheckResult{
		checkRun("build", "github-actions", CheckCompleted, CheckSuccess, t0),
		checkRun("security/scan", "github-actions", CheckInProgress, "", t0.Add(time.Minute)),
	}
	failingChecks := pending
	failingChecks.Files = files("payments/charge.go", "payments/charge_test.go", "docs/a.md")
	failingChecks.Reviews = []Review{approve("alice"), approve("carol")}
	failingChecks.Now = t0.Add(3 * time.Hour)
	failingChecks.Checks = []CheckResult{
		checkRun("build", "github-actions", CheckCompleted, CheckSuccess, t0),
		checkRun("security/scan", "github-actions", CheckCompleted, CheckFailure, t0.Add(time.Minute)),
		checkRun("security/deps", "github-actions", CheckCompleted, CheckSuccess, t0.Add(time.Minute)),
	}
	failingChecks.Checks[1].URL = "https://ci.example.com/run?id=1&x=)](javascript:alert(1))"

	twoApprovals := exampleConfig()
	twoApprovals.Tiers[TierFeature] = TierRules{Labels: []string{"tier/feature"}, Tests: true, Approvals: 2}
	rebased := basePR()
	rebased.Files = files("api/orders.go", "api/orders_test.go")
	rebased.Reviews = []Review{approve("alice"), approveAt("bob", atSame), approveAt("carol", atDiffers), approveAt("rita", atSame)}
	rebased.Patches = patchesAt()

	approvedAt := Evaluate(cfg, local)
	check := ApprovedAt(cfg, PullRequest{HeadSHA: head, Patches: patchesAt()}, atDiffers)
	approvedAt.ApprovedAt = &check

	return map[string]Result{
		"approvals_after_rebase": Evaluate(twoApprovals, rebased),
		"local_approved_at":      approvedAt,
		"pending_platform":       Evaluate(checked, pending),
		"failing_checks":         Evaluate(checked, failingChecks),
		"failing_platform":       Evaluate(cfg, failing),
		"passing_feature":        Evaluate(cfg, passing),
		"local_platform":         Evaluate(checked, local),
		"report_mode":            Evaluate(&report, reported),
		"config_error": ConfigFailure(errors.New(
			".github/tiergate.yml:4:3: unknown key \"tierz\" (did you mean \"tiers\"?)\n" +
				".github/tiergate.yml:12:18: approvals must be 0 or more, got -1 (use a whole number such as 0, 1 or 2)")),
	}
}

func TestRenderGolden(t *testing.T) {
	renderers := map[string]func(Result) string{
		"md":  Markdown,
		"txt": Text,
		"json": func(r Result) string {
			b, err := JSON(r)
			if err != nil {
				t.Fatalf("JSON: %v", err)
			}
			return string(b)
		},
	}
	for name, res := range renderCases() {
		for ext, render := range renderers {
			t.Run(name+"."+ext, func(t *testing.T) {
				got := render(res)
				path := filepath.Join("testdata", "golden", name+"."+ext+".golden")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("read golden (run go test ./rules -run TestRenderGolden -update): %v", err)
				}
				if got != string(want) {
					t.Errorf("%s render differs from %s:\n--- got\n%s\n--- want\n%s", ext, path, got, want)
				}
			})
		}
	}
}

func TestTitle(t *testing.T) {
	tests := map[string]string{
		"approvals_after_rebase": "feature · 2 of 2 gates passing",
		"local_approved_at":      "platform · 3 of 5 gates passing · 2 checked on GitHub",
		"failing_platform":       "platform · 3 of 5 gates failing",
		"passing_feature":        "feature · 2 of 2 gates passing",
		"local_platform":         "platform · 3 of 6 gates passing · 3 checked on GitHub",
		"pending_platform":       "platform · 4 of 5 gates passing · waiting for 1 check",
		"failing_checks":         "platform · 1 of 6 gates failing",
		"report_mode":            "feature · 2 of 2 gates failing (report only)",
		"config_error":           "configuration error · no gates evaluated",
	}
	cases := renderCases()
	for name, want := range tests {
		if got := cases[name].Title(); got != want {
			t.Errorf("%s: Title() = %q, want %q", name, got, want)
		}
	}
}

func TestJSONShape(t *testing.T) {
	b, err := JSON(renderCases()["failing_platform"])
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tier       string `json:"tier"`
		Conclusion string `json:"conclusion"`
		Gates      []struct {
			Name, Status, Reason string
		} `json:"gates"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("JSON output does not parse: %v\n%s", err, b)
	}
	if got.Tier != "platform" || got.Conclusion != "failure" || len(got.Gates) == 0 {
		t.Fatalf("JSON = %+v, want tier platform, conclusion failure and gates", got)
	}
	valid := map[string]bool{"pass": true, "fail": true, "overridden": true, "not_required": true, "not_checked": true, "pending": true}
	for _, g := range got.Gates {
		if !valid[g.Status] || g.Name == "" || g.Reason == "" {
			t.Errorf("gate %+v: want a name, a reason and a known status", g)
		}
	}
}

// t0 is when tiergate first saw the head in the checks cases.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// checksConfig is the example with required checks: platform needs the
// build and every security check from GitHub Actions, and the payments path
// adds its suite, reported as a status by ci-bot.
func checksConfig() *Config {
	cfg := exampleConfig()
	cfg.Tiers[TierPlatform] = func(r TierRules) TierRules {
		r.Checks = []CheckRequirement{{Name: "build"}, {Name: "security/*", App: "github-actions"}}
		return r
	}(cfg.Tiers[TierPlatform])
	cfg.CriticalPaths[0].Checks = []CheckRequirement{{Name: "payments-suite", StatusCreator: "ci-bot"}}
	return cfg
}

func checkRun(name, app string, status CheckStatus, conclusion CheckConclusion, started time.Time) CheckResult {
	c := CheckResult{Kind: CheckRun, Name: name, Source: app, Status: status, Conclusion: conclusion, StartedAt: started,
		URL: "https://github.com/acme/api/actions/runs/1/job/" + name}
	if status == CheckCompleted {
		c.CompletedAt = started.Add(5 * time.Minute)
	}
	return c
}

func commitStatus(context, creator string, state CheckConclusion, at time.Time) CheckResult {
	c := CheckResult{Kind: CommitStatus, Name: context, Source: creator, Status: CheckCompleted, Conclusion: state, StartedAt: at, CompletedAt: at,
		URL: "https://ci.example.com/" + context}
	if state == "pending" {
		c.Status, c.Conclusion, c.CompletedAt = CheckPending, "", time.Time{}
	}
	return c
}
