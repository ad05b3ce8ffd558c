package evaluator

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/go-github/v60/github"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/queue"
)

func TestEvaluateReportsVerdict(t *testing.T) {
	tests := []struct {
		name        string
		seed        func(f *evFixture)
		job         queue.Job
		want        []githubtest.CheckRun // ID, AppID and summary ignored
		wantComment bool
		wantMetric  [2]string // tier, conclusion
	}{
		{
			name: "typical PR passes",
			seed: (*evFixture).typicalPR,
			job:  evJob(1),
			want: []githubtest.CheckRun{{Name: "tiergate", HeadSHA: evHead, Status: "completed", Conclusion: "success", ExternalID: "cfg1:-:-",
				Title: "feature · 2 of 2 gates passing"}},
			wantMetric: [2]string{"feature", "success"},
		},
		{
			name: "missing tests fail",
			seed: (*evFixture).failingPR,
			job:  evJob(2),
			want: []githubtest.CheckRun{{Name: "tiergate", HeadSHA: evHead, Status: "completed", Conclusion: "failure", ExternalID: "cfg1:-:-",
				Title: "feature · 2 of 2 gates failing"}},
			wantComment: true,
			wantMetric:  [2]string{"feature", "failure"},
		},
		{
			name: "newest head wins over the job's",
			seed: func(f *evFixture) {
				f.typicalPR()
				f.fake.SetHead(evOwner, evRepo, 1, evNewer)
			},
			job: queue.Job{InstallationID: evInst, Owner: evOwner, Repo: evRepo, Number: 1, HeadSHA: evHead},
			// bob approved the old head: with fresh_only it no longer counts.
			want: []githubtest.CheckRun{{Name: "tiergate", HeadSHA: evNewer, Status: "completed", Conclusion: "failure", ExternalID: "cfg1:-:-",
				Title: "feature · 1 of 2 gates failing"}},
			wantComment: true,
			wantMetric:  [2]string{"feature", "failure"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			tt.seed(f)
			f.evaluate(t, tt.job)
			got := f.fake.CheckRuns(evOwner, evRepo)
			opts := cmpopts.IgnoreFields(githubtest.CheckRun{}, "ID", "AppID", "Summary")
			if diff := cmp.Diff(tt.want, got, opts); diff != "" {
				t.Errorf("check runs after Evaluate (-want +got):\n%s", diff)
			}
			comments := f.fake.Comments(evOwner, evRepo, tt.job.Number)
			if gotComment := len(comments) == 1; gotComment != tt.wantComment || len(comments) > 1 {
				t.Errorf("Evaluate left %d comments, want comment=%v", len(comments), tt.wantComment)
			}
			if n := testutil.ToFloat64(f.m.Conclusions.WithLabelValues(tt.wantMetric[0], tt.wantMetric[1])); n != 1 {
				t.Errorf("Conclusions%v = %v, want 1", tt.wantMetric, n)
			}
		})
	}
}

func TestEvaluateSkips(t *testing.T) {
	tests := []struct {
		name string
		seed func(f *evFixture)
		job  queue.Job
	}{
		{
			name: "closed pull request",
			seed: func(f *evFixture) {
				f.failingPR()
				f.fake.SetState(evOwner, evRepo, 2, "closed", false)
			},
			job: evJob(2),
		},
		{
			name: "recheck from someone without write permission",
			seed: func(f *evFixture) {
				f.failingPR()
				f.fake.SetPermission(evOwner, evRepo, "mallory", "triage")
			},
			job: queue.Job{InstallationID: evInst, Owner: evOwner, Repo: evRepo, Number: 2, RequireWriteFrom: "mallory"},
		},
		{
			name: "recheck from a stranger",
			seed: (*evFixture).failingPR,
			job:  queue.Job{InstallationID: evInst, Owner: evOwner, Repo: evRepo, Number: 2, RequireWriteFrom: "stranger"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			tt.seed(f)
			f.evaluate(t, tt.job)
			if runs := f.fake.CheckRuns(evOwner, evRepo); len(runs) != 0 {
				t.Errorf("Evaluate wrote %d check runs, want none", len(runs))
			}
			if n := f.requestsMatching("GET /repos/{owner}/{repo}/pulls/{pull_number}/files"); n != 0 {
				t.Errorf("Evaluate listed files %d times, want 0", n)
			}
		})
	}
}

