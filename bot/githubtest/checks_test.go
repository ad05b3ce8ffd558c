package githubtest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-github/v60/github"
)

func TestCheckRuns(t *testing.T) {
	s := seeded(t)
	otherApp := s.AddCheckRun(owner, name, CheckRun{AppID: 99, Name: "tiergate", HeadSHA: "sha1", Status: "completed", Conclusion: "success"})
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()

	first, _, err := c.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{
		Name: "tiergate", HeadSHA: "sha1", Status: github.String("in_progress"),
	})
	if err != nil {
		t.Fatalf("CreateCheckRun() error = %v", err)
	}
	_, _, err = c.Checks.UpdateCheckRun(ctx, owner, name, first.GetID(), github.UpdateCheckRunOptions{
		Name:       "tiergate",
		Conclusion: github.String("failure"),
		Output:     &github.CheckRunOutput{Title: github.String("feature: 1 gate failing"), Summary: github.String("needs docs")},
	})
	if err != nil {
		t.Fatalf("UpdateCheckRun() error = %v", err)
	}
	second, _, err := c.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{
		Name: "tiergate", HeadSHA: "sha1", Status: github.String("completed"), Conclusion: github.String("success"),
	})
	if err != nil {
		t.Fatalf("CreateCheckRun(completed) error = %v", err)
	}
	if _, _, err := c.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{Name: "tiergate", HeadSHA: "sha2"}); err != nil {
		t.Fatalf("CreateCheckRun(sha2) error = %v", err)
	}

	want := []CheckRun{
		{ID: otherApp, AppID: 99, Name: "tiergate", HeadSHA: "sha1", Status: "completed", Conclusion: "success"},
		{ID: first.GetID(), AppID: s.AppID, Name: "tiergate", HeadSHA: "sha1", Status: "completed", Conclusion: "failure", Title: "feature: 1 gate failing", Summary: "needs docs"},
		{ID: second.GetID(), AppID: s.AppID, Name: "tiergate", HeadSHA: "sha1", Status: "completed", Conclusion: "success"},
		{ID: second.GetID() + 1, AppID: s.AppID, Name: "tiergate", HeadSHA: "sha2", Status: "queued"},
	}
	if diff := cmp.Diff(want, s.CheckRuns(owner, name)); diff != "" {
		t.Errorf("CheckRuns() mismatch (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		ref  string
		opts github.ListCheckRunsOptions
		want []int64
	}{
		// GitHub keeps the latest run per name within each App's check
		// suite: another App's run of the same name is listed too.
		{"latest per app and name", "sha1", github.ListCheckRunsOptions{}, []int64{second.GetID(), otherApp}},
		{"all for our app", "sha1", github.ListCheckRunsOptions{Filter: github.String("all"), AppID: github.Int64(s.AppID)}, []int64{second.GetID(), first.GetID()}},
		{"all by name", "sha1", github.ListCheckRunsOptions{Filter: github.String("all"), CheckName: github.String("tiergate")}, []int64{second.GetID(), first.GetID(), otherApp}},
		{"other name", "sha1", github.ListCheckRunsOptions{CheckName: github.String("lint")}, nil},
		{"other sha", "sha2", github.ListCheckRunsOptions{}, []int64{second.GetID() + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _, err := c.Checks.ListCheckRunsForRef(ctx, owner, name, tt.ref, &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, r := range res.CheckRuns {
				got = append(got, r.GetID())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || res.GetTotal() != len(tt.want) {
				t.Errorf("ListCheckRunsForRef(%s) = %v (total %d), want %v", tt.ref, got, res.GetTotal(), tt.want)
			}
		})
	}

	_, resp, err := c.Checks.UpdateCheckRun(ctx, owner, name, otherApp, github.UpdateCheckRunOptions{Name: "tiergate", Conclusion: github.String("failure")})
	if err == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("UpdateCheckRun(another app's run) = %v, want 403", err)
	}
}

func TestComments(t *testing.T) {
	s := seeded(t)
	s.AddPullRequest(owner, name, PullRequest{Number: 3, HeadSHA: "abc"})
	human := s.AddComment(owner, name, 3, "alice", "looks risky")
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()
	mine, _, err := c.Issues.CreateComment(ctx, owner, name, 3, &github.IssueComment{Body: github.String("<!-- tiergate -->\nverdict v1")})
	if err != nil {
		t.Fatalf("CreateComment() error = %v", err)
	}
	if _, _, err := c.Issues.EditComment(ctx, owner, name, mine.GetID(), &github.IssueComment{Body: github.String("<!-- tiergate -->\nverdict v2")}); err != nil {
		t.Fatalf("EditComment() error = %v", err)
	}
	want := []Comment{
		{ID: human, User: "alice", Body: "looks risky"},
		{ID: mine.GetID(), User: "tiergate-test[bot]", Body: "<!-- tiergate -->\nverdict v2"},
	}
	if diff := cmp.Diff(want, s.Comments(owner, name, 3)); diff != "" {
		t.Errorf("Comments() mismatch (-want +got):\n%s", diff)
	}
	for i := range 3 {
		s.AddComment(owner, name, 3, "bob", strings.Repeat("+1", i+1))
	}
	// Five comments, two per page: page 2 holds bob's first two.
	list, resp, err := c.Issues.ListComments(ctx, owner, name, 3, &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 2, Page: 2}})
	if err != nil || len(list) != 2 || list[0].GetBody() != "+1" || resp.PrevPage != 1 || resp.NextPage != 3 || resp.LastPage != 3 {
		t.Fatalf("ListComments(page 2) = %d comments, prev %d, next %d, last %d, %v; want 2 starting with bob's \"+1\", prev 1, next 3, last 3",
			len(list), resp.PrevPage, resp.NextPage, resp.LastPage, err)
	}
	if list[0].GetUser().GetType() != "User" || mine.GetUser().GetType() != "Bot" {
		t.Errorf("comment user types = %s, %s, want User, Bot", list[0].GetUser().GetType(), mine.GetUser().GetType())
	}
	if _, resp, err := c.Issues.CreateComment(ctx, owner, name, 99, &github.IssueComment{Body: github.String("x")}); err == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("CreateComment(#99, no such issue) = %v, want 404", err)
	}
}

