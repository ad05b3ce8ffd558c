package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/githubtest"
)

// fakeorg is the organisation: acme/widgets and the org config repository
// acme/.github, both in one installation.
var fakeorg = struct {
	Owner, Repo, ConfigPath string
	Installation            int64
}{"acme", "widgets", ".github/tiergate.yml", 7}

func newFakeOrg(t testing.TB) *githubtest.Server {
	t.Helper()
	fake := githubtest.New(t)
	fake.AddRepo(fakeorg.Owner, fakeorg.Repo, "main")
	fake.AddRepo(fakeorg.Owner, ".github", "main")
	fake.AddInstallation(fakeorg.Installation, fakeorg.Owner, fakeorg.Repo, ".github")
	return fake
}

// The repository a backtest is tested on: fakeorg's acme/widgets with 200
// pull requests merged in the last 30 days, judged by the config below. Of
// each ten, by number mod 10:
//
//	0: feature, test included, approved       → pass (or, every 20th, a
//	   platform change to payments: approved by two; every 40th without a
//	   payments-owners approval → fails critical_paths/payments)
//	1-5: feature, test included, approved     → pass
//	6: feature, no test                       → fails tests; an override
//	   label and tier/experiment applied after the merge must not count
//	7: feature, never approved before merge   → fails approvals; an
//	   approval after the merge must not count
//	8: tier/experiment, no test, no review    → pass
//	9: feature, no test, tests overridden by
//	   carol (maintain) before the merge      → pass with an override
//
// So 135 pass, 20 need an override and 45 fail: tests 20, approvals 20,
// critical_paths/payments 5; feature 40 failed of 170, platform 5 of 10,
// experiment 0 of 20; payments touched 10 times, 5 failed. Besides, 10
// pull requests were closed unmerged (#201-#210), 5 are open (#211-#215)
// and 5 were merged 40 days ago (#216-#220): none of them is in the
// default backtest.
const backtestConfig = `version: 1
critical_paths:
  - name: payments
    paths: ["payments/**"]
    min_tier: platform
    teams: ["payments-owners"]
`

// orgConfig is the org file: present, so that a rerun's config reads are
// all free 304s (a 404 carries no ETag and is asked again each run).
const orgConfig = "version: 1\napprovals:\n  fresh_only: true\n"

// backtestWant is what a default backtest of the fixture finds.
var backtestWant = struct {
	total, passed, overridden, failed int
	byGate                            map[string]int
}{200, 135, 20, 45, map[string]int{"tests": 20, "approvals": 20, "critical_paths/payments": 5}}

// seedBacktest fills a fake with the fixture; base is the time the latest
// pull request merged (in the past: the fake's Date header is real time).
func seedBacktest(t testing.TB, fake *githubtest.Server, base time.Time) {
	t.Helper()
	o, r := fakeorg.Owner, fakeorg.Repo
	fake.SetFile(o, r, "main", fakeorg.ConfigPath, []byte(backtestConfig))
	fake.SetFile(o, ".github", "main", fakeorg.ConfigPath, []byte(orgConfig))
	for _, u := range []string{"bob", "dave", "erin"} {
		fake.SetPermission(o, r, u, "write")
	}
	fake.SetPermission(o, r, "carol", "maintain")
	fake.AddTeamMember(o, "payments-owners", "dave")
	for i := 1; i <= 200; i++ {
		merged := base.Add(-time.Duration(i) * time.Hour)
		seedMerged(fake, i, merged)
	}
	for i := 201; i <= 210; i++ {
		at := base.Add(-time.Duration(i-200) * 90 * time.Minute)
		fake.AddPullRequest(o, r, githubtest.PullRequest{Number: i, Author: "alice", HeadSHA: sha(i), State: "closed",
			Title: fmt.Sprintf("Abandoned change %d", i), CreatedAt: at.Add(-time.Hour), UpdatedAt: at, ClosedAt: at})
		fake.SetChangedFiles(o, r, i, []githubtest.File{{Filename: "api/x.go", Additions: 3}})
	}
	for i := 211; i <= 215; i++ {
		fake.AddPullRequest(o, r, githubtest.PullRequest{Number: i, Author: "alice", HeadSHA: sha(i),
			Title: fmt.Sprintf("Work in progress %d", i), CreatedAt: base, UpdatedAt: base})
		fake.SetChangedFiles(o, r, i, []githubtest.File{{Filename: "api/x.go", Additions: 3}})
	}
	for i := 216; i <= 220; i++ {
		seedMerged(fake, i, base.Add(-40*24*time.Hour-time.Duration(i)*time.Minute))
	}
}

