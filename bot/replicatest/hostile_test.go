package replicatest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

// replicaRoles gives every replica of c its own PostgreSQL login role (a
// superuser, like the test's own), so one replica can be cut off the
// database while the others keep working: a network partition between
// one pod and PostgreSQL, or a pod whose connections broke in a failover.
// It returns the function that cuts replica i off.
func replicaRoles(t *testing.T, c *cluster) (cut func(i int)) {
	t.Helper()
	admin := pgtest.AdminURL(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%1_000_000_000)
	roles := make([]string, len(c.replicas))
	exec := func(sql string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Fatalf("connect as admin: %v", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	for i := range roles {
		roles[i] = fmt.Sprintf("hostile_r%d_%s", i, suffix)
		exec("CREATE ROLE " + roles[i] + " LOGIN SUPERUSER")
	}
	t.Cleanup(func() {
		for _, r := range roles {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if conn, err := pgx.Connect(ctx, admin); err == nil {
				_, _ = conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '"+r+"'")
				_, _ = conn.Exec(ctx, "DROP ROLE IF EXISTS "+r)
				conn.Close(ctx)
			}
			cancel()
		}
	})
	c.dbURLFor = func(i int) string {
		u, err := url.Parse(c.dbURL)
		if err != nil {
			t.Fatalf("parse database URL: %v", err)
		}
		u.User = url.User(roles[i])
		return u.String()
	}
	return func(i int) {
		exec("ALTER ROLE " + roles[i] + " NOLOGIN")
		exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + roles[i] + "'")
	}
}

// TestLeaseExpiresDuringSlowWrite: the write guard checks that the lease
// has at least 10 s left, but the write itself may take longer (a
// secondary rate limit sat out inside the request, up to 60 s). If the
// writer also loses the database meanwhile (partition, failover), its
// lease runs out and another replica evaluates the newer state; the old
// write must then never land.
//
// Sequence: #2 fails its test gate (red). A maintainer adds the skip-tests
// override; the replica evaluating it computes green, passes the guard and
// sends the PATCH, which GitHub answers with a secondary rate limit
// (Retry-After 45 s) that the client sits out in-process. That replica is
// then cut off the database. The label is removed and the "unlabeled"
// delivery is accepted (202) by the other replica, which claims the row
// once the lease has expired and writes "failure". The cut-off replica,
// unable to confirm its lease, abandons its attempt before the lease may
// run out, so its green PATCH is never resent (before the fix it landed
// after the Retry-After: a wrong green with no work left to correct it).
func TestLeaseExpiresDuringSlowWrite(t *testing.T) {
	c := newCluster(t, options{replicas: 2, database: true, debounce: 200 * time.Millisecond})
	cut := replicaRoles(t, c)
	failingTests(c.gh, prNumber, headSHA)
	c.start()

	c.evaluate(0, prEvent(t, "opened", prNumber, headSHA))
	if cr := c.checksOn(headSHA); len(cr) != 1 || cr[0].Conclusion != "failure" {
		t.Fatalf("after opened: %s, want one failing check", c.describe(prNumber, headSHA))
	}

	const patch = "/repos/{owner}/{repo}/check-runs/{check_run_id}"
	c.gh.RateLimitNext("PATCH", patch, 45*time.Second)
	c.gh.AddLabel(owner, repo, prNumber, skipTests, "carol")
	c.send(0, "pull_request", prEvent(t, "labeled", prNumber, headSHA))
	var limitedAt time.Time
	waitFor(t, 20*time.Second, "the green verdict's PATCH to meet the rate limit", func() bool {
		for _, r := range c.gh.Requests() {
			if r.Method == "PATCH" && r.Template == patch && r.Status == 403 {
				limitedAt = r.At
				return true
			}
		}
		return false
	})
	h := c.holder(workKey(prNumber))
	other := 1 - h
	cut(h)
	cutAt := time.Now()
	t.Logf("replica %d is sitting out the rate limit on its green PATCH; cut it off the database", h)

	c.gh.RemoveLabel(owner, repo, prNumber, skipTests, "carol")
	c.send(other, "pull_request", prEvent(t, "unlabeled", prNumber, headSHA))
	before := c.reportedBy()[other]
	waitFor(t, 60*time.Second, "the other replica to take the row over and finish it", func() bool {
		return c.reportedBy()[other] > before && c.workRows() == 0
	})
	t.Logf("replica %d evaluated the unlabeled state %v after the cut: %s", other, time.Since(cutAt).Round(time.Second), c.describe(prNumber, headSHA))

	// The cut-off replica cannot confirm its lease: it abandons the attempt,
	// which ends its wait inside the PATCH before the write is resent.
	const abandoned = "could not confirm the lease in time"
	waitFor(t, 60*time.Second, "the cut-off replica to abandon its attempt", func() bool { return c.firstLog(abandoned) != "" })
	// Past the moment the held PATCH would have been resent, GitHub must
	// still show the verdict of the newest state.
	resendAt := limitedAt.Add(45*time.Second + 2*time.Second)
	waitFor(t, time.Until(resendAt)+30*time.Second, "the rate limit's Retry-After to pass", func() bool { return time.Now().After(resendAt) })
	for _, r := range c.gh.Requests() {
		if r.Method == "PATCH" && r.Template == patch && r.Status/100 == 2 && r.At.After(cutAt) && strings.Contains(string(r.Body), `"success"`) {
			t.Errorf("a green PATCH landed at %v, after the writer was cut off the database at %v", r.At, cutAt)
		}
	}
	got := c.describe(prNumber, headSHA)
	t.Logf("final: %s; labels: none; work rows: %d", got, c.workRows())
	if cr := c.checksOn(headSHA); cr[len(cr)-1].Conclusion != "failure" {
		t.Errorf("WRONG GREEN: the override label was removed and that event accepted, yet GitHub shows %s", got)
	}
	if s := c.firstLog(`lease`); s != "" {
		t.Logf("first lease log line: %s", strings.TrimSpace(s))
	}
}

// sigterm stops replica i gracefully (SIGTERM, as Kubernetes does on a
// rollout or eviction) and waits until it has exited.
func (c *cluster) sigterm(i int) {
	c.t.Helper()
	r := c.replicas[i]
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		c.t.Fatalf("replica %d is not running", i)
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(40 * time.Second):
		c.t.Fatalf("replica %d did not exit within 40 s of SIGTERM", i)
	}
	r.cmd, r.done = nil, nil
}

