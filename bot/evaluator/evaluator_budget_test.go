package evaluator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/internal/fakeorg"
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
// 5 when the comment must also be written. bob approved the old head, so
// under keep_on_same_diff the change at the new head and at the approved
// commit are compared: 2 more, once (the next evaluation of that head
// asks for neither). The README quotes it.
func TestAPICallBudgetNewHead(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	breakTests(f)
	f.fake.SetCompareDiff(evOwner, evRepo, fakeorg.Base, evHead, []byte(handlerDiff))
	f.fake.SetCompareDiff(evOwner, evRepo, fakeorg.Base, evNewer, []byte(handlerDiffMore))
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
		getCompare, // the new head
		getCompare, // the commit bob approved
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
	if cr := f.fake.CheckRuns(evOwner, evRepo); !containsText(cr[len(cr)-1].Summary, "the change differs: `svc/handler.go`") {
		t.Errorf("summary = %q, want bob's approval stale naming svc/handler.go", cr[len(cr)-1].Summary)
	}

	f.fake.ResetRequests()
	f.evaluate(t, evJob(1))
	if n := f.requestsMatching(getCompare); n != 0 {
		t.Errorf("warm evaluation of the new head compared %d times, want 0 (cached by commit pair)", n)
	}
}

// A rebase that changes nothing of the pull request's change keeps bob's
// approval: the change at the new head and at the approved commit, both
// against the new base, are read once each (2 counted), the check stays
// green, and no later evaluation reads them again. The README quotes it.
func TestAPICallBudgetRebase(t *testing.T) {
	const newBase = "8888888888888888888888888888888888888888"
	f := newEvFixture(t)
	f.typicalPR()
	for range 3 {
		f.evaluate(t, evJob(1))
	}
	// Before the rebase no approval is stale: nothing was compared.
	if n := f.requestsMatching(getCompare); n != 0 {
		t.Errorf("%d compare requests with every approval on the head, want 0", n)
	}
	f.fake.SetBase(evOwner, evRepo, 1, newBase)
	f.fake.SetHead(evOwner, evRepo, 1, evNewer)
	f.fake.SetCompareDiff(evOwner, evRepo, newBase, evHead, []byte(handlerDiff))
	f.fake.SetCompareDiff(evOwner, evRepo, newBase, evNewer, []byte(handlerDiffRebased))
	f.fake.ResetRequests()
	f.evaluate(t, evJob(1))
	counted, notModified := f.budget()
	want := []string{
		"GET /repos/{owner}/{repo}/pulls/{pull_number}",
		getCompare, // the new head
		getCompare, // the commit bob approved
		"GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
		"POST /repos/{owner}/{repo}/check-runs",
	}
	if diff := cmp.Diff(want, counted); diff != "" {
		t.Errorf("rebase: counted requests (-want +got):\n%s", diff)
	}
	wantNotModified := []string{
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
		"GET /repos/{owner}/{repo}/collaborators/{username}/permission",
		"GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
	}
	if diff := cmp.Diff(wantNotModified, notModified); diff != "" {
		t.Errorf("rebase: requests answered 304 (-want +got):\n%s", diff)
	}
	t.Logf("rebase, approval kept: %d counted + %d not modified (304)", len(counted), len(notModified))
	runs := f.fake.CheckRuns(evOwner, evRepo)
	if last := runs[len(runs)-1]; last.HeadSHA != evNewer || last.Conclusion != "success" || !containsText(last.Summary, "`bob` (kept: approved `1111111`, same change as the head)") {
		t.Errorf("check run on the rebased head = %s %s %q, want success with bob's approval kept", last.HeadSHA, last.Conclusion, last.Summary)
	}

	for range 2 {
		f.fake.ResetRequests()
		f.evaluate(t, evJob(1))
		if n := f.requestsMatching(getCompare); n != 0 {
			t.Errorf("warm evaluation after the rebase compared %d times, want 0 (cached by commit pair)", n)
		}
	}
}

// getCompare is the compare API's request template.
const getCompare = "GET /repos/{owner}/{repo}/compare/{basehead}"

// Diffs of PR #1's change: at the head bob approved, after a rebase (same
// change, other line numbers and blobs), and after a push that added a line.
const (
	handlerDiff = "diff --git a/svc/handler.go b/svc/handler.go\n" +
		"index 1111111..2222222 100644\n--- a/svc/handler.go\n+++ b/svc/handler.go\n" +
		"@@ -10,3 +10,4 @@ func Handle() {\n a\n b\n+c\n d\n"
	handlerDiffRebased = "diff --git a/svc/handler.go b/svc/handler.go\n" +
		"index 3333333..4444444 100644\n--- a/svc/handler.go\n+++ b/svc/handler.go\n" +
		"@@ -40,3 +40,4 @@ func Handle() {\n a\n b\n+c\n d\n"
	handlerDiffMore = "diff --git a/svc/handler.go b/svc/handler.go\n" +
		"index 1111111..5555555 100644\n--- a/svc/handler.go\n+++ b/svc/handler.go\n" +
		"@@ -10,3 +10,5 @@ func Handle() {\n a\n b\n+c\n+slipped in\n d\n"
)

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
