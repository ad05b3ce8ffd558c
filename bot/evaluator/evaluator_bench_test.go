package evaluator

import (
	"context"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/queue"
)

// BenchmarkEvaluateWarm is one warm evaluation of a typical pull request
// (two files, one approval, a verdict that flips each time so the check run
// is written) against the in-process fake GitHub. It measures tiergate's
// own work per evaluation plus the fake's, with GitHub's latency left out:
// an upper bound on the CPU an evaluation costs, and so a lower bound on
// how many evaluations one replica's CPU can sustain.
//
//	go test ./bot/evaluator -run '^$' -bench BenchmarkEvaluateWarm -benchtime 200x -count 5
func BenchmarkEvaluateWarm(b *testing.B) {
	fake := githubtest.New(b)
	fake.AddRepo(evOwner, evRepo, "main")
	fake.AddRepo(evOwner, ".github", "main")
	fake.AddInstallation(evInst, evOwner, evRepo, ".github")
	fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 1, Author: "alice", HeadSHA: evHead})
	fake.SetChangedFiles(evOwner, evRepo, 1, []githubtest.File{
		{Filename: "svc/handler.go", Additions: 10, Deletions: 2},
		{Filename: "svc/handler_test.go", Additions: 20},
	})
	fake.AddReview(evOwner, evRepo, 1, githubtest.Review{User: "bob", State: "APPROVED", CommitID: evHead})
	fake.SetPermission(evOwner, evRepo, "bob", "write")
	ev, err := newTestEvaluator(fake, NewMetrics(), nil, time.Second)
	if err != nil {
		b.Fatal(err)
	}
	ev.progress = time.Hour
	ctx := context.Background()
	job := queue.Job{InstallationID: evInst, Owner: evOwner, Repo: evRepo, Number: 1}
	if err := ev.Evaluate(ctx, job, nil); err != nil { // cold: token, config, IDs
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if i%2 == 1 {
			fake.AddLabel(evOwner, evRepo, 1, "tier/experiment", "alice")
		} else {
			fake.RemoveLabel(evOwner, evRepo, 1, "tier/experiment", "alice")
		}
		if err := ev.Evaluate(ctx, job, nil); err != nil {
			b.Fatal(err)
		}
	}
}