func TestEvaluateRecheckByWriterRuns(t *testing.T) {
	f := newEvFixture(t)
	f.failingPR()
	f.fake.SetPermission(evOwner, evRepo, "maya", "maintain")
	f.evaluate(t, queue.Job{InstallationID: evInst, Owner: evOwner, Repo: evRepo, Number: 2, RequireWriteFrom: "maya"})
	if runs := f.fake.CheckRuns(evOwner, evRepo); len(runs) != 1 || runs[0].Status != "completed" {
		t.Errorf("check runs after a maintainer's recheck = %+v, want one completed", runs)
	}
}

// A GitHub failure must never turn into a verdict, least of all a green one.
func TestEvaluateGitHubErrorWritesNoVerdict(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	f.fake.FailNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", 10, 500)
	err := f.ev.Evaluate(context.Background(), evJob(1), nil)
	if err == nil {
		t.Fatal("Evaluate with reviews failing = nil, want an error")
	}
	if !strings.Contains(err.Error(), "list reviews") {
		t.Errorf("Evaluate error = %q, want it to say what failed (list reviews)", err)
	}
	if runs := f.fake.CheckRuns(evOwner, evRepo); len(runs) != 0 {
		t.Errorf("Evaluate wrote %+v after an error, want no check run", runs)
	}
	if n := f.requestsMatching("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"); n != 4 {
		t.Errorf("reviews requested %d times, want 4 (MaxAttempts)", n)
	}
}

func TestEvaluateSurvivesTransientErrors(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	f.fake.FailNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", 1, 502)
	f.fake.FailNext("POST", "/app/installations/{installation_id}/access_tokens", 1, 503)
	f.evaluate(t, evJob(1))
	if runs := f.fake.CheckRuns(evOwner, evRepo); len(runs) != 1 || runs[0].Conclusion != "success" {
		t.Errorf("check runs = %+v, want one success", runs)
	}
	if n := testutil.ToFloat64(f.gm.Retries.WithLabelValues("5xx")); n != 2 {
		t.Errorf("GitHubRetries{5xx} = %v, want 2", n)
	}
}

func TestEvaluateMarksInProgressWhenSlow(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	f.ev.progress = 0 // every evaluation counts as slow
	f.evaluate(t, evJob(1))
	runs := f.fake.CheckRuns(evOwner, evRepo)
	if len(runs) != 1 || runs[0].Status != "completed" || runs[0].Conclusion != "success" {
		t.Fatalf("check runs = %+v, want one completed success", runs)
	}
	if n := f.requestsMatching("POST /repos/{owner}/{repo}/check-runs"); n != 1 {
		t.Errorf("check runs created %d times, want 1 (in progress, then updated)", n)
	}
	if n := f.requestsMatching("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"); n != 1 {
		t.Errorf("check runs updated %d times, want 1", n)
	}
}

func TestReportFailure(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	f.fake.SetHead(evOwner, evRepo, 1, evNewer)
	cause := errors.New("list changed files of acme/widgets#1: 502 Bad Gateway")
	if err := f.ev.ReportFailure(context.Background(), queue.Job{InstallationID: evInst, Owner: evOwner, Repo: evRepo, Number: 1, HeadSHA: evHead}, cause, nil); err != nil {
		t.Fatalf("ReportFailure = %v, want nil", err)
	}
	runs := f.fake.CheckRuns(evOwner, evRepo)
	want := []githubtest.CheckRun{{Name: "tiergate", HeadSHA: evNewer, Status: "completed", Conclusion: "failure", Title: "tiergate could not evaluate"}}
	if diff := cmp.Diff(want, runs, cmpopts.IgnoreFields(githubtest.CheckRun{}, "ID", "AppID", "Summary")); diff != "" {
		t.Errorf("check runs after ReportFailure (-want +got):\n%s", diff)
	}
	for _, s := range []string{"502 Bad Gateway", "/tiergate recheck"} {
		if len(runs) == 1 && !strings.Contains(runs[0].Summary, s) {
			t.Errorf("summary = %q, want it to contain %q", runs[0].Summary, s)
		}
	}
}