func TestPermissionsAndTeams(t *testing.T) {
	s := seeded(t)
	for user, role := range map[string]string{"ann": "admin", "max": "maintain", "wes": "write", "tri": "triage", "rea": "read", "non": "none"} {
		s.SetPermission(owner, name, user, role)
	}
	s.AddTeamMember(owner, "platform", "Wes")
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()

	perms := []struct {
		user, want string
		status     int
	}{
		{"ann", "admin", 200}, {"max", "write", 200}, {"wes", "write", 200}, {"tri", "read", 200},
		{"rea", "read", 200}, {"non", "none", 200}, {"stranger", "", 404},
	}
	for _, tt := range perms {
		t.Run("permission/"+tt.user, func(t *testing.T) {
			got, resp, err := c.Repositories.GetPermissionLevel(ctx, owner, name, tt.user)
			if resp == nil || resp.StatusCode != tt.status || got.GetPermission() != tt.want {
				t.Errorf("GetPermissionLevel(%s) = %q (%v), want %q, status %d", tt.user, got.GetPermission(), err, tt.want, tt.status)
			}
		})
	}

	members := []struct {
		org, team, user string
		status          int
	}{
		{owner, "platform", "wes", 200},
		{owner, "platform", "ann", 404},
		{owner, "security", "wes", 404},
		{"elsewhere", "platform", "wes", 404}, // not the installation's org
	}
	for _, tt := range members {
		t.Run("membership/"+tt.org+"/"+tt.team+"/"+tt.user, func(t *testing.T) {
			m, resp, err := c.Teams.GetTeamMembershipBySlug(ctx, tt.org, tt.team, tt.user)
			if resp == nil || resp.StatusCode != tt.status {
				t.Fatalf("GetTeamMembershipBySlug() = %v, want status %d", err, tt.status)
			}
			if tt.status == 200 && (m.GetState() != "active" || m.GetRole() != "member") {
				t.Errorf("GetTeamMembershipBySlug() = %s/%s, want active/member", m.GetState(), m.GetRole())
			}
		})
	}
	users, _, err := c.Teams.ListTeamMembersBySlug(ctx, owner, "platform", nil)
	if err != nil || len(users) != 1 || users[0].GetLogin() != "Wes" {
		t.Errorf("ListTeamMembersBySlug() = %v, %v, want [Wes]", users, err)
	}
}

