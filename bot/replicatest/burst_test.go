package replicatest

import (
	"fmt"
	"testing"
	"time"
)

// TestBurstSpreadOverReplicas: 20 events for one pull request (pushes that
// move its head, a label added and removed) reach three replicas in turn
// within the debounce. The shared queue coalesces them: at most 2
// evaluations, one check run per evaluated head, the final head completed,
// one comment.
func TestBurstSpreadOverReplicas(t *testing.T) {
	c := newCluster(t, options{replicas: 3, database: true, debounce: time.Second})
	c.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go")) // no test, no approval: failing
	c.start()

	head := headSHA
	heads := []string{head}
	start := time.Now()
	for i := range 20 {
		var body []byte
		switch i % 4 {
		case 0, 2:
			head = fmt.Sprintf("%040x", i+1)
			heads = append(heads, head)
			c.gh.SetHead(owner, repo, prNumber, head)
			body = prEvent(t, "synchronize", prNumber, head)
		case 1:
			c.gh.AddLabel(owner, repo, prNumber, "documentation", "alice")
			body = prEvent(t, "labeled", prNumber, head)
		case 3:
			c.gh.RemoveLabel(owner, repo, prNumber, "documentation", "alice")
			body = prEvent(t, "unlabeled", prNumber, head)
		}
		c.sendRoundRobin("pull_request", body)
	}
	t.Logf("20 deliveries over 3 replicas took %v (debounce 1s)", time.Since(start))

	waitFor(t, 30*time.Second, "the final head's completed check and an empty queue", func() bool {
		return c.completed(head) && c.workRows() == 0
	})
	evaluations := c.count("GET", pullPath(prNumber))
	t.Logf("evaluations (GET %s): %d; %s", pullPath(prNumber), evaluations, c.describe(prNumber, head))
	if evaluations < 1 || evaluations > 2 {
		t.Errorf("20 events caused %d evaluations, want 1 or 2", evaluations)
	}
	for _, h := range heads {
		if runs := c.checksOn(h); len(runs) > 1 {
			t.Errorf("%d check runs on head %.7s, want at most 1: %+v", len(runs), h, runs)
		}
	}
	if cr := c.checksOn(head)[0]; cr.Conclusion != "failure" {
		t.Errorf("final head's check = %s %q, want failure", cr.Conclusion, cr.Title)
	}
	if n := len(c.comments(prNumber)); n != 1 {
		t.Errorf("%d tiergate comments after the burst, want 1", n)
	}
}
