package evaluator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/internal/fakeorg"
)

// TestChangesPatch: what GitHub's compare answers becomes a change, or a
// change that cannot be compared saying why (its approvals are then
// stale); only what never changes for a pair of commits is cached.
func TestChangesPatch(t *testing.T) {
	manyFiles := ""
	for i := range maxCompareFiles {
		manyFiles += fmt.Sprintf("diff --git a/f%d b/f%d\nold mode 100644\nnew mode 100755\n", i, i)
	}
	tests := []struct {
		name       string
		base       string
		seed       func(fake *githubtest.Server)
		wantFiles  int
		wantWhy    string // "" when the change is available
		wantCached bool
	}{
		{
			name: "a diff",
			base: fakeorg.Base,
			seed: func(fake *githubtest.Server) {
				fake.SetCompareDiff(evOwner, evRepo, fakeorg.Base, evHead, []byte(handlerDiff))
			},
			wantFiles: 1, wantCached: true,
		},
		{
			name: "too large: 406",
			base: fakeorg.Base,
			seed: func(fake *githubtest.Server) {
				fake.SetCompareStatus(evOwner, evRepo, fakeorg.Base, evHead, http.StatusNotAcceptable)
			},
			wantWhy: "GitHub's compare does not show this diff (HTTP 406): it is too large", wantCached: true,
		},
		{
			name: "too large: 422",
			base: fakeorg.Base,
			seed: func(fake *githubtest.Server) {
				fake.SetCompareStatus(evOwner, evRepo, fakeorg.Base, evHead, http.StatusUnprocessableEntity)
			},
			wantWhy: "GitHub's compare does not show this diff (HTTP 422): it is too large", wantCached: true,
		},
		{
			name:    "an unknown commit: 404, asked again next time",
			base:    fakeorg.Base,
			seed:    func(*githubtest.Server) {},
			wantWhy: "GitHub's compare answered HTTP 404",
		},
		{
			name: "a server error that outlasts the retries",
			base: fakeorg.Base,
			seed: func(fake *githubtest.Server) {
				fake.SetCompareStatus(evOwner, evRepo, fakeorg.Base, evHead, http.StatusServiceUnavailable)
			},
			wantWhy: "GitHub's compare answered HTTP 503",
		},
		{
			name: "as many files as GitHub's compare shows at most",
			base: fakeorg.Base,
			seed: func(fake *githubtest.Server) {
				fake.SetCompareDiff(evOwner, evRepo, fakeorg.Base, evHead, []byte(manyFiles))
			},
			wantWhy: "it changes 300 files or more, more than GitHub's compare shows", wantCached: true,
		},
		{
			name: "not a diff",
			base: fakeorg.Base,
			seed: func(fake *githubtest.Server) {
				fake.SetCompareDiff(evOwner, evRepo, fakeorg.Base, evHead, []byte("<html>oops</html>\n"))
			},
			wantWhy: `GitHub's diff could not be read: not a git diff: line 1: expected "diff --git", got "<html>oops</html>"`, wantCached: true,
		},
		{
			name:    "no base commit",
			seed:    func(*githubtest.Server) {},
			wantWhy: "GitHub did not say which base commit the pull request targets",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			tt.seed(f.fake)
			gh, ctx := f.gh(t), context.Background()
			p, err := f.ev.gatherer.changes.patch(ctx, gh, evOwner, evRepo, tt.base, evHead)
			if err != nil {
				t.Fatalf("patch = %v, want no error", err)
			}
			if len(p.Files) != tt.wantFiles || p.Unavailable.String() != tt.wantWhy {
				t.Errorf("patch = %d files, unavailable %q; want %d, %q", len(p.Files), p.Unavailable, tt.wantFiles, tt.wantWhy)
			}
			f.fake.ResetRequests()
			if _, err := f.ev.gatherer.changes.patch(ctx, gh, evOwner, evRepo, tt.base, evHead); err != nil {
				t.Fatal(err)
			}
			asked := f.requestsMatching(getCompare) > 0
			if asked == tt.wantCached && tt.base != "" {
				t.Errorf("second patch asked GitHub: %v, want %v (cached: %v)", asked, !tt.wantCached, tt.wantCached)
			}
		})
	}
}

