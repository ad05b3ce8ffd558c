package githubtest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-github/v60/github"
)

// TestConcurrentUse drives two fakes in parallel, each from several
// goroutines, so `go test -race` checks the locking and the shared
// OpenAPI validator.
func TestConcurrentUse(t *testing.T) {
	for i := range 2 {
		t.Run(fmt.Sprint("server", i), func(t *testing.T) {
			t.Parallel()
			s := seeded(t)
			s.AddPullRequest(owner, name, PullRequest{Number: 1, HeadSHA: "abc"})
			c := client(t, s, inst, s.PrivateKeyPEM)
			const workers = 6
			var wg sync.WaitGroup
			errs := make(chan error, workers*2)
			for w := range workers {
				wg.Go(func() {
					ctx := context.Background()
					if _, _, err := c.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{
						Name: fmt.Sprint("check", w), HeadSHA: "abc", Conclusion: github.String("neutral"),
					}); err != nil {
						errs <- err
					}
					if _, _, err := c.Issues.CreateComment(ctx, owner, name, 1, &github.IssueComment{Body: github.String("hi")}); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("concurrent request error = %v", err)
			}
			if got := len(s.CheckRuns(owner, name)); got != workers {
				t.Errorf("CheckRuns() = %d runs, want %d", got, workers)
			}
			if got := len(s.Comments(owner, name, 1)); got != workers {
				t.Errorf("Comments() = %d comments, want %d", got, workers)
			}
		})
	}
}