// hostileTitles are titles others chose that must stay inert in every
// format: a spreadsheet formula, a mention, markup, a line break.
var hostileTitles = map[int]string{
	3: `=HYPERLINK("http://evil.example","click")`,
	4: "@acme/payments-owners | `x` <b>\nfake line\n",
}

func titleOf(i int) string {
	if t, ok := hostileTitles[i]; ok {
		return t
	}
	return fmt.Sprintf("Change %d", i)
}

func sha(i int) string { return fmt.Sprintf("%040x", i) }

// seedMerged adds pull request i, merged at merged, of the kind i%10 says.
func seedMerged(fake *githubtest.Server, i int, merged time.Time) {
	o, r := fakeorg.Owner, fakeorg.Repo
	head := sha(i)
	pr := githubtest.PullRequest{Number: i, Author: "alice", HeadSHA: head, Title: titleOf(i),
		CreatedAt: merged.Add(-2 * time.Hour), UpdatedAt: merged, MergedAt: merged}
	before := merged.Add(-time.Hour)
	after := merged.Add(time.Hour)
	files := []githubtest.File{{Filename: "api/x.go", Additions: 10}, {Filename: "api/x_test.go", Additions: 10}}
	approve := []string{"bob"}
	var labels []struct{ name, by string }
	var late func()
	switch i % 10 {
	case 0:
		if i%20 == 0 {
			files = []githubtest.File{{Filename: "payments/pay.go", Additions: 10}, {Filename: "payments/pay_test.go", Additions: 10}, {Filename: "docs/pay.md", Additions: 5}}
			approve = []string{"bob", "dave"}
			if i%40 == 0 {
				approve = []string{"bob", "erin"}
			}
		}
	case 6:
		files = files[:1]
		pr.UpdatedAt = after
		late = func() {
			fake.SetTime(after)
			fake.AddLabel(o, r, i, "tiergate/skip-tests", "carol")
			fake.AddLabel(o, r, i, "tier/experiment", "alice")
		}
	case 7:
		approve = nil
		pr.UpdatedAt = after
		late = func() {
			fake.AddReview(o, r, i, githubtest.Review{User: "bob", State: "APPROVED", CommitID: head, SubmittedAt: after})
		}
	case 8:
		files = files[:1]
		approve = nil
		labels = append(labels, struct{ name, by string }{"tier/experiment", "alice"})
	case 9:
		files = files[:1]
		labels = append(labels, struct{ name, by string }{"tiergate/skip-tests", "carol"})
	}
	fake.AddPullRequest(o, r, pr)
	fake.SetChangedFiles(o, r, i, files)
	for _, u := range approve {
		fake.AddReview(o, r, i, githubtest.Review{User: u, State: "APPROVED", CommitID: head, SubmittedAt: before})
	}
	for _, l := range labels {
		fake.SetTime(before)
		fake.AddLabel(o, r, i, l.name, l.by)
	}
	if late != nil {
		late()
	}
}

// backtestFake starts a fake holding the fixture, seeded once per test.
func backtestFake(t testing.TB) (*githubtest.Server, time.Time) {
	t.Helper()
	fake := newFakeOrg(t)
	base := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	seedBacktest(t, fake, base)
	fake.ResetRequests()
	return fake, base
}

// btRun is one backtest run in-process, through runBacktest's seams.
type btRun struct {
	code           int
	stdout, stderr string
	sleeps         []time.Duration
}

// backtestWith runs tiergate backtest against fake with env (GITHUB_TOKEN
// and so on) and args after "backtest". Sleeps are recorded, not slept.
func backtestWith(t testing.TB, fake *githubtest.Server, env map[string]string, args ...string) btRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	var mu sync.Mutex
	var out btRun
	opts := backtestOptions{
		Env:    func(k string) string { return env[k] },
		Stdout: &stdout, Stderr: &stderr,
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			out.sleeps = append(out.sleeps, d)
			mu.Unlock()
			return ctx.Err()
		},
	}
	if fake != nil {
		if _, ok := env["TIERGATE_GITHUB_API_URL"]; !ok {
			args = append([]string{"--github-api-url", fake.URL()}, args...)
		}
	}
	out.code = exitCode(backtestCmdWith(context.Background(), args, opts), "backtest", &stderr)
	out.stdout, out.stderr = stdout.String(), stderr.String()
	return out
}

// tokenEnv is a GITHUB_TOKEN for fakeorg's installation, as Actions gives one.
func tokenEnv(fake *githubtest.Server) map[string]string {
	return map[string]string{"GITHUB_TOKEN": fake.IssueToken(fakeorg.Installation)}
}

// writeFile writes a file in a temporary directory and returns its path.
func writeTemp(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
