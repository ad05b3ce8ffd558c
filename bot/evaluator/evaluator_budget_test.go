package evaluator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot/githubtest"
)

// budget splits an evaluation's requests into those that count against the
// rate limit and the 304s that do not.
func (f *evFixture) budget() (counted, notModified []string) {
	for _, r := range f.fake.Requests() {
		if r.Status == http.StatusNotModified {
			notModified = append(notModified, r.Method+" "+r.Template)
			continue
		}
		counted = append(counted, r.Method+" "+r.Template)
	}
	return counted, notModified
}

// TestAPICallBudget pins how many REST calls one evaluation of a typical
// pull request (two files, two reviews, no override) costs. Everything is
// read from GitHub on every evaluation: the pull request, its files,
// reviews, check runs and comments are revalidated with If-None-Match, and
// a 304 costs no rate limit. Every warm evaluation stays within 4 counted
// requests. The README quotes these figures; change them there too.
func TestAPICallBudget(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()

	const (
		getPull      = "GET /repos/{owner}/{repo}/pulls/{pull_number}"
		getFiles     = "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
		getReviews   = "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"
		getPerm      = "GET /repos/{owner}/{repo}/collaborators/{username}/permission"
		listRuns     = "GET /repos/{owner}/{repo}/commits/{ref}/check-runs"
		listComments = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments"
		patchRun     = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"
	)
	steps := []struct {
		name            string
		change          func()
		wantCounted     []string
		wantNotModified []string
	}{
		{
			name: "cold",
			wantCounted: []string{
				"POST /app/installations/{installation_id}/access_tokens",
				getPull,
				"GET /repos/{owner}/{repo}/contents/{path}", // org file (absent)
				"GET /repos/{owner}/{repo}/contents/{path}", // repo file (absent)
				getFiles,
				getReviews,
				getPerm, // bob; carol only commented
				listRuns,
				"POST /repos/{owner}/{repo}/check-runs",
				listComments, // is there a comment to keep in step?
			},
		},
		{
			// The check-run listing changed with our own create, so it is read again.
			name:            "warm, unchanged, after our own write",
			wantCounted:     []string{listRuns},
			wantNotModified: []string{getPull, getFiles, getReviews, getPerm, listComments},
		},
		{
			name:            "warm, unchanged",
			wantNotModified: []string{getPull, getFiles, getReviews, getPerm, listRuns, listComments},
		},
		{
			// A tier label changes the pull request; still passing, so no
			// comment: the check run is updated in place. The experiment
			// tier needs no approval, so no permission is asked.
			name:            "warm, verdict changed",
			change:          func() { f.fake.AddLabel(evOwner, evRepo, 1, "tier/experiment", "alice") },
			wantCounted:     []string{getPull, patchRun},
			wantNotModified: []string{getFiles, getReviews, listRuns, listComments},
		},
		{
			name:            "warm, verdict changed again right after our own write",
			change:          func() { f.fake.RemoveLabel(evOwner, evRepo, 1, "tier/experiment", "alice") },
			wantCounted:     []string{getPull, listRuns, patchRun},
			wantNotModified: []string{getFiles, getReviews, getPerm, listComments},
		},
		{
			// A review changes only the reviews listing; dave's permission
			// was never asked, and the check run's text names him.
			name: "warm, new approval, right after our own write",
			change: func() {
				f.fake.AddReview(evOwner, evRepo, 1, githubtest.Review{User: "dave", State: "APPROVED", CommitID: evHead})
				f.fake.SetPermission(evOwner, evRepo, "dave", "write")
			},
			wantCounted:     []string{getReviews, getPerm, listRuns, patchRun},
			wantNotModified: []string{getPull, getFiles, getPerm, listComments}, // getPerm: bob's
		},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		f.fake.ResetRequests()
		f.evaluate(t, evJob(1))
		counted, notModified := f.budget()
		if diff := cmp.Diff(st.wantCounted, counted); diff != "" {
			t.Errorf("%s: requests counted against the rate limit (-want +got):\n%s", st.name, diff)
		}
		if diff := cmp.Diff(st.wantNotModified, notModified); diff != "" {
			t.Errorf("%s: requests answered 304 (-want +got):\n%s", st.name, diff)
		}
		if st.name != "cold" && len(counted) > 4 {
			t.Errorf("%s: %d requests counted against the rate limit, want at most 4", st.name, len(counted))
		}
		t.Logf("%s: %d counted + %d not modified (304)", st.name, len(counted), len(notModified))
	}
}

// A verdict change that also edits the comment writes twice: the label
// changed the pull request (a 200); everything else read is a 304. The
// README quotes it.
func TestAPICallBudgetCommentEdit(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	breakTests(f)
	for range 3 { // create, then settle both listings' ETags
		f.evaluate(t, evJob(1))
	}
	f.fake.AddLabel(evOwner, evRepo, 1, "tier/experiment", "alice")
	f.fake.ResetRequests()
	f.evaluate(t, evJob(1))
	counted, notModified := f.budget()
	want := []string{
		"GET /repos/{owner}/{repo}/pulls/{pull_number}",
		"PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
		"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
	}
	if diff := cmp.Diff(want, counted); diff != "" {
		t.Errorf("verdict and comment changed: counted requests (-want +got):\n%s", diff)
	}
	wantNotModified := []string{
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
		"GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
		"GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
	}
	if diff := cmp.Diff(wantNotModified, notModified); diff != "" {
		t.Errorf("verdict and comment changed: requests answered 304 (-want +got):\n%s", diff)
	}
	if len(counted) > 4 {
		t.Errorf("verdict and comment changed: %d requests counted against the rate limit, want at most 4", len(counted))
	}
	t.Logf("verdict and comment changed: %d counted + %d not modified (304)", len(counted), len(notModified))
}

