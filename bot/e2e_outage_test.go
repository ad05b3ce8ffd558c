package bot_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot"
)

// shortSchedule is the production retry schedule (5 s, 20 s, 80 s, then
// every 5 minutes for 72 h) shortened so a test outlasts the fast retries.
var shortSchedule = bot.RetrySchedule{
	Backoff: []time.Duration{20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond},
	Slow:    50 * time.Millisecond,
	Horizon: 10 * time.Second,
}

// TestE2EOutageDoesNotFreezeAGreen: a pull request is green through a
// maintainer's override; GitHub answers 502 to everything; the override
// label is removed and the unlabeled delivery accepted. The outage outlasts
// the fast retries and two slow ones, so every earlier attempt to report
// the failure failed too. Once GitHub recovers, the head's check is first
// marked failed ("could not evaluate"), then gets the full verdict:
// failure, since the tests gate is no longer overridden. No success is
// written after the label was removed.
func TestE2EOutageDoesNotFreezeAGreen(t *testing.T) {
	h := newHarnessWithSchedule(t, strictConfig, shortSchedule)
	h.gh.SetPermission(owner, repo, "maggie", "maintain")
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	h.gh.AddReview(owner, repo, prNumber, approval("alice", headSHA))
	h.gh.AddLabel(owner, repo, prNumber, "tiergate/skip-tests", "maggie")
	h.run("labeled", headSHA)
	h.wantCheck(headSHA, "success", "feature · ", "accepted: applied by `maggie`")

	h.gh.SetOutage(true)
	before := len(h.gh.CheckRunWrites(owner, repo))
	h.gh.RemoveLabel(owner, repo, prNumber, "tiergate/skip-tests", "maggie")
	if code := h.deliver("pull_request", prEvent(t, "unlabeled", headSHA)); code != http.StatusAccepted {
		t.Fatalf("pull_request.unlabeled during the outage answered %d, want 202", code)
	}
	// Four fast attempts and two slow ones fail, and so do the three
	// reports of the failure that follow the fourth, fifth and sixth. The
	// outage ends while the seventh waits for its turn, so it is that
	// attempt that must mark the check failed before it evaluates.
	key := strings.ToLower(fmt.Sprintf("%s/%s#%d", owner, repo, prNumber))
	h.waitFor("three failed failure reports", func() bool {
		return strings.Count(h.logs.String(), "could not report the failure on "+key+" either") >= 3
	})
	if !strings.Contains(h.logs.String(), "could not evaluate "+key+" after 6 attempts") {
		t.Fatalf("the sixth attempt did not fail as expected\nlogs:\n%s", h.logs.String())
	}
	if got := h.gh.CheckRunWrites(owner, repo); len(got) != before {
		t.Fatalf("%d check run writes landed during the outage, want none: %+v", len(got)-before, got[before:])
	}

	h.gh.SetOutage(false)
	h.waitFor("the verdict written after the outage", func() bool {
		w := h.gh.CheckRunWrites(owner, repo)
		return len(w) > before && strings.HasPrefix(w[len(w)-1].Title, "feature · ")
	})
	h.settle()

	type write struct{ Conclusion, Title string }
	var got []write
	for _, w := range h.gh.CheckRunWrites(owner, repo)[before:] {
		if w.HeadSHA != headSHA {
			t.Errorf("write on %s, want only the head %s", w.HeadSHA, headSHA)
		}
		got = append(got, write{w.Conclusion, w.Title})
	}
	want := []write{
		{"failure", "tiergate could not evaluate"},
		{"failure", "feature · 1 of 2 gates failing"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("check run writes after the outage = %v, want %v: the failure first, then the verdict, never a success", got, want)
	}
	cr := h.wantCheck(headSHA, "failure", "feature · 1 of 2 gates failing")
	if strings.Contains(cr.Summary, "accepted: applied by `maggie`") {
		t.Errorf("the removed override still counts:\n%s", cr.Summary)
	}
}

// waitFor polls cond until it holds, failing the test after 20 s.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s\nlogs:\n%s", what, h.logs.String())
		}
	}
}