func TestFaults(t *testing.T) {
	s := seeded(t)
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()

	s.FailNext("GET", "/repos/{owner}/{repo}", 2, http.StatusBadGateway)
	for i := range 2 {
		if _, resp, err := c.Repositories.Get(ctx, owner, name); err == nil || resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("Repositories.Get() try %d = %v, want 502", i+1, err)
		}
	}
	if _, _, err := c.Repositories.Get(ctx, owner, name); err != nil {
		t.Fatalf("Repositories.Get() after the faults = %v, want success", err)
	}

	s.RateLimitNext("", "/repos/"+owner+"/*", 2*time.Second)
	_, _, err := c.Repositories.Get(ctx, owner, name)
	var abuse *github.AbuseRateLimitError
	if !errors.As(err, &abuse) || abuse.RetryAfter == nil || *abuse.RetryAfter != 2*time.Second {
		t.Fatalf("Repositories.Get() under a secondary rate limit = %#v, want *github.AbuseRateLimitError with RetryAfter 2s", err)
	}

	// A fresh client: go-github now refuses requests itself until Retry-After.
	c2 := client(t, s, inst, s.PrivateKeyPEM)
	s.PrimaryRateLimitNext(http.MethodGet, "/repos/{owner}/{repo}", time.Minute)
	_, _, err = c2.Repositories.Get(ctx, owner, name)
	var primary *github.RateLimitError
	if !errors.As(err, &primary) || primary.Rate.Remaining != 0 || time.Until(primary.Rate.Reset.Time) < 30*time.Second {
		t.Fatalf("Repositories.Get() under the primary rate limit = %#v, want *github.RateLimitError resetting in about a minute", err)
	}
}

func TestViolations(t *testing.T) {
	var rec *recordingTB
	t.Run("recorded", func(t *testing.T) {
		rec = &recordingTB{TB: t}
		s := New(rec)
		s.AddRepo(owner, name, "main")
		s.AddInstallation(inst, owner, name)
		c := client(t, s, inst, s.PrivateKeyPEM)
		ctx := context.Background()

		bad := []struct {
			name string
			opts github.CreateCheckRunOptions
		}{
			{"conclusion not in GitHub's enum", github.CreateCheckRunOptions{Name: "tiergate", HeadSHA: "sha1", Conclusion: github.String("green")}},
			{"completed without conclusion", github.CreateCheckRunOptions{Name: "tiergate", HeadSHA: "sha1", Status: github.String("completed")}},
			{"summary over 65535 characters", github.CreateCheckRunOptions{Name: "tiergate", HeadSHA: "sha1", Conclusion: github.String("success"),
				Output: &github.CheckRunOutput{Title: github.String("t"), Summary: github.String(strings.Repeat("x", 65536))}}},
		}
		for _, tt := range bad {
			if _, resp, err := c.Checks.CreateCheckRun(ctx, owner, name, tt.opts); err == nil || resp.StatusCode != http.StatusBadRequest {
				t.Errorf("CreateCheckRun(%s) = %v, want 400", tt.name, err)
			}
		}
		req, _ := c.NewRequest(http.MethodGet, "repos/"+owner+"/"+name+"/no-such-thing", nil)
		if resp, err := c.Do(ctx, req, nil); err == nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET an undocumented path = %v, want 404", err)
		}
		wantMsgs := []string{
			`Error at "/conclusion": value is not one of the allowed values`,
			`property "conclusion" is missing`,
			`Error at "/output/summary": maximum string length is 65535`,
			`path not in GitHub's API description`,
		}
		got := s.Violations()
		if len(got) != len(wantMsgs) {
			t.Fatalf("Violations() = %q, want %d", got, len(wantMsgs))
		}
		for i, want := range wantMsgs {
			if !strings.Contains(got[i], want) {
				t.Errorf("Violations()[%d] = %q, want it to say %q", i, got[i], want)
			}
		}
		if runs := s.CheckRuns(owner, name); len(runs) != 0 {
			t.Errorf("CheckRuns() after invalid requests = %v, want none stored", runs)
		}
	})
	// The subtest's cleanup has run: every violation was reported.
	if got := rec.failures(); got != 4 {
		t.Errorf("violations reported to the test at cleanup = %d, want 4", got)
	}
}

