package bot_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/bot/githubtest"
)

// GitHub Actions as the fake knows it: another App.
const (
	actionsID   = 15368
	actionsSlug = "github-actions"
)

// checksConfig requires the build from GitHub Actions and the security scan
// (from anyone) on platform pull requests, and only the build on
// experiments.
const checksConfig = `version: 1
tiers:
  experiment:
    require: {checks: [build]}
  platform:
    require:
      checks: [{name: build, app: github-actions}, security/scan]
`

// platformPR seeds a platform pull request that passes every other gate.
func platformPR(h *harness) {
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go", "app/a_test.go", "docs/a.md"))
	h.gh.AddLabel(owner, repo, prNumber, "tier/platform", "alice")
	h.gh.AddReview(owner, repo, prNumber, approval("alice", headSHA))
	h.gh.AddReview(owner, repo, prNumber, approval("bob", headSHA))
}

// ciRun adds GitHub Actions' run of name on the head.
func (h *harness) ciRun(name, status, conclusion string) int64 {
	return h.gh.AddCheckRun(owner, repo, githubtest.CheckRun{AppID: actionsID, AppSlug: actionsSlug, Name: name, HeadSHA: headSHA,
		Status: status, Conclusion: conclusion})
}

// finish completes a CI run and delivers GitHub's check_run event for it.
func (h *harness) finish(id int64, conclusion string) {
	h.t.Helper()
	h.gh.UpdateCheckRun(owner, repo, id, func(cr *githubtest.CheckRun) { cr.Status, cr.Conclusion = "completed", conclusion })
	h.ciEvent(id, "completed")
}

func (h *harness) ciEvent(id int64, action string) {
	h.t.Helper()
	if code := h.deliver("check_run", h.gh.CheckRunEvent(owner, repo, id, action)); code != http.StatusAccepted {
		h.t.Fatalf("check_run.%s of run %d answered %d, want 202", action, id, code)
	}
	h.settle()
}

// runs returns tiergate's check runs on sha, oldest first.
func (h *harness) runs(sha string) []githubtest.CheckRun {
	var out []githubtest.CheckRun
	for _, cr := range h.gh.CheckRuns(owner, repo) {
		if cr.HeadSHA == sha && cr.Name == bot.DefaultCheckName && cr.AppID == h.gh.AppID {
			out = append(out, cr)
		}
	}
	return out
}

// wantRun checks tiergate's newest run on the head: its status and
// conclusion, and text its summary must hold.
func (h *harness) wantRun(status, conclusion string, summaryHas ...string) githubtest.CheckRun {
	h.t.Helper()
	runs := h.runs(headSHA)
	if len(runs) == 0 {
		h.t.Fatalf("no tiergate check run on the head\nlogs:\n%s", h.logs.String())
	}
	cr := runs[len(runs)-1]
	if cr.Status != status || cr.Conclusion != conclusion {
		h.t.Errorf("tiergate's check run is %s %s %q, want %s %s\n%s", cr.Status, cr.Conclusion, cr.Title, status, conclusion, cr.Summary)
	}
	for _, s := range summaryHas {
		if !strings.Contains(cr.Summary, s) {
			h.t.Errorf("check run summary lacks %q:\n%s", s, cr.Summary)
		}
	}
	return cr
}