// TestMemoryRestartKeepsStaleGreen: memory mode, one replica, the shipped
// shape. A pull request is green through an override; the label is removed
// and the "unlabeled" delivery is accepted (202); GitHub has a short blip
// so the evaluation waits out its first backoff; a rollout (SIGTERM,
// strategy Recreate) stops the process meanwhile. The sweep after the
// restart queues only heads without a completed check, one stuck in
// progress or one computed with another config, so the old green check
// would stand: the shutdown must run the waiting evaluation (and, if it
// fails again, mark the check failed) instead of dropping it. Before the
// fix it was dropped and the green stood.
func TestMemoryRestartKeepsStaleGreen(t *testing.T) {
	c := newCluster(t, options{replicas: 1, debounce: 200 * time.Millisecond, sweep: 2 * time.Second})
	failingTests(c.gh, prNumber, headSHA)
	c.start()
	c.evaluate(0, prEvent(t, "opened", prNumber, headSHA))
	c.gh.AddLabel(owner, repo, prNumber, skipTests, "carol")
	c.evaluate(0, prEvent(t, "labeled", prNumber, headSHA))
	if cr := c.checksOn(headSHA); len(cr) != 1 || cr[0].Conclusion != "success" {
		t.Fatalf("after the override: %s, want one green check", c.describe(prNumber, headSHA))
	}

	c.gh.RemoveLabel(owner, repo, prNumber, skipTests, "carol")
	// One attempt's worth of 502s (the client tries a GET 4 times).
	c.gh.FailNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", 4, 502)
	c.send(0, "pull_request", prEvent(t, "unlabeled", prNumber, headSHA))
	waitFor(t, 20*time.Second, "the first attempt to fail and be scheduled for a retry", func() bool {
		return c.logCount("will retry") > 0
	})
	c.sigterm(0)
	if cr := c.checksOn(headSHA); cr[len(cr)-1].Conclusion != "failure" {
		t.Errorf("after the shutdown: %s, want the waiting evaluation run (failure) before the process exits", c.describe(prNumber, headSHA))
	}

	c.restart(0)
	// The start-up sweep runs about 5 s after start; give it two more rounds.
	waitFor(t, 30*time.Second, "two sweeps after the restart", func() bool {
		return strings.Count(c.replicas[0].logs.String()[strings.LastIndex(c.replicas[0].logs.String(), "=== replica 0 started"):], `"message":"sweep `) >= 2
	})
	time.Sleep(time.Second)
	got := c.describe(prNumber, headSHA)
	t.Logf("after the restart and its sweeps: %s", got)
	if cr := c.checksOn(headSHA); cr[len(cr)-1].Conclusion != "failure" {
		t.Errorf("WRONG GREEN: the override label was removed and that event accepted (202) before a rollout, yet GitHub shows %s", got)
	}
}