func TestDelayNext(t *testing.T) {
	s := seeded(t)
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()
	if _, _, err := c.Repositories.Get(ctx, owner, name); err != nil { // token exchange, undelayed
		t.Fatal(err)
	}

	s.DelayNext(http.MethodGet, "/repos/{owner}/{repo}", 1, 300*time.Millisecond)
	start := time.Now()
	if _, _, err := c.Repositories.Get(ctx, owner, name); err != nil {
		t.Fatalf("Repositories.Get() held = %v, want success after the delay", err)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Errorf("held request answered after %v, want at least 300ms", waited)
	}
	if held := s.DelayedRequests(); len(held) != 1 || held[0].Path != "/repos/"+owner+"/"+name {
		t.Errorf("DelayedRequests() = %+v, want the one GET", held)
	}
	start = time.Now()
	if _, _, err := c.Repositories.Get(ctx, owner, name); err != nil || time.Since(start) > 200*time.Millisecond {
		t.Errorf("Repositories.Get() after the fault = %v in %v, want a prompt success", err, time.Since(start))
	}

	// A client that gives up is let go at once.
	s.DelayNext("", "/repos/{owner}/{repo}", 1, time.Minute)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, _, err := c.Repositories.Get(short, owner, name); err == nil {
		t.Error("Repositories.Get() with a 100ms deadline under a 1m delay succeeded, want a timeout")
	}
	// The fake sees the client go away shortly after the client gives up.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		reqs := s.Requests()
		if last := reqs[len(reqs)-1]; len(reqs) == 5 && !last.At.IsZero() && last.Status == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("requests = %+v, want the abandoned one recorded with an arrival time and status 0", reqs)
		}
	}
}

// TestOutageAndCheckRunWrites: during an outage every request answers 502
// and changes nothing; afterwards writes land again, and CheckRunWrites
// lists each state in order.
func TestOutageAndCheckRunWrites(t *testing.T) {
	s := seeded(t)
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()
	first, _, err := c.Checks.CreateCheckRun(ctx, owner, name, github.CreateCheckRunOptions{
		Name: "tiergate", HeadSHA: "sha1", Status: github.String("completed"), Conclusion: github.String("success"),
	})
	if err != nil {
		t.Fatalf("CreateCheckRun() error = %v", err)
	}

	s.SetOutage(true)
	_, resp, err := c.Checks.UpdateCheckRun(ctx, owner, name, first.GetID(), github.UpdateCheckRunOptions{
		Name: "tiergate", Conclusion: github.String("failure"),
	})
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("UpdateCheckRun during the outage = %v, %v; want a 502 error", resp, err)
	}
	if _, resp, err := c.Repositories.Get(ctx, owner, name); err == nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("Repositories.Get during the outage = %v; want a 502 error", err)
	}

	s.SetOutage(false)
	if _, _, err := c.Checks.UpdateCheckRun(ctx, owner, name, first.GetID(), github.UpdateCheckRunOptions{
		Name: "tiergate", Conclusion: github.String("failure"), Output: &github.CheckRunOutput{Title: github.String("late"), Summary: github.String("s")},
	}); err != nil {
		t.Fatalf("UpdateCheckRun after the outage: %v", err)
	}
	want := []CheckRun{
		{ID: first.GetID(), AppID: s.AppID, Name: "tiergate", HeadSHA: "sha1", Status: "completed", Conclusion: "success"},
		{ID: first.GetID(), AppID: s.AppID, Name: "tiergate", HeadSHA: "sha1", Status: "completed", Conclusion: "failure", Title: "late", Summary: "s"},
	}
	if diff := cmp.Diff(want, s.CheckRunWrites(owner, name)); diff != "" {
		t.Errorf("CheckRunWrites() mismatch (-want +got):\n%s", diff)
	}
}
