package bot

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// budget splits an evaluation's requests into those that count against the
// rate limit and the 304s that do not.
func (f *evFixture) budget() (counted []string, notModified int) {
	for _, r := range f.fake.Requests() {
		if r.Status == http.StatusNotModified {
			notModified++
			continue
		}
		counted = append(counted, r.Method+" "+r.Template)
	}
	return counted, notModified
}

// TestAPICallBudget pins how many REST calls one evaluation of a typical
// pull request (two files, two reviews, no override) costs. The check run
// and the comment are read from GitHub on every evaluation; their listings
// are revalidated with If-None-Match, and a 304 costs no rate limit. The
// README quotes these figures; change them there too.
func TestAPICallBudget(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()

	const (
		getPull      = "GET /repos/{owner}/{repo}/pulls/{pull_number}"
		getFiles     = "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
		getReviews   = "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"
		listRuns     = "GET /repos/{owner}/{repo}/commits/{ref}/check-runs"
		listComments = "GET /repos/{owner}/{repo}/issues/{issue_number}/comments"
		patchRun     = "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"
	)
	steps := []struct {
		name            string
		change          func()
		wantCounted     []string
		wantNotModified int
		// overBudget explains a step allowed past 4 counted requests.
		overBudget string
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
				"GET /repos/{owner}/{repo}/collaborators/{username}/permission", // bob; carol only commented
				listRuns,
				"POST /repos/{owner}/{repo}/check-runs",
				listComments, // is there a comment to keep in step?
			},
		},
		{
			// The check-run listing changed with our own create, so it is read again.
			name:            "warm, unchanged, after our own write",
			wantCounted:     []string{getPull, getFiles, getReviews, listRuns},
			wantNotModified: 2, // bob's permission, comments
		},
		{
			name:            "warm, unchanged",
			wantCounted:     []string{getPull, getFiles, getReviews},
			wantNotModified: 3, // bob's permission, check runs, comments
		},
		{
			// A tier label; still passing, so no comment: the check run is
			// updated in place after a free revalidation.
			name:            "warm, verdict changed",
			change:          func() { f.fake.AddLabel(evOwner, evRepo, 1, "tier/experiment", "alice") },
			wantCounted:     []string{getPull, getFiles, getReviews, patchRun},
			wantNotModified: 2,
		},
		{
			name:            "warm, verdict changed again right after our own write",
			change:          func() { f.fake.RemoveLabel(evOwner, evRepo, 1, "tier/experiment", "alice") },
			wantCounted:     []string{getPull, getFiles, getReviews, listRuns, patchRun},
			wantNotModified: 2, // bob's permission, comments
			overBudget: "our previous write changed the check-run listing, so reading it is a 200; " +
				"no cache may stand in for that read",
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
		if notModified != st.wantNotModified {
			t.Errorf("%s: %d requests answered 304, want %d", st.name, notModified, st.wantNotModified)
		}
		if st.name != "cold" && st.overBudget == "" && len(counted) > 4 {
			t.Errorf("%s: %d requests counted against the rate limit, want at most 4", st.name, len(counted))
		}
		t.Logf("%s: %d counted + %d not modified (304)", st.name, len(counted), notModified)
	}
}

// A verdict change that also edits the comment writes twice: 3 reads and 2
// writes count, the two revalidated listings do not. The README quotes it.
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
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
		"PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
		"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
	}
	if diff := cmp.Diff(want, counted); diff != "" || notModified != 2 {
		t.Errorf("verdict and comment changed: %d answered 304 (want 2); counted requests (-want +got):\n%s", notModified, diff)
	}
	t.Logf("verdict and comment changed: %d counted + %d not modified (304)", len(counted), notModified)
}
