package githubtest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"
)

func manyFiles(n int) []File {
	files := make([]File, n)
	for i := range files {
		files[i] = File{Filename: fmt.Sprintf("pkg/f%04d.go", i), Additions: 1}
	}
	return files
}

func TestChangedFilesPaging(t *testing.T) {
	tests := []struct {
		name      string
		files     int
		wantPages int
		wantFiles int
	}{
		{"one page", 7, 1, 7},
		{"250 files over 3 pages", 250, 3, 250},
		{"capped at 3000", 3500, 30, 3000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := seeded(t)
			s.AddPullRequest(owner, name, PullRequest{Number: 1, Author: "alice", HeadSHA: "abc"})
			s.SetChangedFiles(owner, name, 1, manyFiles(tt.files))
			c := client(t, s, inst, s.PrivateKeyPEM)
			var got []string
			pages := 0
			opts := &github.ListOptions{PerPage: 100}
			for {
				files, resp, err := c.PullRequests.ListFiles(context.Background(), owner, name, 1, opts)
				if err != nil {
					t.Fatalf("PullRequests.ListFiles(page %d) error = %v", opts.Page, err)
				}
				pages++
				for _, f := range files {
					got = append(got, f.GetFilename())
				}
				if resp.NextPage == 0 {
					if pages > 1 && resp.PrevPage != pages-1 {
						t.Errorf("last page PrevPage = %d, want %d", resp.PrevPage, pages-1)
					}
					break
				}
				if resp.LastPage != tt.wantPages {
					t.Errorf("page %d LastPage = %d, want %d", pages, resp.LastPage, tt.wantPages)
				}
				opts.Page = resp.NextPage
			}
			if pages != tt.wantPages || len(got) != tt.wantFiles {
				t.Errorf("ListFiles over all pages = %d files in %d pages, want %d in %d", len(got), pages, tt.wantFiles, tt.wantPages)
			}
			if got[len(got)-1] != fmt.Sprintf("pkg/f%04d.go", tt.wantFiles-1) {
				t.Errorf("last file = %s, want pkg/f%04d.go (order kept)", got[len(got)-1], tt.wantFiles-1)
			}
		})
	}
}

