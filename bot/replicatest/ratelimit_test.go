package replicatest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPrimaryRateLimitIsWaitedOut: the installation's primary rate limit is
// spent when the evaluation reads the pull request, with the reset a few
// seconds away. tiergate waits for the reset and then reports the verdict;
// it never writes a "could not evaluate" failure meanwhile.
func TestPrimaryRateLimitIsWaitedOut(t *testing.T) {
	const resetIn = 5 * time.Second
	c := newCluster(t, options{replicas: 1, database: true, debounce: 200 * time.Millisecond})
	c.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go", "app/a_test.go"))
	c.gh.AddReview(owner, repo, prNumber, approvalBy("alice", headSHA))
	c.gh.PrimaryRateLimitNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", resetIn)
	c.start()

	c.send(0, "pull_request", prEvent(t, "opened", prNumber, headSHA))
	waitFor(t, 30*time.Second, "the verdict and an empty queue", func() bool {
		return c.completed(headSHA) && c.workRows() == 0
	})

	var limited time.Time
	var writes []string
	for _, r := range c.gh.Requests() {
		switch {
		case r.Path == pullPath(prNumber) && r.Status == http.StatusForbidden:
			limited = r.At
		case strings.Contains(r.Path, "/check-runs") && r.Method != http.MethodGet:
			if limited.IsZero() {
				t.Errorf("check run written at %v, before the rate limit was even hit", r.At)
			}
			// The fake stamps X-RateLimit-Reset in whole seconds, from the
			// moment it answers: not before this.
			if reset := time.Unix(limited.Add(resetIn).Unix(), 0); r.At.Before(reset) {
				t.Errorf("check run written at %v, before the rate limit's reset %v", r.At.Format(time.StampMilli), reset.Format(time.StampMilli))
			}
			writes = append(writes, string(r.Body))
			if strings.Contains(string(r.Body), "could not evaluate") || strings.Contains(string(r.Body), `"conclusion":"failure"`) {
				t.Errorf("a failure was written while waiting for the reset: %s", r.Body)
			}
		}
	}
	if limited.IsZero() {
		t.Fatal("the pull request was never read under the rate limit")
	}
	cr := c.checksOn(headSHA)[0]
	t.Logf("rate limited at %v; %d check run write(s), the verdict %s %q",
		limited.Format(time.StampMilli), len(writes), cr.Conclusion, cr.Title)
	if cr.Conclusion != "success" {
		t.Errorf("verdict = %s %q, want success", cr.Conclusion, cr.Title)
	}
	if line := c.firstLog("rate"); line != "" {
		t.Logf("first log line about the rate limit: %s", line)
	}
}