func TestE2ERequiredChecks(t *testing.T) {
	t.Run("platform waits for build and scan, then fails with the scan", func(t *testing.T) {
		h := newHarness(t, checksConfig)
		platformPR(h)
		build := h.ciRun("build", "in_progress", "")
		scan := h.ciRun("security/scan", "queued", "")
		h.run("opened", headSHA)
		h.wantRun("in_progress", "", "waiting for 2 checks", "| ⏳ | `build` |", "| ⏳ | `security/scan` |")

		h.finish(build, "success")
		h.wantRun("in_progress", "", "waiting for 1 check", "| ✅ | `build` | tier | success, check run by `github-actions`")

		h.finish(scan, "failure")
		h.wantRun("completed", "failure", "| ❌ | `security/scan` | tier | failure, check run by `github-actions`")

		// A re-run of the scan takes the verdict back to pending on a new
		// check run (the failed one is not reopened), then to green.
		rerun := h.ciRun("security/scan", "queued", "")
		h.ciEvent(rerun, "created")
		h.wantRun("in_progress", "")
		h.finish(rerun, "success")
		h.wantRun("completed", "success", "| ✅ | `security/scan` |")
		runs := h.runs(headSHA)
		if len(runs) != 2 || runs[0].Conclusion != "failure" {
			t.Errorf("tiergate's runs = %+v, want the failed one and a newer green one", runs)
		}
	})
	t.Run("platform turns green when both succeed", func(t *testing.T) {
		h := newHarness(t, checksConfig)
		platformPR(h)
		build := h.ciRun("build", "in_progress", "")
		scan := h.ciRun("security/scan", "in_progress", "")
		h.run("opened", headSHA)
		h.wantRun("in_progress", "")
		h.finish(scan, "success")
		h.wantRun("in_progress", "", "waiting for 1 check")
		h.finish(build, "success")
		h.wantCheck(headSHA, "success", "platform · 5 of 5 gates passing",
			"`build` (success, check run by `github-actions`)", "`security/scan` (success, check run by `github-actions`)")
	})
	t.Run("experiment needs only the build", func(t *testing.T) {
		h := newHarness(t, checksConfig)
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
		h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", "alice")
		h.ciRun("build", "completed", "success")
		h.ciRun("security/scan", "in_progress", "")
		h.run("opened", headSHA)
		h.wantCheck(headSHA, "success", "experiment · 1 of 1 gate passing", "| ✅ | `build` |")
	})
	t.Run("a status on a commit re-evaluates its pull request", func(t *testing.T) {
		h := newHarness(t, "version: 1\ntiers:\n  experiment:\n    require: {checks: [{name: ci/e2e, status_creator: ci-bot}]}\n")
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
		h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", "alice")
		h.run("opened", headSHA)
		h.wantRun("in_progress", "", "not reported yet; needs a status by `ci-bot`")
		// Someone else's status of that name does not count.
		id := h.gh.AddStatus(owner, repo, githubtest.Status{SHA: headSHA, Context: "ci/e2e", State: "success", Creator: "mallory"})
		h.deliver("status", h.gh.StatusEvent(owner, repo, id))
		h.settle()
		h.wantRun("in_progress", "")
		id = h.gh.AddStatus(owner, repo, githubtest.Status{SHA: headSHA, Context: "ci/e2e", State: "success", Creator: "ci-bot",
			TargetURL: "https://ci.example/e2e/1"})
		h.deliver("status", h.gh.StatusEvent(owner, repo, id))
		h.settle()
		h.wantCheck(headSHA, "success", "experiment ·", "success, status by `ci-bot` · [details](https://ci.example/e2e/1)")
		// Each status asks GitHub which pull requests have the commit; the
		// second answer is unchanged, a 304 that costs no rate limit.
		var codes []int
		for _, r := range h.gh.Requests() {
			if r.Method == "GET" && strings.HasSuffix(r.Path, "/commits/"+headSHA+"/pulls") {
				codes = append(codes, r.Status)
			}
		}
		if want := []int{http.StatusOK, http.StatusNotModified}; !slices.Equal(codes, want) {
			t.Errorf("pull requests of the commit looked up with answers %v, want %v (revalidated)", codes, want)
		}
	})
}

// A required check that never reports fails the gate at the timeout, with
// no event to wake tiergate: the queue revisits the pull request.
func TestE2ERequiredCheckNeverReports(t *testing.T) {
	h := newHarness(t, "version: 1\ntiers:\n  experiment:\n    require: {checks: [build]}\nchecks: {timeout: 2s}\n")
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", "alice")
	start := time.Now()
	h.run("opened", headSHA)
	h.wantRun("in_progress", "", "not reported yet")
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if runs := h.runs(headSHA); len(runs) > 0 && runs[len(runs)-1].Status == "completed" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	h.wantRun("completed", "failure", "never reported within 2s")
	if waited := time.Since(start); waited < 2*time.Second {
		t.Errorf("failed after %v, before the 2s timeout", waited)
	}
}

// A burst of check-run completions on one head costs one or two
// evaluations, and tiergate's own check-run events cost none.
func TestE2ECheckRunBurst(t *testing.T) {
	h := newHarness(t, checksConfig, func(s *bot.Settings) { s.Debounce = bot.DefaultDebounce })
	platformPR(h)
	var ids []int64
	for i := range 30 {
		ids = append(ids, h.ciRun("job-"+string(rune('a'+i%26))+string(rune('0'+i/26)), "completed", "success"))
	}
	h.ciRun("build", "completed", "success")
	h.ciRun("security/scan", "completed", "success")
	h.run("opened", headSHA)
	h.wantCheck(headSHA, "success", "platform ·")

	h.gh.ResetRequests()
	for _, id := range ids {
		if code := h.deliver("check_run", h.gh.CheckRunEvent(owner, repo, id, "completed")); code != http.StatusAccepted {
			t.Fatalf("check_run.completed answered %d, want 202", code)
		}
	}
	h.settle()
	if n := h.count("GET", "/pulls/2"); n < 1 || n > 2 {
		t.Errorf("30 check-run completions caused %d evaluations, want 1 or 2", n)
	}

	own := h.runs(headSHA)[0]
	h.gh.ResetRequests()
	for _, action := range []string{"created", "completed"} {
		if code := h.deliver("check_run", h.gh.CheckRunEvent(owner, repo, own.ID, action)); code != http.StatusOK {
			t.Errorf("tiergate's own check_run.%s answered %d, want 200 (ignored)", action, code)
		}
	}
	h.settle()
	if n := h.count("GET", "/pulls/2"); n != 0 {
		t.Errorf("tiergate's own check-run events caused %d evaluations, want none", n)
	}
}