// A merge queue entry passes only while the pull request it adds passes
// tiergate on its current head; anything unknown fails closed.
func TestCompleteMergeGroup(t *testing.T) {
	const mg = "3333333333333333333333333333333333333333"
	tests := []struct {
		name      string
		seed      func(f *evFixture)
		number    int
		want      string
		wantTitle string
	}{
		{name: "the pull request passes", number: 1, want: "success", wantTitle: "Merge group: #1 passes",
			seed: func(f *evFixture) { f.typicalPR(); f.evaluate(t, evJob(1)) }},
		{name: "the pull request fails now", number: 2, want: "failure", wantTitle: "Merge group: #2 is not passing",
			seed: func(f *evFixture) { f.failingPR(); f.evaluate(t, evJob(2)) }},
		{name: "the pull request has no verdict", number: 1, want: "failure", wantTitle: "Merge group: #1 is not passing",
			seed: func(f *evFixture) { f.typicalPR() }},
		{name: "the queue branch names no pull request", number: 0, want: "failure", wantTitle: "Merge group: pull request unknown",
			seed: func(f *evFixture) {}},
	}
	t.Run("a pull request's head gets nothing written", func(t *testing.T) {
		// #2 fails on its head; a merge group for #1, which passes, that
		// names #2's head (a status event listing a queue branch that
		// contains the commit) must not turn #2's check green.
		f := newEvFixture(t)
		f.typicalPR()
		f.evaluate(t, evJob(1))
		f.failingPR()
		f.fake.SetHead(evOwner, evRepo, 2, evNewer)
		f.evaluate(t, evJob(2))
		if err := f.ev.CompleteMergeGroup(context.Background(), evInst, evOwner, evRepo, evNewer, 1, nil); err != nil {
			t.Fatalf("CompleteMergeGroup = %v", err)
		}
		var got []string
		for _, r := range f.fake.CheckRuns(evOwner, evRepo) {
			if r.HeadSHA == evNewer {
				got = append(got, r.Conclusion+" "+r.Title)
			}
		}
		if len(got) != 1 || !strings.HasPrefix(got[0], "failure ") || strings.Contains(got[0], "Merge group") {
			t.Errorf("check runs on #2's head = %q, want only #2's own failing verdict", got)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newEvFixture(t)
			tc.seed(f)
			if err := f.ev.CompleteMergeGroup(context.Background(), evInst, evOwner, evRepo, mg, tc.number, nil); err != nil {
				t.Fatalf("CompleteMergeGroup = %v", err)
			}
			var got []string
			for _, r := range f.fake.CheckRuns(evOwner, evRepo) {
				if r.HeadSHA == mg {
					got = append(got, r.Conclusion+" "+r.Title)
				}
			}
			if want := tc.want + " " + tc.wantTitle; len(got) != 1 || got[0] != want {
				t.Errorf("merge group check runs = %q, want [%q]", got, want)
			}
		})
	}
}

func TestListingJobs(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	f.failingPR()
	f.fake.SetHead(evOwner, evRepo, 2, evNewer)
	f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 3, Author: "alice", HeadSHA: evHead, State: "closed"})
	ctx := context.Background()
	sortJobs := cmpopts.SortSlices(func(a, b queue.Job) bool { return a.Number < b.Number })

	open, err := f.ev.OpenPullRequests(ctx, evInst, evOwner, evRepo)
	if err != nil {
		t.Fatal(err)
	}
	wantOpen := []queue.Job{
		{InstallationID: evInst, Owner: evOwner, Repo: evRepo, Number: 1, HeadSHA: evHead},
		{InstallationID: evInst, Owner: evOwner, Repo: evRepo, Number: 2, HeadSHA: evNewer},
	}
	if diff := cmp.Diff(wantOpen, open, sortJobs); diff != "" {
		t.Errorf("OpenPullRequests (-want +got):\n%s", diff)
	}

	forCommit, err := f.ev.PullRequestsForCommit(ctx, evInst, evOwner, evRepo, evHead)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantOpen[:1], forCommit, sortJobs); diff != "" {
		t.Errorf("PullRequestsForCommit(%s) (-want +got):\n%s", evHead[:7], diff)
	}

	repos, err := f.ev.InstallationRepos(ctx, evInst)
	if err != nil {
		t.Fatal(err)
	}
	wantRepos := []queue.RepoRef{{Owner: evOwner, Name: ".github"}, {Owner: evOwner, Name: evRepo}}
	if diff := cmp.Diff(wantRepos, repos, cmpopts.SortSlices(func(a, b queue.RepoRef) bool { return a.Name < b.Name })); diff != "" {
		t.Errorf("InstallationRepos (-want +got):\n%s", diff)
	}
}

