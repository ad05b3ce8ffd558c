package githubtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"
)

func TestCombinedStatus(t *testing.T) {
	s := seeded(t)
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	s.SetTime(t0)
	s.AddStatus(owner, name, Status{SHA: "sha1", Context: "ci/build", State: "pending", Creator: "ci-bot"})
	s.Advance(time.Minute)
	s.AddStatus(owner, name, Status{SHA: "sha1", Context: "ci/lint", State: "success", Creator: "ci-bot", TargetURL: "https://ci.example/lint"})
	s.AddStatus(owner, name, Status{SHA: "sha1", Context: "ci/build", State: "failure", Creator: "mallory"})
	s.AddStatus(owner, name, Status{SHA: "sha2", Context: "ci/build", State: "success", Creator: "ci-bot"})
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()

	tests := []struct {
		name  string
		ref   string
		opts  *github.ListOptions
		state string
		want  []string // context state creator, in order
		total int
	}{
		{"latest per context; any failure fails", "sha1", nil, "failure", []string{"ci/build failure mallory", "ci/lint success ci-bot"}, 2},
		{"paginated", "sha1", &github.ListOptions{PerPage: 1, Page: 2}, "failure", []string{"ci/lint success ci-bot"}, 2},
		{"another commit", "sha2", nil, "success", []string{"ci/build success ci-bot"}, 1},
		{"no status is pending", "sha3", nil, "pending", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := c.Repositories.GetCombinedStatus(ctx, owner, name, tt.ref, tt.opts)
			if err != nil {
				t.Fatalf("GetCombinedStatus(%s) error = %v", tt.ref, err)
			}
			var seen []string
			for _, st := range got.Statuses {
				seen = append(seen, st.GetContext()+" "+st.GetState()+" "+st.GetCreator().GetLogin())
			}
			if got.GetState() != tt.state || got.GetTotalCount() != tt.total {
				t.Errorf("GetCombinedStatus(%s) = state %s, total %d; want %s, %d", tt.ref, got.GetState(), got.GetTotalCount(), tt.state, tt.total)
			}
			if diff := cmp.Diff(tt.want, seen); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOtherAppsCheckRuns(t *testing.T) {
	s := seeded(t)
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	s.SetTime(t0)
	id := s.AddCheckRun(owner, name, CheckRun{AppID: 15368, AppSlug: "github-actions", Name: "build", HeadSHA: "sha1", Status: "in_progress"})
	s.Advance(5 * time.Minute)
	s.UpdateCheckRun(owner, name, id, func(cr *CheckRun) { cr.Status, cr.Conclusion = "completed", "success" })
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()

	res, _, err := c.Checks.ListCheckRunsForRef(ctx, owner, name, "sha1", &github.ListCheckRunsOptions{Filter: github.String("latest")})
	if err != nil || len(res.CheckRuns) != 1 {
		t.Fatalf("ListCheckRunsForRef = %v, %v; want one run", res, err)
	}
	run := res.CheckRuns[0]
	got := []any{run.GetApp().GetSlug(), run.GetStatus(), run.GetConclusion(), run.GetStartedAt().Time, run.GetCompletedAt().Time, run.GetHTMLURL()}
	want := []any{"github-actions", "completed", "success", t0, t0.Add(5 * time.Minute), "https://github.com/octo-org/widgets/runs/" + strconv.FormatInt(id, 10)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("another App's run (-want +got):\n%s", diff)
	}

	// tiergate's own runs: started_at as asked on create, and a completed
	// run cannot go back to in progress.
	first := t0.Add(-time.Hour)
	own, _, err := c.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{Name: "tiergate", HeadSHA: "sha1",
		StartedAt: &github.Timestamp{Time: first}, Status: github.String("completed"), Conclusion: github.String("success")})
	if err != nil {
		t.Fatalf("CreateCheckRun = %v", err)
	}
	if !own.GetStartedAt().Time.Equal(first) {
		t.Errorf("created run started_at = %v, want %v as sent", own.GetStartedAt(), first)
	}
	_, _, err = c.Checks.UpdateCheckRun(ctx, owner, name, own.GetID(), github.UpdateCheckRunOptions{Name: "tiergate", Status: github.String("in_progress")})
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("UpdateCheckRun(completed → in_progress) = %v, want 422", err)
	}
}

func TestWebhookPayloadsForChecks(t *testing.T) {
	s := seeded(t)
	s.AddPullRequest(owner, name, PullRequest{Number: 7, HeadSHA: "sha1", HeadRef: "topic"})
	s.AddPullRequest(owner, name, PullRequest{Number: 8, HeadSHA: "sha2"})
	id := s.AddCheckRun(owner, name, CheckRun{AppID: 15368, AppSlug: "github-actions", Name: "build", HeadSHA: "sha1", Status: "completed", Conclusion: "failure"})
	var cr struct {
		Action   string `json:"action"`
		CheckRun struct {
			Name, Status, Conclusion string
			HeadSHA                  string `json:"head_sha"`
			App                      struct {
				ID   int64
				Slug string
			}
			CheckSuite struct {
				HeadBranch string `json:"head_branch"`
			} `json:"check_suite"`
			PullRequests []struct{ Number int } `json:"pull_requests"`
		} `json:"check_run"`
		Installation struct{ ID int64 }
		Repository   struct{ Name string }
	}
	if err := json.Unmarshal(s.CheckRunEvent(owner, name, id, "completed"), &cr); err != nil {
		t.Fatal(err)
	}
	run := cr.CheckRun
	if cr.Action != "completed" || run.Name != "build" || run.Conclusion != "failure" || run.HeadSHA != "sha1" || run.App.ID != 15368 ||
		run.App.Slug != "github-actions" || run.CheckSuite.HeadBranch != "topic" || len(run.PullRequests) != 1 || run.PullRequests[0].Number != 7 ||
		cr.Installation.ID != inst || cr.Repository.Name != name {
		t.Errorf("CheckRunEvent = %+v, want build failed on sha1 by github-actions, listing #7 of installation %d", cr, inst)
	}

	sid := s.AddStatus(owner, name, Status{SHA: "sha2", Context: "ci/e2e", State: "success", Creator: "ci-bot", TargetURL: "https://ci.example/1"})
	var st struct {
		SHA, Context, State string
		TargetURL           string `json:"target_url"`
		Sender              struct{ Login string }
		Installation        struct{ ID int64 }
	}
	if err := json.Unmarshal(s.StatusEvent(owner, name, sid), &st); err != nil {
		t.Fatal(err)
	}
	if st.SHA != "sha2" || st.Context != "ci/e2e" || st.State != "success" || st.Sender.Login != "ci-bot" || st.Installation.ID != inst {
		t.Errorf("StatusEvent = %+v, want ci/e2e success on sha2 by ci-bot", st)
	}
}
