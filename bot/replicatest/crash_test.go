package replicatest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestKillLeaseHolderMidEvaluation: GitHub is slow to list the changed
// files; while the replica holding the pull request's lease waits for them,
// it is killed with SIGKILL. The other replica takes the work once the
// lease (bot.DefaultLease, 30 s) runs out, and the head gets the correct
// completed check. The time from the kill to that check is logged: the
// time to recover from a dead replica.
func TestKillLeaseHolderMidEvaluation(t *testing.T) {
	c := newCluster(t, options{replicas: 2, database: true, debounce: 200 * time.Millisecond})
	failingTests(c.gh, prNumber, headSHA)
	c.gh.DelayNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", 1, time.Minute)
	c.start()

	c.send(0, "pull_request", prEvent(t, "opened", prNumber, headSHA))
	waitFor(t, 15*time.Second, "the evaluation to reach the slow files listing", func() bool {
		return len(c.gh.DelayedRequests()) == 1
	})
	holder := c.holder(workKey(prNumber))
	c.kill9(holder)
	killed := time.Now()
	t.Logf("killed replica %d, which held the lease, in the middle of its evaluation", holder)

	waitFor(t, 60*time.Second, "the surviving replica's completed check and an empty queue", func() bool {
		return c.completed(headSHA) && c.workRows() == 0
	})
	t.Logf("time to recovery (kill → completed check): %v; lease %v", time.Since(killed).Round(100*time.Millisecond), 30*time.Second)
	if cr := c.checksOn(headSHA)[0]; cr.Conclusion != "failure" || !strings.HasPrefix(cr.Title, "feature · 1 of 2 gates failing") {
		t.Errorf("check after recovery = %s %q, want failure \"feature · 1 of 2 gates failing\"", cr.Conclusion, cr.Title)
	}
	if n := len(c.comments(prNumber)); n != 1 {
		t.Errorf("%d tiergate comments, want 1", n)
	}
	if n := c.count("GET", pullPath(prNumber)); n != 2 {
		t.Errorf("%d evaluations, want 2 (the killed one and the survivor's)", n)
	}
}

// holder returns the replica whose process holds the lease on key: lease
// owners are "host/pid/start".
func (c *cluster) holder(key string) int {
	c.t.Helper()
	owner := c.leaseOwner(key)
	parts := strings.Split(owner, "/")
	if len(parts) != 3 {
		c.t.Fatalf("lease owner of %s = %q, want host/pid/start", key, owner)
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil {
		c.t.Fatalf("lease owner of %s = %q: %v", key, owner, err)
	}
	for i := range c.replicas {
		if c.pid(i) == pid {
			return i
		}
	}
	c.t.Fatalf("lease owner %q is no running replica", owner)
	return -1
}

// TestKillAllAfterAccepting: ten pull requests are opened, each delivery
// answered 202, and every replica is killed with SIGKILL before the
// debounce lets any evaluation start. After a restart every head gets the
// correct completed check: from the database in PostgreSQL mode, and in
// memory mode, where the deliveries died with the process, from the sweep.
func TestKillAllAfterAccepting(t *testing.T) {
	const prs = 10
	tests := []struct {
		name string
		opts options
	}{
		{"postgres/2 replicas", options{replicas: 2, database: true, debounce: 2 * time.Second}},
		{"memory/1 replica with the sweep", options{replicas: 1, debounce: 2 * time.Second, sweep: time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, tc.opts)
			numbers := make([]int, prs) // pull requests 2..11; #2 is seeded
			for k := range numbers {
				n := prNumber + k
				numbers[k] = n
				if n != prNumber {
					addPR(c.gh, n, shaOf(n))
				}
				failingTests(c.gh, n, shaOf(n))
			}
			c.start()

			for k, n := range numbers {
				c.send(k%len(c.replicas), "pull_request", prEvent(t, "opened", n, shaOf(n)))
			}
			for i := range c.replicas {
				c.kill9(i)
			}
			before := 0
			for _, n := range numbers {
				before += c.count("GET", pullPath(n))
			}
			t.Logf("all replicas killed after %d accepted deliveries; evaluations started before the kill: %d", prs, before)
			if tc.opts.database {
				if n := c.workRows(); n != prs {
					t.Errorf("%d work rows in the database after the kill, want %d (one per accepted pull request)", n, prs)
				}
			}

			restarted := time.Now()
			c.start()
			done := func() int {
				n := 0
				for _, num := range numbers {
					if c.completed(shaOf(num)) {
						n++
					}
				}
				return n
			}
			// The verdict is logged after both the check run and the comment.
			waitFor(t, 60*time.Second, fmt.Sprintf("completed checks on all %d heads, and their reports", prs), func() bool {
				return done() == prs && c.reported() >= prs
			})
			t.Logf("time to recovery (restart → all %d heads checked, including process start-up): %v",
				prs, time.Since(restarted).Round(100*time.Millisecond))
			for _, n := range numbers {
				if cr := c.checksOn(shaOf(n))[0]; cr.Conclusion != "failure" {
					t.Errorf("#%d: check = %s %q, want failure", n, cr.Conclusion, cr.Title)
				}
				if got := len(c.comments(n)); got != 1 {
					t.Errorf("#%d: %d tiergate comments, want 1", n, got)
				}
			}
			if !tc.opts.database {
				t.Logf("sweeps after the restart: %d; the first that queued: %s", c.logCount(`"message":"sweep `), c.firstLog(`queued (`+strconv.Itoa(prs)+` missing`))
			}
		})
	}
}

// shaOf is the head SHA of pull request n in tests with many.
func shaOf(n int) string {
	if n == prNumber {
		return headSHA
	}
	return fmt.Sprintf("%040x", 0xc0ffee000+n)
}
