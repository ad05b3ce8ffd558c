package evaluator

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/queue"
)

// Another App's identity on the fake.
const (
	actionsID   = 15368
	actionsSlug = "github-actions"
)

// checksConfig makes the feature tier (PR #1's) require the build from
// GitHub Actions and every security check, with a 30-minute timeout.
const checksConfig = `version: 1
tiers:
  feature:
    require:
      checks: [{name: build, app: github-actions}, "security/*"]
checks: {timeout: 30m}
`

// ciFixture is PR #1 under checksConfig, with the fake's and the
// evaluator's clocks pinned at t0.
func ciFixture(t *testing.T) (*evFixture, time.Time) {
	t.Helper()
	f := newEvFixture(t)
	f.typicalPR()
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(checksConfig))
	t0 := time.Now().UTC().Truncate(time.Second)
	f.fake.SetTime(t0)
	f.ev.now = func() time.Time { return t0 }
	f.ev.checks.now = f.ev.now
	return f, t0
}

func (f *evFixture) actionsRun(name, status, conclusion string) int64 {
	return f.fake.AddCheckRun(evOwner, evRepo, githubtest.CheckRun{AppID: actionsID, AppSlug: actionsSlug, Name: name, HeadSHA: evHead,
		Status: status, Conclusion: conclusion})
}

// evaluateCI runs one evaluation and returns its revisit time (zero when it
// completed the check).
func (f *evFixture) evaluateCI(t *testing.T) time.Time {
	t.Helper()
	err := f.ev.Evaluate(context.Background(), evJob(1), nil)
	var r *queue.Revisit
	switch {
	case errors.As(err, &r):
		return r.At
	case err != nil:
		t.Fatalf("Evaluate = %v", err)
	}
	return time.Time{}
}

// ours returns tiergate's check runs on the head, oldest first.
func (f *evFixture) ours() []githubtest.CheckRun {
	var out []githubtest.CheckRun
	for _, cr := range f.fake.CheckRuns(evOwner, evRepo) {
		if cr.AppID == f.fake.AppID && cr.HeadSHA == evHead {
			out = append(out, cr)
		}
	}
	return out
}

func TestEvaluateWaitsForRequiredChecks(t *testing.T) {
	f, t0 := ciFixture(t)
	build := f.actionsRun("build", "in_progress", "")
	f.actionsRun("security/scan", "completed", "success")
	f.fake.AddStatus(evOwner, evRepo, githubtest.Status{SHA: evHead, Context: "security/deps", State: "pending", Creator: "ci-bot",
		TargetURL: "https://ci.example/deps"})

	// Pending: the check run is in progress, listing every required check
	// with a link, and the queue is asked back at the deadline.
	at := f.evaluateCI(t)
	if want := t0.Add(30*time.Minute + revisitSlack); !at.Equal(want) {
		t.Errorf("revisit at %v, want %v (first seen + 30m + slack)", at, want)
	}
	runs := f.ours()
	if len(runs) != 1 || runs[0].Status != "in_progress" || runs[0].Conclusion != "" {
		t.Fatalf("tiergate's runs = %+v, want one in progress", runs)
	}
	if want := pendingExternalID("cfg1:-:"+gitBlob(checksConfig), t0.Add(30*time.Minute)); runs[0].ExternalID != want {
		t.Errorf("external_id = %q, want %q", runs[0].ExternalID, want)
	}
	for _, s := range []string{"waiting for 2 checks", "| ⏳ | `build` | tier | in progress, check run by `github-actions` · [details](https://github.com/acme/widgets/runs/",
		"`security/deps`: pending, status by `ci-bot` · [details](https://ci.example/deps)"} {
		if !strings.Contains(runs[0].Summary, s) {
			t.Errorf("summary lacks %q:\n%s", s, runs[0].Summary)
		}
	}

	// Both complete: the same run completes green.
	f.fake.UpdateCheckRun(evOwner, evRepo, build, func(cr *githubtest.CheckRun) { cr.Status, cr.Conclusion = "completed", "success" })
	f.fake.AddStatus(evOwner, evRepo, githubtest.Status{SHA: evHead, Context: "security/deps", State: "success", Creator: "ci-bot"})
	if at := f.evaluateCI(t); !at.IsZero() {
		t.Errorf("revisit at %v after every check completed, want none", at)
	}
	runs = f.ours()
	if len(runs) != 1 || runs[0].Status != "completed" || runs[0].Conclusion != "success" {
		t.Fatalf("tiergate's runs = %+v, want the one run completed green", runs)
	}

	// A re-run of the build: back to pending, on a new run (a completed one
	// is never reopened) that keeps the first run's start.
	f.fake.Advance(10 * time.Minute)
	f.actionsRun("build", "queued", "")
	f.evaluateCI(t)
	runs = f.ours()
	if len(runs) != 2 || runs[0].Conclusion != "success" || runs[1].Status != "in_progress" {
		t.Fatalf("tiergate's runs = %+v, want the green one kept and a new one in progress", runs)
	}
	gh := f.gh(t)
	cur, err := f.ev.checks.current(context.Background(), gh, evOwner, evRepo, evHead)
	if err != nil || cur.id != runs[1].ID || !cur.startedAt.Equal(t0) {
		t.Errorf("current run = %+v, %v; want run %d started at %v (first seen)", cur, err, runs[1].ID, t0)
	}
}

