package githubtest

import (
	"context"
	"net/http"
	"testing"
)

// The list endpoints tiergate revalidates answer 304 to the ETag of an
// unchanged listing, for free, and 200 once anything listed changes.
func TestListETags(t *testing.T) {
	s := seeded(t)
	s.AddPullRequest(owner, name, PullRequest{Number: 1, Author: "alice", HeadSHA: "abc"})
	s.SetChangedFiles(owner, name, 1, []File{{Filename: "a.go", Additions: 1}})
	run := s.AddCheckRun(owner, name, CheckRun{Name: "tiergate", HeadSHA: "abc", Status: "completed", Conclusion: "success"})
	cm := s.AddComment(owner, name, 1, "tiergate-test[bot]", "hello")
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()

	tests := []struct {
		name   string
		url    string
		change func()
	}{
		{"check runs", "repos/" + owner + "/" + name + "/commits/abc/check-runs?check_name=tiergate",
			func() { s.UpdateCheckRun(owner, name, run, func(r *CheckRun) { r.Conclusion = "failure" }) }},
		{"comments", "repos/" + owner + "/" + name + "/issues/1/comments?per_page=100",
			func() { s.EditComment(owner, name, cm, "edited") }},
		{"pull request", "repos/" + owner + "/" + name + "/pulls/1",
			func() { s.SetHead(owner, name, 1, "def") }},
		{"pull request labels", "repos/" + owner + "/" + name + "/pulls/1",
			func() { s.AddLabel(owner, name, 1, "tier/docs", "alice") }},
		{"files", "repos/" + owner + "/" + name + "/pulls/1/files?per_page=100&page=1",
			func() { s.SetChangedFiles(owner, name, 1, []File{{Filename: "b.go", Additions: 1}}) }},
		{"reviews", "repos/" + owner + "/" + name + "/pulls/1/reviews?per_page=100&page=1",
			func() { s.AddReview(owner, name, 1, Review{User: "bob", State: "APPROVED", CommitID: "abc"}) }},
		{"events", "repos/" + owner + "/" + name + "/issues/1/events?per_page=100&page=1",
			func() { s.AddLabel(owner, name, 1, "tier/experiment", "alice") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get := func(etag string) (int, string, int) {
				req, err := c.NewRequest(http.MethodGet, tt.url, nil)
				if err != nil {
					t.Fatal(err)
				}
				if etag != "" {
					req.Header.Set("If-None-Match", etag)
				}
				resp, _ := c.Do(ctx, req, nil)
				return resp.StatusCode, resp.Header.Get("ETag"), resp.Rate.Remaining
			}
			status, etag, remaining := get("")
			if status != http.StatusOK || etag == "" {
				t.Fatalf("GET %s = %d with ETag %q, want 200 with an ETag", tt.url, status, etag)
			}
			if status, _, again := get(etag); status != http.StatusNotModified || again != remaining {
				t.Errorf("GET with If-None-Match %s = %d, rate remaining %d; want 304, still %d", etag, status, again, remaining)
			}
			tt.change()
			if status, newTag, _ := get(etag); status != http.StatusOK || newTag == etag {
				t.Errorf("GET after a change = %d with ETag %s; want 200 with a new ETag (old %s)", status, newTag, etag)
			}
		})
	}
}