func TestPerPageCappedAt100(t *testing.T) {
	s := seeded(t)
	s.AddPullRequest(owner, name, PullRequest{Number: 1, HeadSHA: "abc"})
	s.SetChangedFiles(owner, name, 1, manyFiles(150))
	c := client(t, s, inst, s.PrivateKeyPEM)
	files, resp, err := c.PullRequests.ListFiles(context.Background(), owner, name, 1, &github.ListOptions{PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 100 || resp.NextPage != 2 {
		t.Errorf("ListFiles(per_page=500) = %d files, next page %d, want 100, 2", len(files), resp.NextPage)
	}
}

func TestPullRequestState(t *testing.T) {
	s := seeded(t)
	s.SetTime(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC))
	s.AddPullRequest(owner, name, PullRequest{Number: 5, Author: "alice", HeadSHA: "sha1", Labels: []string{"feature"}})
	s.AddPullRequest(owner, name, PullRequest{Number: 6, Author: "bob", HeadSHA: "sha2", State: "closed"})
	s.SetHead(owner, name, 5, "sha3")
	s.AddLabel(owner, name, 5, "platform", "carol")
	s.Advance(time.Minute)
	rid := s.AddReview(owner, name, 5, Review{User: "dave", State: "APPROVED", CommitID: "sha3"})
	s.Advance(time.Minute)
	s.RemoveLabel(owner, name, 5, "feature", "carol")
	s.AddReview(owner, name, 5, Review{User: "renovate[bot]", Bot: true, State: "COMMENTED", CommitID: "sha3"})
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()

	pr, _, err := c.PullRequests.Get(ctx, owner, name, 5)
	if err != nil {
		t.Fatal(err)
	}
	got := struct {
		Head, Base, Author string
		Labels             []string
	}{pr.GetHead().GetSHA(), pr.GetBase().GetRef(), pr.GetUser().GetLogin(), nil}
	for _, l := range pr.Labels {
		got.Labels = append(got.Labels, l.GetName())
	}
	want := got
	want.Head, want.Base, want.Author, want.Labels = "sha3", "main", "alice", []string{"platform"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PullRequests.Get() mismatch (-want +got):\n%s", diff)
	}

	open, _, err := c.PullRequests.List(ctx, owner, name, nil)
	if err != nil || len(open) != 1 || open[0].GetNumber() != 5 {
		t.Errorf("PullRequests.List() = %d PRs, %v, want only #5", len(open), err)
	}
	bySHA, _, err := c.PullRequests.ListPullRequestsWithCommit(ctx, owner, name, "sha2", nil)
	if err != nil || len(bySHA) != 1 || bySHA[0].GetNumber() != 6 {
		t.Errorf("ListPullRequestsWithCommit(sha2) = %d PRs, %v, want only #6", len(bySHA), err)
	}

	reviews, _, err := c.PullRequests.ListReviews(ctx, owner, name, 5, nil)
	if err != nil || len(reviews) != 2 || reviews[0].GetID() != rid || reviews[1].GetUser().GetType() != "Bot" {
		t.Errorf("ListReviews() = %v, %v, want dave's review %d then a Bot's", reviews, err, rid)
	}

	events, _, err := c.Issues.ListIssueEvents(ctx, owner, name, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	var gotEvents []string
	for _, e := range events {
		gotEvents = append(gotEvents, fmt.Sprintf("%s %s by %s at %s", e.GetEvent(), e.GetLabel().GetName(), e.GetActor().GetLogin(), e.GetCreatedAt().Format("15:04")))
	}
	wantEvents := []string{"labeled platform by carol at 12:00", "unlabeled feature by carol at 12:02"}
	if diff := cmp.Diff(wantEvents, gotEvents); diff != "" {
		t.Errorf("ListIssueEvents() mismatch (-want +got):\n%s", diff)
	}

	timeline, _, err := c.Issues.ListIssueTimeline(ctx, owner, name, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	var gotTimeline []string
	for _, e := range timeline {
		gotTimeline = append(gotTimeline, e.GetEvent()+" "+e.GetState())
	}
	wantTimeline := []string{"labeled ", "reviewed approved", "unlabeled ", "reviewed commented"}
	if diff := cmp.Diff(wantTimeline, gotTimeline); diff != "" {
		t.Errorf("ListIssueTimeline() mismatch (-want +got):\n%s", diff)
	}
}

func TestContents(t *testing.T) {
	s := seeded(t)
	s.SetFile(owner, name, "main", ".github/tiergate.yml", []byte("tiers: {}\n"))
	s.SetFile(owner, name, "release", ".github/tiergate.yml", []byte("tiers: {release: true}\n"))
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()

	tests := []struct {
		name, ref, path, want string
		wantStatus            int
	}{
		{"default branch", "", ".github/tiergate.yml", "tiers: {}\n", 200},
		{"named ref", "release", ".github/tiergate.yml", "tiers: {release: true}\n", 200},
		{"missing file", "main", ".github/other.yml", "", 404},
		{"missing ref", "nope", ".github/tiergate.yml", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file, _, resp, err := c.Repositories.GetContents(ctx, owner, name, tt.path, &github.RepositoryContentGetOptions{Ref: tt.ref})
			if resp == nil || resp.StatusCode != tt.wantStatus {
				t.Fatalf("GetContents(%s@%s) = %v, want status %d", tt.path, tt.ref, err, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				return
			}
			got, err := file.GetContent()
			if err != nil || got != tt.want {
				t.Errorf("GetContents(%s@%s) content = %q, %v, want %q", tt.path, tt.ref, got, err, tt.want)
			}
		})
	}

	t.Run("ETag gives 304", func(t *testing.T) {
		_, _, resp, err := c.Repositories.GetContents(ctx, owner, name, ".github/tiergate.yml", nil)
		if err != nil {
			t.Fatal(err)
		}
		etag := resp.Header.Get("ETag")
		get := func() int {
			req, err := c.NewRequest(http.MethodGet, "repos/"+owner+"/"+name+"/contents/.github/tiergate.yml", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("If-None-Match", etag)
			resp, _ := c.Do(ctx, req, nil)
			return resp.StatusCode
		}
		if got := get(); got != http.StatusNotModified {
			t.Errorf("GetContents with If-None-Match %s = %d, want 304", etag, got)
		}
		s.SetFile(owner, name, "main", ".github/tiergate.yml", []byte("changed: true\n"))
		if got := get(); got != http.StatusOK {
			t.Errorf("GetContents with a stale ETag = %d, want 200", got)
		}
	})
}

func TestRateLimitHeaders(t *testing.T) {
	s := seeded(t)
	c := client(t, s, inst, s.PrivateKeyPEM)
	_, resp, err := c.Repositories.Get(context.Background(), owner, name)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Rate.Limit != rateLimit || resp.Rate.Remaining >= rateLimit || resp.Rate.Reset.Before(time.Now()) {
		t.Errorf("Rate = %+v, want limit %d, some used, reset in the future", resp.Rate, rateLimit)
	}
	if !strings.HasPrefix(resp.Request.URL.Path, apiPrefix+"/") {
		t.Errorf("request path %s, want under %s/", resp.Request.URL.Path, apiPrefix)
	}
}
