package sweep

import (
	"context"
	"fmt"
	"testing"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/internal/fakeorg"
	"github.com/tiergate/tiergate/bot/queue"
)

// TestSweepCompletesPullRequestWhoseWebhookWasLost: no webhook ever reached
// tiergate for acme/widgets#1; the sweep finds it and an evaluation of the
// job it queued reports the verdict. The next sweep finds nothing to do.
func TestSweepCompletesPullRequestWhoseWebhookWasLost(t *testing.T) {
	f := newSweepFixture(t)
	fakeorg.TypicalPR(f.fake)
	evaluate := func(ctx context.Context, jobs []queue.Job) error {
		for _, j := range jobs {
			if err := f.ev.Evaluate(ctx, j, nil); err != nil {
				return err
			}
		}
		return nil
	}
	sw := f.newSweeper(evaluate, Options{SkipRedelivery: true})
	rep, err := sw.Run(context.Background())
	if err != nil || rep.Missing != 1 {
		t.Fatalf("Run() = %+v, %v; want 1 pull request without a check", rep, err)
	}
	runs := f.fake.CheckRuns(fakeorg.Owner, fakeorg.Repo)
	if len(runs) != 1 || runs[0].HeadSHA != fakeorg.Head || runs[0].Status != "completed" || runs[0].Conclusion != "success" {
		t.Fatalf("check runs after the sweep = %+v, want one completed success on %s", runs, fakeorg.Head)
	}
	rep, err = sw.Run(context.Background())
	if err != nil || rep.Queued != 0 || rep.PullRequests != 1 {
		t.Errorf("second Run() = %+v, %v; want the pull request seen and nothing queued", rep, err)
	}
}

// TestSweepRequestCount measures one sweep over 1 installation × 3
// repositories × 10 open pull requests, each with a current check run, as
// the fake counts requests. The README's sweep budget formula comes from it.
func TestSweepRequestCount(t *testing.T) {
	for _, prs := range []int{10, 150} {
		t.Run(fmt.Sprintf("%d pull requests per repository", prs), func(t *testing.T) {
			fake := githubtest.New(t)
			seedRepos(fake, prs)
			for _, r := range []string{"a", "b", "c"} {
				for n := 1; n <= prs; n++ {
					fake.AddCheckRun("big", r, githubtest.CheckRun{Name: "tiergate", HeadSHA: sha(n), Status: "completed", Conclusion: "success"})
				}
			}
			f := newSweepFixtureOn(t, fake)
			rep := f.run(t, Options{RequestBudget: 10_000})
			byOp := map[string]int{}
			for _, r := range fake.Requests() {
				byOp[r.Method+" "+r.Template]++
			}
			total := len(fake.Requests())
			t.Logf("1 installation × 3 repositories × %d pull requests: %d requests to the fake (%d counted by the sweep's budgets): %v",
				prs, total, rep.Requests, byOp)
			// Installations 1 + token 1 + delivery log 1 + repositories 1
			// + per repository ceil(prs/100) pull request pages + 1 per pull request.
			pages := (prs + 99) / 100
			if want := 4 + 3*pages + 3*prs; total != want || rep.Queued != 0 {
				t.Errorf("sweep made %d requests and queued %d, want %d and 0", total, rep.Queued, want)
			}
		})
	}
}