// PullRequestsForCommit asks GitHub every time, revalidating the last
// answer: a pull request opened on the commit since, empty answer or not,
// is listed at once (no event has to reach this replica to drop an
// answer), and an unchanged answer costs a 304.
func TestPullRequestsForCommitIsNeverStale(t *testing.T) {
	f := newEvFixture(t)
	ctx := context.Background()
	numbers := func() []int {
		t.Helper()
		jobs, err := f.ev.PullRequestsForCommit(ctx, evInst, evOwner, evRepo, evNewer)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, j := range jobs {
			out = append(out, j.Number)
		}
		slices.Sort(out)
		return out
	}
	if got := numbers(); got != nil {
		t.Fatalf("PullRequestsForCommit before any pull request = %v, want none", got)
	}
	f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 4, Author: "alice", HeadSHA: evNewer})
	if got := numbers(); !slices.Equal(got, []int{4}) {
		t.Errorf("PullRequestsForCommit after #4 opened = %v, want [4]", got)
	}
	if got := numbers(); !slices.Equal(got, []int{4}) {
		t.Errorf("PullRequestsForCommit again = %v, want [4]", got)
	}
	// Another pull request from the same commit (into another base).
	f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 5, Author: "alice", HeadSHA: evNewer, BaseRef: "release"})
	if got := numbers(); !slices.Equal(got, []int{4, 5}) {
		t.Errorf("PullRequestsForCommit after #5 opened = %v, want [4 5]", got)
	}
	var codes []int
	for _, r := range f.fake.Requests() {
		if r.Template == "/repos/{owner}/{repo}/commits/{commit_sha}/pulls" {
			codes = append(codes, r.Status)
		}
	}
	if want := []int{200, 200, 304, 200}; !slices.Equal(codes, want) {
		t.Errorf("lookups answered %v, want %v", codes, want)
	}
}

func TestEvaluateRateLimits(t *testing.T) {
	tests := []struct {
		name    string
		inject  func(f *evFixture)
		wantErr bool
		wantRL  bool // the error is a *github.RateLimitError the caller can schedule from
	}{
		{
			name: "short secondary limit is waited out",
			inject: func(f *evFixture) {
				f.fake.RateLimitNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", time.Second)
			},
		},
		{
			name: "primary limit past MaxWait fails the job for a later retry",
			inject: func(f *evFixture) {
				f.fake.PrimaryRateLimitNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", time.Hour)
			},
			wantErr: true, wantRL: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			f.typicalPR()
			tt.inject(f)
			err := f.ev.Evaluate(context.Background(), evJob(1), nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Evaluate = %v, want error %v", err, tt.wantErr)
			}
			var rl *github.RateLimitError
			if errors.As(err, &rl) != tt.wantRL {
				t.Errorf("Evaluate = %v, want *github.RateLimitError %v", err, tt.wantRL)
			}
			runs := f.fake.CheckRuns(evOwner, evRepo)
			if tt.wantErr && len(runs) != 0 {
				t.Errorf("check runs = %+v after an error, want none", runs)
			}
			if !tt.wantErr && (len(runs) != 1 || runs[0].Conclusion != "success") {
				t.Errorf("check runs = %+v, want one success", runs)
			}
		})
	}
}

func TestEvaluateRecoversFromRevokedToken(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	f.evaluate(t, evJob(1))
	f.fake.RevokeTokens()
	f.fake.SetHead(evOwner, evRepo, 1, evNewer)
	if err := f.ev.Evaluate(context.Background(), evJob(1), nil); err == nil {
		t.Fatal("Evaluate with a revoked token = nil, want an error")
	}
	f.evaluate(t, evJob(1)) // a fresh token is minted
	if n := f.requestsMatching("POST /app/installations/{installation_id}/access_tokens"); n != 2 {
		t.Errorf("tokens minted = %d, want 2 (the second after the 401)", n)
	}
	if runs := f.fake.CheckRuns(evOwner, evRepo); len(runs) != 2 || runs[1].HeadSHA != evNewer {
		t.Errorf("check runs = %+v, want the new head evaluated", runs)
	}
}
