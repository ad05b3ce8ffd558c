package bot

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAPICallBudget pins how many REST calls one evaluation of a typical
// pull request (two files, two reviews, no override) costs. The README
// quotes these figures; change them there too.
func TestAPICallBudget(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()

	f.evaluate(t, evJob(1))
	cold := f.requestLines()
	wantCold := []string{
		"POST /app/installations/{installation_id}/access_tokens",
		"GET /repos/{owner}/{repo}/pulls/{pull_number}",
		"GET /repos/{owner}/{repo}/contents/{path}", // org file (absent)
		"GET /repos/{owner}/{repo}/contents/{path}", // repo file (absent)
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
		"GET /repos/{owner}/{repo}/collaborators/{username}/permission", // bob; carol only commented
		"GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
		"POST /repos/{owner}/{repo}/check-runs",
		"GET /repos/{owner}/{repo}/issues/{issue_number}/comments", // is there a comment to keep in step?
	}
	if diff := cmp.Diff(wantCold, cold); diff != "" {
		t.Errorf("cold evaluation requests (-want +got):\n%s", diff)
	}
	t.Logf("cold evaluation: %d requests", len(cold))

	// Warm, nothing changed: the verdict is recomputed from fresh PR data
	// and nothing is written.
	f.fake.ResetRequests()
	f.evaluate(t, evJob(1))
	wantSame := []string{
		"GET /repos/{owner}/{repo}/pulls/{pull_number}",
		"GET /repos/{owner}/{repo}/contents/{path}", // org file: a 404 is asked again every time
		"GET /repos/{owner}/{repo}/contents/{path}", // repo file: likewise
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
		"GET /repos/{owner}/{repo}/collaborators/{username}/permission", // bob, revalidated: 304, no rate limit
	}
	if diff := cmp.Diff(wantSame, f.requestLines()); diff != "" {
		t.Errorf("warm evaluation, verdict unchanged (-want +got):\n%s", diff)
	}

	// Warm, verdict changed (a tier label; still passing): the check run is updated in
	// place; the comment state is known, so comments cost nothing.
	f.fake.AddLabel(evOwner, evRepo, 1, "tier/experiment", "alice")
	f.fake.ResetRequests()
	f.evaluate(t, evJob(1))
	warm := f.requestLines()
	wantWarm := []string{
		"GET /repos/{owner}/{repo}/pulls/{pull_number}",
		"GET /repos/{owner}/{repo}/contents/{path}",
		"GET /repos/{owner}/{repo}/contents/{path}",
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
		"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
		"PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
	}
	if diff := cmp.Diff(wantWarm, warm); diff != "" {
		t.Errorf("warm evaluation, verdict changed (-want +got):\n%s", diff)
	}
	if len(warm) > 6 {
		t.Errorf("warm evaluation took %d requests, want at most 6", len(warm))
	}
	t.Logf("warm evaluation: %d requests (%d when the verdict is unchanged)", len(warm), len(wantSame))
}