// A rate limit is not a change that cannot be compared: it fails the
// evaluation so it is rescheduled, and nothing is cached.
func TestChangesPatchRateLimited(t *testing.T) {
	f := newEvFixture(t)
	f.fake.SetCompareDiff(evOwner, evRepo, fakeorg.Base, evHead, []byte(handlerDiff))
	f.fake.PrimaryRateLimitNext("GET", "/repos/{owner}/{repo}/compare/{basehead}", time.Hour)
	gh, ctx := f.gh(t), context.Background()
	_, err := f.ev.gatherer.changes.patch(ctx, gh, evOwner, evRepo, fakeorg.Base, evHead)
	var rl *github.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("patch under a rate limit = %v, want a *github.RateLimitError", err)
	}
	if _, ok := f.ev.gatherer.changes.cache.Get(changeKey{evOwner, evRepo, fakeorg.Base, evHead}); ok {
		t.Error("a rate-limited compare was cached")
	}
}

// TestGatherChanges: the changes are read only for approvals that would
// count but for their commit, with the head's, once per distinct commit.
func TestGatherChanges(t *testing.T) {
	const older = "3333333333333333333333333333333333333333"
	tests := []struct {
		name        string
		reviews     []githubtest.Review
		wantCompare []string // commits compared, in order
	}{
		{"every approval on the head: none", []githubtest.Review{{User: "bob", State: "APPROVED", CommitID: evHead}}, nil},
		{"one stale approval: it and the head",
			[]githubtest.Review{{User: "bob", State: "APPROVED", CommitID: evNewer}}, []string{evHead, evNewer}},
		{"two on one commit, one on another: each commit once",
			[]githubtest.Review{{User: "bob", State: "APPROVED", CommitID: evNewer}, {User: "carol", State: "APPROVED", CommitID: evNewer},
				{User: "dave", State: "APPROVED", CommitID: older}}, []string{evHead, evNewer, older}},
		{"a reader's approval would not count: none",
			[]githubtest.Review{{User: "rita", State: "APPROVED", CommitID: evNewer}}, nil},
		{"a change request on an old commit: none",
			[]githubtest.Review{{User: "bob", State: "CHANGES_REQUESTED", CommitID: evNewer}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 7, Author: "alice", HeadSHA: evHead, BaseSHA: fakeorg.Base})
			f.fake.SetChangedFiles(evOwner, evRepo, 7, []githubtest.File{{Filename: "svc/handler.go"}, {Filename: "svc/handler_test.go"}})
			for _, u := range []string{"bob", "carol", "dave"} {
				f.fake.SetPermission(evOwner, evRepo, u, "write")
			}
			f.fake.SetPermission(evOwner, evRepo, "rita", "read")
			for _, c := range []string{evHead, evNewer, older} {
				f.fake.SetCompareDiff(evOwner, evRepo, fakeorg.Base, c, []byte(handlerDiff))
			}
			for _, rv := range tt.reviews {
				f.fake.AddReview(evOwner, evRepo, 7, rv)
			}
			snap, _ := gatherPR(t, f, 7, "")
			var compared []string
			for _, r := range f.fake.Requests() {
				if r.Template == "/repos/{owner}/{repo}/compare/{basehead}" {
					compared = append(compared, r.Path[strings.LastIndex(r.Path, "...")+3:])
				}
			}
			if fmt.Sprint(compared) != fmt.Sprint(tt.wantCompare) {
				t.Errorf("compared %v, want %v", compared, tt.wantCompare)
			}
			if len(snap.Patches) != len(tt.wantCompare) {
				t.Errorf("snapshot holds %d changes, want %d", len(snap.Patches), len(tt.wantCompare))
			}
			for _, c := range tt.wantCompare {
				if p := snap.Patches[c]; !p.Unavailable.IsZero() || len(p.Files) != 1 {
					t.Errorf("change at %s = %+v, want the one-file diff", c[:7], p)
				}
			}
		})
	}
}
