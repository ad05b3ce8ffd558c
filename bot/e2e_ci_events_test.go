package bot_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/bot/githubtest"
)

// A status event's "branches" lists every branch that CONTAINS the commit
// (GitHub: "the SHA may or may not be the head of the branch"). A merge
// queue branch for another pull request (#7, stacked on #2's commits, or
// queued behind #2) contains #2's head; it must not make the status on
// #2's head a merge group job for #7, whose passing verdict would replace
// #2's failing check. Found by a hostile review.
func TestE2EStatusOnHeadContainedInQueueBranch(t *testing.T) {
	h := newHarness(t, checksConfig)
	platformPR(h)
	h.ciRun("build", "completed", "success")
	h.ciRun("security/scan", "completed", "failure")
	h.run("opened", headSHA)
	h.wantRun("completed", "failure", "| ❌ | `security/scan` |")

	// PR #7: an experiment whose own check passes; it is in the merge queue.
	const pr7Head = "7777777777777777777777777777777777777777"
	h.gh.AddPullRequest(owner, repo, githubtest.PullRequest{Number: 7, Author: "bob", HeadSHA: pr7Head, HeadRef: "stacked", BaseRef: baseRef})
	h.gh.SetChangedFiles(owner, repo, 7, files("app/b.go"))
	h.gh.AddLabel(owner, repo, 7, "tier/experiment", "alice")
	h.gh.AddCheckRun(owner, repo, githubtest.CheckRun{AppID: h.gh.AppID, Name: bot.DefaultCheckName, HeadSHA: pr7Head,
		Status: "completed", Conclusion: "success", Title: "experiment · 1 of 1 gate passing"})

	// Any status on #2's head, e.g. a lint bot's.
	id := h.gh.AddStatus(owner, repo, githubtest.Status{SHA: headSHA, Context: "lint", State: "success", Creator: "ci-bot"})
	var m map[string]any
	if err := json.Unmarshal(h.gh.StatusEvent(owner, repo, id), &m); err != nil {
		t.Fatal(err)
	}
	m["branches"] = append(m["branches"].([]any), map[string]any{
		"name": "gh-readonly-queue/" + baseRef + "/pr-7-0123456789abcdef0123456789abcdef01234567", "commit": map[string]any{"sha": "8888888888888888888888888888888888888888"}, "protected": false})
	body, _ := json.Marshal(m)
	if code := h.deliver("status", body); code != http.StatusAccepted {
		t.Fatalf("status answered %d", code)
	}
	h.settle()
	cr := h.wantRun("completed", "failure")
	t.Logf("tiergate's check on #2's head now: %s %q", cr.Conclusion, cr.Title)
}

// An unbound required check "build" is met only when every source that
// reports it passes: GitHub requires both a check run and a commit status
// that share a required name, so a newer status "build: success" must not
// hide a failing (or still running) check run "build". Found by a hostile
// review.
func TestE2EStatusDoesNotHideCheckRunOfSameName(t *testing.T) {
	for _, tc := range []struct{ status, conclusion string }{{"completed", "failure"}, {"in_progress", ""}} {
		t.Run(tc.status, func(t *testing.T) {
			h := newHarness(t, checksConfig) // experiment requires [build], unbound
			h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
			h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", "alice")
			h.ciRun("build", tc.status, tc.conclusion)
			h.gh.AddStatus(owner, repo, githubtest.Status{SHA: headSHA, Context: "build", State: "success", Creator: "legacy-ci",
				CreatedAt: time.Now().Add(time.Minute)})
			h.run("opened", headSHA)
			runs := h.runs(headSHA)
			cr := runs[len(runs)-1]
			if cr.Conclusion == "success" {
				t.Errorf("green while GitHub Actions' build is %s %s:\n%s", tc.status, tc.conclusion, cr.Summary)
			}
		})
	}
	// GitHub lists the latest run of a name per App (filter=latest keeps
	// one per check suite), and so does the fake: another App's newer
	// passing "build" does not hide GitHub Actions' failing one.
	t.Run("another App's newer run", func(t *testing.T) {
		h := newHarness(t, checksConfig)
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
		h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", "alice")
		h.ciRun("build", "completed", "failure")
		h.gh.AddCheckRun(owner, repo, githubtest.CheckRun{AppID: 4242, AppSlug: "other-ci", Name: "build", HeadSHA: headSHA,
			Status: "completed", Conclusion: "success"})
		h.run("opened", headSHA)
		h.wantRun("completed", "failure", "`build` (success, check run by `other-ci`; failure, check run by `github-actions`)")
	})
}

// CI that posts statuses on push, before the pull request is opened, makes
// tiergate look the commit up and find no pull request. That answer must
// not outlive the moment GitHub changes it: a status after the pull
// request is opened re-evaluates it, so a green verdict sees a later
// failing status, and a pending one a later success. Found by a hostile
// review: an empty answer was kept for 10 minutes.
func TestE2EStatusAfterEmptyCommitLookup(t *testing.T) {
	const cfg = "version: 1\ntiers:\n  experiment:\n    require: {checks: [{name: ci/build, status_creator: ci-bot}]}\n"
	status := func(h *harness, state string) {
		id := h.gh.AddStatus(owner, repo, githubtest.Status{SHA: headSHA, Context: "ci/build", State: state, Creator: "ci-bot"})
		if code := h.deliver("status", h.gh.StatusEvent(owner, repo, id)); code != http.StatusAccepted {
			t.Fatalf("status answered %d", code)
		}
		h.settle()
	}
	t.Run("green then failing status", func(t *testing.T) {
		h := newHarness(t, cfg)
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
		h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", "alice")
		h.gh.SetState(owner, repo, prNumber, "closed", false) // the branch is pushed, no pull request yet
		status(h, "success")                                  // CI on push: lookup answers none, cached
		h.gh.SetState(owner, repo, prNumber, "open", false)
		h.run("opened", headSHA)
		h.wantRun("completed", "success")
		status(h, "failure") // a re-run of the build fails, minutes later
		h.wantRun("completed", "failure")
	})
	t.Run("pending then success", func(t *testing.T) {
		h := newHarness(t, cfg)
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
		h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", "alice")
		h.gh.SetState(owner, repo, prNumber, "closed", false)
		status(h, "pending")
		h.gh.SetState(owner, repo, prNumber, "open", false)
		h.run("opened", headSHA)
		h.wantRun("in_progress", "")
		status(h, "success")
		h.wantRun("completed", "success")
	})
}

// A failing required check on the second page of check runs, and a failing
// status on the second page of the combined status, are seen.
func TestE2EFailingChecksOnLaterPages(t *testing.T) {
	h := newHarness(t, "version: 1\ntiers:\n  experiment:\n    require: {checks: [\"job-*\", \"ctx-*\"]}\n")
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", "alice")
	h.ciRun("job-fail", "completed", "failure")
	for i := range 150 {
		h.ciRun(fmt.Sprintf("job-%03d", i), "completed", "success")
	}
	h.gh.AddStatus(owner, repo, githubtest.Status{SHA: headSHA, Context: "ctx-fail", State: "failure", Creator: "ci"})
	for i := range 150 {
		h.gh.AddStatus(owner, repo, githubtest.Status{SHA: headSHA, Context: fmt.Sprintf("ctx-%03d", i), State: "success", Creator: "ci"})
	}
	h.run("opened", headSHA)
	h.wantRun("completed", "failure", "job-fail", "ctx-fail")
}
