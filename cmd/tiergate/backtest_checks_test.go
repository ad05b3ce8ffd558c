package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/githubtest"
)

// TestBacktestRequiredChecks: the config requires CI check "build" for
// feature. The backtest reads CI on each merged pull request's final head
// as it stood at the merge: a build that failed before the merge fails the
// checks gate; one that completed (green) only after the merge was still
// running then, so the pull request is pending, never a pass.
func TestBacktestRequiredChecks(t *testing.T) {
	for _, tt := range []struct {
		name       string
		doneBefore time.Duration // the build completed this long before the merge (negative: after)
		conclusion string
		want       string // outcome
		wantGate   string // the checks gate's status
	}{
		{"failed before the merge", 30 * time.Minute, "failure", "fail", "fail"},
		{"passed before the merge", 30 * time.Minute, "success", "pass", "pass"},
		{"passed after the merge", -30 * time.Minute, "success", "pending", "pending"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeOrg(t)
			o, r := fakeorg.Owner, fakeorg.Repo
			base := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
			fake.SetFile(o, r, "main", fakeorg.ConfigPath, []byte("version: 1\ntiers:\n  feature:\n    require: {approvals: 0, checks: [build]}\n"))
			fake.SetFile(o, ".github", "main", fakeorg.ConfigPath, []byte(orgConfig))
			head := sha(1)
			fake.AddPullRequest(o, r, githubtest.PullRequest{Number: 1, Author: "alice", HeadSHA: head, Title: "CI",
				CreatedAt: base.Add(-2 * time.Hour), UpdatedAt: base, MergedAt: base})
			fake.SetChangedFiles(o, r, 1, []githubtest.File{{Filename: "api/x.go", Additions: 1}, {Filename: "api/x_test.go", Additions: 1}})
			fake.SetTime(base.Add(-tt.doneBefore))
			fake.AddCheckRun(o, r, githubtest.CheckRun{AppID: 15368, AppSlug: "github-actions", Name: "build", HeadSHA: head, Status: "completed", Conclusion: tt.conclusion})

			res := backtestWith(t, fake, tokenEnv(fake), "--repo", "acme/widgets", "--format", "json")
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			var out struct {
				Backtest struct {
					Summary struct{ Passed, Pending int }
				}
				PullRequests []struct {
					Outcome string `json:"outcome"`
					Verdict struct {
						Gates []struct{ Name, Status string }
					} `json:"verdict"`
				} `json:"pull_requests"`
			}
			if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
				t.Fatal(err)
			}
			if len(out.PullRequests) != 1 {
				t.Fatalf("%d pull requests", len(out.PullRequests))
			}
			p := out.PullRequests[0]
			if p.Outcome != tt.want {
				t.Errorf("outcome = %q, want %q", p.Outcome, tt.want)
			}
			gate := ""
			for _, g := range p.Verdict.Gates {
				if g.Name == "checks" {
					gate = g.Status
				}
			}
			if gate != tt.wantGate {
				t.Errorf("checks gate = %q, want %q", gate, tt.wantGate)
			}
			if tt.want == "pending" && (out.Backtest.Summary.Pending != 1 || out.Backtest.Summary.Passed != 0) {
				t.Errorf("summary counts %+v, want 1 pending and none passed", out.Backtest.Summary)
			}
		})
	}
}
