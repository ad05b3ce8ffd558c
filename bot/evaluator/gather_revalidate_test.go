package evaluator

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/rules"
)

// Each page of the files, reviews and events listings is revalidated with
// its own ETag: unchanged pages cost a 304, and a change on a later page is
// read (a 200) and seen, never answered from the cache.
func TestGatherRevalidatesEachPage(t *testing.T) {
	const (
		files   = "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"
		reviews = "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"
		events  = "GET /repos/{owner}/{repo}/issues/{issue_number}/events"
	)
	f := newEvFixture(t)
	f.failingPR()
	f.fake.SetChangedFiles(evOwner, evRepo, 2, manyFiles(250)) // 3 pages
	for i := range 150 {                                       // 2 pages
		f.fake.AddReview(evOwner, evRepo, 2, githubtest.Review{User: fmt.Sprintf("r%03d", i), State: "COMMENTED", CommitID: evHead})
	}
	f.fake.AddLabel(evOwner, evRepo, 2, "tiergate/skip-tests", "maya")
	gatherPR(t, f, 2, "")

	// status lists the status of each request to the endpoint, in order.
	status := func(endpoint string) []int {
		var out []int
		for _, r := range f.fake.Requests() {
			if r.Method+" "+r.Template == endpoint {
				out = append(out, r.Status)
			}
		}
		return out
	}
	const ok, notModified = http.StatusOK, http.StatusNotModified

	gatherPR(t, f, 2, "")
	want := map[string][]int{
		files:   {notModified, notModified, notModified},
		reviews: {notModified, notModified},
		events:  {notModified},
	}
	for endpoint, w := range want {
		if diff := cmp.Diff(w, status(endpoint)); diff != "" {
			t.Errorf("unchanged, %s answers (-want +got):\n%s", endpoint, diff)
		}
	}

	changed := manyFiles(250)
	changed[249].Additions = 7
	f.fake.SetChangedFiles(evOwner, evRepo, 2, changed)
	f.fake.AddReview(evOwner, evRepo, 2, githubtest.Review{User: "bob", State: "APPROVED", CommitID: evHead})
	f.fake.RemoveLabel(evOwner, evRepo, 2, "tiergate/skip-tests", "alice")
	f.fake.AddLabel(evOwner, evRepo, 2, "tiergate/skip-tests", "mallory")
	got, _ := gatherPR(t, f, 2, "")
	want = map[string][]int{
		files:   {notModified, notModified, ok},
		reviews: {notModified, ok},
		events:  {ok},
	}
	for endpoint, w := range want {
		if diff := cmp.Diff(w, status(endpoint)); diff != "" {
			t.Errorf("changed on the last page, %s answers (-want +got):\n%s", endpoint, diff)
		}
	}
	if n := len(got.Files); n != 250 || got.Files[249].Additions != 7 {
		t.Errorf("gather after a change on page 3 = %d files, the last with %d additions; want 250, 7", n, got.Files[249].Additions)
	}
	if n := len(got.Reviews); n != 151 || got.Reviews[150].User != "bob" {
		t.Errorf("gather after a new review = %d reviews, want 151 ending with bob's", n)
	}
	if want := (rules.Label{Name: "tiergate/skip-tests", AppliedBy: "mallory"}); len(got.Labels) != 1 || got.Labels[0] != want {
		t.Errorf("gather after the label was re-applied: labels = %+v, want [%+v]", got.Labels, want)
	}
}