func TestEvaluateChecksTimeOut(t *testing.T) {
	f, t0 := ciFixture(t)
	f.actionsRun("security/scan", "completed", "success")
	f.evaluateCI(t)
	// Past the deadline, the build never reported: red, and no revisit.
	f.ev.now = func() time.Time { return t0.Add(31 * time.Minute) }
	if at := f.evaluateCI(t); !at.IsZero() {
		t.Errorf("revisit at %v after the timeout, want none", at)
	}
	runs := f.ours()
	if len(runs) != 1 || runs[0].Conclusion != "failure" || !strings.Contains(runs[0].Summary, "never reported within 30m") {
		t.Fatalf("tiergate's runs = %+v, want one failing with never reported", runs)
	}
}

func TestEvaluateIgnoresItsOwnCheckRun(t *testing.T) {
	f, _ := ciFixture(t)
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte("version: 1\ntiers:\n  feature:\n    require:\n      checks: [\"*\"]\n"))
	f.actionsRun("lint", "completed", "success")
	f.evaluateCI(t) // creates tiergate's own run, which "*" must not wait for
	if at := f.evaluateCI(t); !at.IsZero() {
		t.Errorf("revisit at %v: the verdict waits, want it green (tiergate's own run is no required check)", at)
	}
	if runs := f.ours(); len(runs) != 1 || runs[0].Conclusion != "success" {
		t.Errorf("tiergate's runs = %+v, want one green", runs)
	}
}

// TestEvaluateChecksFailClosed: a failure to read CI is an error to retry,
// never a verdict.
func TestEvaluateChecksFailClosed(t *testing.T) {
	for _, path := range []string{"/repos/{owner}/{repo}/commits/{ref}/status", "/repos/{owner}/{repo}/commits/{ref}/check-runs"} {
		t.Run(path, func(t *testing.T) {
			f, _ := ciFixture(t)
			f.actionsRun("build", "completed", "success")
			f.actionsRun("security/scan", "completed", "success")
			f.fake.FailNext("GET", path, 100, http.StatusInternalServerError)
			err := f.ev.Evaluate(context.Background(), evJob(1), nil)
			var r *queue.Revisit
			if err == nil || errors.As(err, &r) {
				t.Fatalf("Evaluate = %v, want an error", err)
			}
			if runs := f.ours(); len(runs) != 0 {
				t.Errorf("tiergate's runs = %+v, want none written", runs)
			}
		})
	}
}

// TestMergeGroupRequiresTheTiersChecks: the merge queue's commit needs the
// checks the pull request's tier requires, run on that commit.
func TestMergeGroupRequiresTheTiersChecks(t *testing.T) {
	f, t0 := ciFixture(t)
	f.actionsRun("build", "completed", "success")
	f.actionsRun("security/scan", "completed", "success")
	if at := f.evaluateCI(t); !at.IsZero() {
		t.Fatalf("the pull request waits (revisit at %v), want it green", at)
	}
	const group = "3333333333333333333333333333333333333333"
	groupRun := func(name, status, conclusion string) int64 {
		return f.fake.AddCheckRun(evOwner, evRepo, githubtest.CheckRun{AppID: actionsID, AppSlug: actionsSlug, Name: name, HeadSHA: group,
			Status: status, Conclusion: conclusion})
	}
	complete := func() (githubtest.CheckRun, time.Time) {
		t.Helper()
		err := f.ev.CompleteMergeGroup(context.Background(), evInst, evOwner, evRepo, group, 1, nil)
		var r *queue.Revisit
		var at time.Time
		switch {
		case errors.As(err, &r):
			at = r.At
		case err != nil:
			t.Fatalf("CompleteMergeGroup = %v", err)
		}
		var last githubtest.CheckRun
		for _, cr := range f.fake.CheckRuns(evOwner, evRepo) {
			if cr.HeadSHA == group && cr.AppID == f.fake.AppID {
				last = cr
			}
		}
		return last, at
	}

	build := groupRun("build", "in_progress", "")
	groupRun("security/scan", "completed", "success")
	run, at := complete()
	if run.Status != "in_progress" || !strings.HasPrefix(run.Title, "Merge group: #1 waits") || !at.Equal(t0.Add(30*time.Minute+revisitSlack)) {
		t.Errorf("merge group check = %s %q, revisit %v; want in progress, waiting, revisit at the deadline", run.Status, run.Title, at)
	}
	f.fake.UpdateCheckRun(evOwner, evRepo, build, func(cr *githubtest.CheckRun) { cr.Status, cr.Conclusion = "completed", "failure" })
	if run, at = complete(); run.Conclusion != "failure" || !at.IsZero() || !strings.Contains(run.Summary, "`build`") {
		t.Errorf("merge group check = %s %q, revisit %v; want failure naming the build, no revisit\n%s", run.Conclusion, run.Title, at, run.Summary)
	}
	groupRun("build", "completed", "success") // re-run
	if run, at = complete(); run.Conclusion != "success" || run.Title != "Merge group: #1 passes" || !at.IsZero() {
		t.Errorf("merge group check = %s %q, revisit %v; want success", run.Conclusion, run.Title, at)
	}
}