// A push is not a warm evaluation of the new head: nothing was ever listed
// for it, so its check-run listing is a 200 and its check run a create.
// With the pull request and its files changed too, that is 4 counted, and
// 5 when the comment must also be written. The README quotes it.
func TestAPICallBudgetNewHead(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	breakTests(f)
	for range 3 { // create, then settle every listing's ETag
		f.evaluate(t, evJob(1))
	}
	f.fake.SetHead(evOwner, evRepo, 1, evNewer)
	f.fake.SetChangedFiles(evOwner, evRepo, 1, []githubtest.File{{Filename: "svc/handler.go", Additions: 12}})
	f.fake.ResetRequests()
	f.evaluate(t, evJob(1))
	counted, notModified := f.budget()
	want := []string{
		"GET /repos/{owner}/{repo}/pulls/{pull_number}",
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
		"GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
		"POST /repos/{owner}/{repo}/check-runs",
		"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
	}
	if diff := cmp.Diff(want, counted); diff != "" {
		t.Errorf("new head: counted requests (-want +got):\n%s", diff)
	}
	wantNotModified := []string{
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
		"GET /repos/{owner}/{repo}/collaborators/{username}/permission",
		"GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
	}
	if diff := cmp.Diff(wantNotModified, notModified); diff != "" {
		t.Errorf("new head: requests answered 304 (-want +got):\n%s", diff)
	}
	t.Logf("new head, verdict and comment changed: %d counted + %d not modified (304)", len(counted), len(notModified))
}

// TestAPICallBudgetChecks pins what required checks add: the check runs of
// every App and the combined status of the head, two listings revalidated
// like the others, which also stand for tiergate's own listing.
func TestAPICallBudgetChecks(t *testing.T) {
	f, _ := ciFixture(t)
	build := f.actionsRun("build", "in_progress", "")
	f.actionsRun("security/scan", "completed", "success")
	const (
		getPull      = "GET /repos/{owner}/{repo}/pulls/{pull_number}"
		getContents  = "GET /repos/{owner}/{repo}/contents/{path}"
		getFiles     = "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
		getReviews   = "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"
		getPerm      = "GET /repos/{owner}/{repo}/collaborators/{username}/permission"
		listRuns     = "GET /repos/{owner}/{repo}/commits/{ref}/check-runs"
		getStatus    = "GET /repos/{owner}/{repo}/commits/{ref}/status"
		listComments = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments"
		createRun    = "POST /repos/{owner}/{repo}/check-runs"
		patchRun     = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"
	)
	steps := []struct {
		name            string
		change          func()
		wantCounted     []string
		wantNotModified []string
	}{
		{name: "cold, pending",
			wantCounted: []string{"POST /app/installations/{installation_id}/access_tokens", getPull, getContents, getContents,
				getFiles, getReviews, getPerm, listRuns, getStatus, createRun, listComments}},
		{name: "warm, unchanged, after our own write", wantCounted: []string{listRuns},
			wantNotModified: []string{getPull, getFiles, getReviews, getPerm, getStatus, listComments}},
		{name: "warm, unchanged", wantNotModified: []string{getPull, getFiles, getReviews, getPerm, listRuns, getStatus, listComments}},
		{name: "warm, a check completes",
			change: func() {
				f.fake.UpdateCheckRun(evOwner, evRepo, build, func(cr *githubtest.CheckRun) { cr.Status, cr.Conclusion = "completed", "success" })
			},
			wantCounted:     []string{listRuns, patchRun},
			wantNotModified: []string{getPull, getFiles, getReviews, getPerm, getStatus, listComments}},
		{name: "warm, a status arrives right after our own write",
			change: func() {
				f.fake.AddStatus(evOwner, evRepo, githubtest.Status{SHA: evHead, Context: "security/deps", State: "success", Creator: "ci"})
			},
			wantCounted:     []string{listRuns, getStatus, patchRun},
			wantNotModified: []string{getPull, getFiles, getReviews, getPerm, listComments}},
		{name: "warm, new approval, right after our own write",
			change: func() {
				f.fake.AddReview(evOwner, evRepo, 1, githubtest.Review{User: "dave", State: "APPROVED", CommitID: evHead})
				f.fake.SetPermission(evOwner, evRepo, "dave", "write")
			},
			wantCounted:     []string{getReviews, getPerm, listRuns, patchRun},
			wantNotModified: []string{getPull, getFiles, getPerm, getStatus, listComments}},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		f.fake.ResetRequests()
		f.evaluateCI(t)
		counted, notModified := f.budget()
		if diff := cmp.Diff(st.wantCounted, counted); diff != "" {
			t.Errorf("%s: requests counted against the rate limit (-want +got):\n%s", st.name, diff)
		}
		if diff := cmp.Diff(st.wantNotModified, notModified); diff != "" {
			t.Errorf("%s: requests answered 304 (-want +got):\n%s", st.name, diff)
		}
		if !strings.HasPrefix(st.name, "cold") && len(counted) > 4 {
			t.Errorf("%s: %d requests counted against the rate limit, want at most 4", st.name, len(counted))
		}
		t.Logf("%s: %d counted + %d not modified (304)", st.name, len(counted), len(notModified))
	}
}
