package bot

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot/queue"
)

// job is the job a Codertocat/Hello-World#2 event should produce.
func job(event, sha string) queue.Job {
	return queue.Job{InstallationID: 1, Owner: "Codertocat", Repo: "Hello-World", Number: 2, HeadSHA: sha, DeliveryID: "d-1", Event: event}
}

// checkRunFix makes GitHub's documentation example parse: its app
// timestamps ("2018-04-25 20:42:10") are not RFC 3339 as real deliveries are.
var checkRunFix = map[string]any{
	"check_run.app.created_at": "2018-04-25T20:42:10Z", "check_run.app.updated_at": "2018-04-25T20:42:10Z",
	"check_run.check_suite.app.created_at": "2018-04-25T20:42:10Z", "check_run.check_suite.app.updated_at": "2018-04-25T20:42:10Z",
}

func with(base map[string]any, extra map[string]any) map[string]any {
	m := maps.Clone(base)
	maps.Copy(m, extra)
	return m
}

// statusBody is a status event as GitHub documents it (there is no example
// payload to copy): ci-bot's build succeeded on the pull request's head.
var statusBody = []byte(`{"id":1,"sha":"` + headSHA + `","name":"Codertocat/Hello-World","target_url":"https://ci.example/1",
	"context":"ci/build","description":"","state":"success","commit":{"sha":"` + headSHA + `"},"branches":[{"name":"changes"}],
	"created_at":"2024-05-01T12:00:00Z","updated_at":"2024-05-01T12:00:00Z","sender":{"login":"ci-bot"},
	"repository":{"name":"Hello-World","owner":{"login":"Codertocat"}},"installation":{"id":1}}`)

// statusWithBranches is statusBody listing branches (JSON objects) as the
// branches containing its commit.
func statusWithBranches(branches string) []byte {
	return bytes.Replace(statusBody, []byte(`"branches":[{"name":"changes"}]`), []byte(`"branches":[`+branches+`]`), 1)
}

func TestWebhookRouting(t *testing.T) {
	mergeGroup := []byte(`{"action":"checks_requested","merge_group":{"head_sha":"abc123","head_ref":"refs/heads/gh-readonly-queue/main/pr-2-abc"},
		"repository":{"name":"Hello-World","owner":{"login":"Codertocat"}},"installation":{"id":7}}`)
	tests := []struct {
		name, event, file string
		edits             map[string]any
		body              []byte // instead of file
		ev                *fakeEvaluator
		wantStatus        int
		wantJobs          []queue.Job
		wantConfig        []queue.RepoRef
		wantMergeGroups   []string
	}{
		{name: "pull_request opened", event: "pull_request", file: "opened.payload.json",
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("pull_request.opened", headSHA)}},
		{name: "pull_request reopened", event: "pull_request", file: "reopened.payload.json",
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("pull_request.reopened", headSHA)}},
		{name: "pull_request synchronize", event: "pull_request", file: "synchronize.payload.json",
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("pull_request.synchronize", headSHA)}},
		{name: "pull_request labeled", event: "pull_request", file: "labeled.payload.json",
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("pull_request.labeled", headSHA)}},
		{name: "pull_request unlabeled", event: "pull_request", file: "unlabeled.payload.json",
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("pull_request.unlabeled", headSHA)}},
		{name: "pull_request ready_for_review", event: "pull_request", file: "ready_for_review.with-installation.payload.json",
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("pull_request.ready_for_review", headSHA)}},
		{name: "pull_request edited base", event: "pull_request", file: "opened.payload.json",
			edits:      map[string]any{"action": "edited", "changes": map[string]any{"base": map[string]any{"ref": map[string]any{"from": "dev"}}}},
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("pull_request.edited", headSHA)}},
		{name: "pull_request edited title only", event: "pull_request", file: "opened.payload.json",
			edits:      map[string]any{"action": "edited", "changes": map[string]any{"title": map[string]any{"from": "old"}}},
			wantStatus: http.StatusOK},
		{name: "pull_request closed ignored", event: "pull_request", file: "closed.payload.json", wantStatus: http.StatusOK},
		{name: "pull_request assigned ignored", event: "pull_request", file: "assigned.payload.json", wantStatus: http.StatusOK},
		{name: "pull_request without installation", event: "pull_request", file: "opened.payload.json",
			edits: map[string]any{"installation": nil}, wantStatus: http.StatusBadRequest},
		{name: "review submitted", event: "pull_request_review", file: "submitted.payload.json",
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("pull_request_review.submitted", headSHA)}},
		{name: "review dismissed", event: "pull_request_review", file: "submitted.payload.json", edits: map[string]any{"action": "dismissed"},
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("pull_request_review.dismissed", headSHA)}},
		{name: "recheck comment", event: "issue_comment", file: "created.with-installation.payload.json",
			edits:      map[string]any{"comment.body": "  /tiergate recheck\n", "issue.pull_request": map[string]any{"url": "x"}},
			wantStatus: http.StatusAccepted,
			wantJobs: []queue.Job{{InstallationID: 1, Owner: "Codertocat", Repo: "Hello-World", Number: 1, DeliveryID: "d-1",
				Event: "issue_comment.created", RequireWriteFrom: "Codertocat"}}},
		{name: "recheck comment on an issue ignored", event: "issue_comment", file: "created.with-installation.payload.json",
			edits: map[string]any{"comment.body": "/tiergate recheck"}, wantStatus: http.StatusOK},
		{name: "other comment ignored", event: "issue_comment", file: "created.with-installation.payload.json",
			edits: map[string]any{"issue.pull_request": map[string]any{"url": "x"}}, wantStatus: http.StatusOK},
		{name: "check_suite rerequested with pull requests", event: "check_suite", file: "rerequested.payload.json",
			edits: map[string]any{"check_suite.app.id": testAppID}, wantStatus: http.StatusAccepted,
			wantJobs: []queue.Job{{InstallationID: 957387, Owner: "Codertocat", Repo: "Hello-World", Number: 2, HeadSHA: headSHA,
				DeliveryID: "d-1", Event: "check_suite.rerequested"}}},
		{name: "check_suite of another app ignored", event: "check_suite", file: "rerequested.payload.json", wantStatus: http.StatusOK},
		{name: "check_run rerequested without pull requests looks up the commit", event: "check_run", file: "rerequested.payload.json",
			edits: with(checkRunFix, map[string]any{"check_run.app.id": testAppID, "check_run.name": "tiergate"}),
			ev: &fakeEvaluator{forCommit: map[string][]queue.Job{"d6fde92930d4715a2b49857d24b940956b26d2d3": {
				{Owner: "Codertocat", Repo: "Hello-World", Number: 9, HeadSHA: "d6fde92930d4715a2b49857d24b940956b26d2d3"}}}},
			wantStatus: http.StatusAccepted,
			wantJobs: []queue.Job{{InstallationID: 1, Owner: "Codertocat", Repo: "Hello-World", Number: 9,
				HeadSHA: "d6fde92930d4715a2b49857d24b940956b26d2d3", DeliveryID: "d-1", Event: "check_run.rerequested"}}},
		{name: "check_run of another name ignored", event: "check_run", file: "rerequested.payload.json",
			edits: with(checkRunFix, map[string]any{"check_run.app.id": testAppID}), wantStatus: http.StatusOK},
		{name: "another App's check run completed re-evaluates its pull requests", event: "check_run", file: "completed.payload.json",
			edits: map[string]any{"installation": map[string]any{"id": 1}}, wantStatus: http.StatusAccepted,
			wantJobs: []queue.Job{job("check_run.completed", headSHA)}},
		{name: "another App's check run created re-evaluates too (a re-run)", event: "check_run", file: "created.payload.json",
			edits: map[string]any{"installation": map[string]any{"id": 1}}, wantStatus: http.StatusAccepted,
			wantJobs: []queue.Job{job("check_run.created", headSHA)}},
		{name: "tiergate's own check run completed ignored", event: "check_run", file: "completed.payload.json",
			edits: map[string]any{"installation": map[string]any{"id": 1}, "check_run.app.id": testAppID}, wantStatus: http.StatusOK},
		{name: "check run on a fork's commit looks the commit up", event: "check_run", file: "completed.payload.json",
			edits:      map[string]any{"installation": map[string]any{"id": 1}, "check_run.pull_requests": []any{}},
			ev:         &fakeEvaluator{forCommit: map[string][]queue.Job{headSHA: {{Owner: "Codertocat", Repo: "Hello-World", Number: 7, HeadSHA: headSHA}}}},
			wantStatus: http.StatusAccepted,
			wantJobs: []queue.Job{{InstallationID: 1, Owner: "Codertocat", Repo: "Hello-World", Number: 7, HeadSHA: headSHA,
				DeliveryID: "d-1", Event: "check_run.completed"}}},
		{name: "check run on a merge queue commit completes the merge group", event: "check_run", file: "completed.payload.json",
			edits: map[string]any{"installation": map[string]any{"id": 1}, "check_run.pull_requests": []any{},
				"check_run.check_suite.head_branch": "gh-readonly-queue/master/pr-2-" + headSHA},
			wantStatus: http.StatusAccepted, wantMergeGroups: []string{"1 Codertocat/Hello-World@" + headSHA + " #2"}},
		{name: "check_run requested_action ignored", event: "check_run", file: "requested_action.payload.json", wantStatus: http.StatusOK},
		{name: "another App's check suite completed re-evaluates", event: "check_suite", file: "completed.payload.json",
			edits: map[string]any{"installation": map[string]any{"id": 1}}, wantStatus: http.StatusAccepted,
			wantJobs: []queue.Job{job("check_suite.completed", headSHA)}},
		{name: "tiergate's own check suite completed ignored", event: "check_suite", file: "completed.payload.json",
			edits: map[string]any{"installation": map[string]any{"id": 1}, "check_suite.app.id": testAppID}, wantStatus: http.StatusOK},
		{name: "status re-evaluates the pull requests of its commit", event: "status", body: statusBody,
			ev:         &fakeEvaluator{forCommit: map[string][]queue.Job{headSHA: {{Owner: "Codertocat", Repo: "Hello-World", Number: 2, HeadSHA: headSHA}}}},
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("status.changed", headSHA)}},
		{name: "status on a head that a merge queue branch only contains re-evaluates its pull request", event: "status",
			body: statusWithBranches(`{"name":"changes","commit":{"sha":"` + headSHA + `"}},` +
				`{"name":"gh-readonly-queue/master/pr-7-` + headSHA + `","commit":{"sha":"8888888888888888888888888888888888888888"}}`),
			ev:         &fakeEvaluator{forCommit: map[string][]queue.Job{headSHA: {{Owner: "Codertocat", Repo: "Hello-World", Number: 2, HeadSHA: headSHA}}}},
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("status.changed", headSHA)}},
		{name: "status on a merge queue branch's head completes the merge group and still looks the commit up", event: "status",
			body:       statusWithBranches(`{"name":"gh-readonly-queue/master/pr-7-` + headSHA + `","commit":{"sha":"` + headSHA + `"}}`),
			ev:         &fakeEvaluator{forCommit: map[string][]queue.Job{headSHA: {{Owner: "Codertocat", Repo: "Hello-World", Number: 2, HeadSHA: headSHA}}}},
			wantStatus: http.StatusAccepted, wantJobs: []queue.Job{job("status.changed", headSHA)},
			wantMergeGroups: []string{"1 Codertocat/Hello-World@" + headSHA + " #7"}},
		{name: "status without a commit", event: "status", body: []byte(`{"state":"success","repository":{"name":"Hello-World","owner":{"login":"Codertocat"}},"installation":{"id":1}}`),
			wantStatus: http.StatusBadRequest},
		{name: "push changing repo config", event: "push", file: "with-new-branch.payload.json",
			edits: map[string]any{"commits": []any{map[string]any{"id": "1", "added": []any{}, "removed": []any{}, "modified": []any{"README.md", ".github/tiergate.yml"}}}},
			ev: &fakeEvaluator{openPRs: map[string][]queue.Job{"Codertocat/Hello-World": {
				{Owner: "Codertocat", Repo: "Hello-World", Number: 3, HeadSHA: "s3"},
				{Owner: "Codertocat", Repo: "Hello-World", Number: 4, HeadSHA: "s4"}}}},
			wantStatus: http.StatusAccepted,
			// Dropped on receipt and again when the fan-out starts.
			wantConfig: []queue.RepoRef{{Owner: "Codertocat", Name: "Hello-World"}, {Owner: "Codertocat", Name: "Hello-World"}},
			wantJobs: []queue.Job{
				{InstallationID: 1, Owner: "Codertocat", Repo: "Hello-World", Number: 3, HeadSHA: "s3", DeliveryID: "d-1", Event: "push.config"},
				{InstallationID: 1, Owner: "Codertocat", Repo: "Hello-World", Number: 4, HeadSHA: "s4", DeliveryID: "d-1", Event: "push.config"}}},
		{name: "push of 20 commits may hide a config change", event: "push", file: "with-new-branch.payload.json",
			edits: map[string]any{"commits": func() []any {
				var cs []any
				for i := range 20 {
					cs = append(cs, map[string]any{"id": fmt.Sprint(i), "modified": []any{"README.md"}})
				}
				return cs
			}()},
			ev:         &fakeEvaluator{openPRs: map[string][]queue.Job{"Codertocat/Hello-World": nil}},
			wantStatus: http.StatusAccepted,
			wantConfig: []queue.RepoRef{{Owner: "Codertocat", Name: "Hello-World"}, {Owner: "Codertocat", Name: "Hello-World"}}},
		{name: "push to org config repo re-evaluates every repo", event: "push", file: "with-new-branch.payload.json",
			edits: map[string]any{"repository.name": ".github",
				"commits": []any{map[string]any{"id": "1", "removed": []any{".github/tiergate.yml"}}}},
			ev: &fakeEvaluator{repos: []queue.RepoRef{{Owner: "Codertocat", Name: "a"}, {Owner: "Codertocat", Name: "b"}}, openPRs: map[string][]queue.Job{
				"Codertocat/a": {{Owner: "Codertocat", Repo: "a", Number: 1}},
				"Codertocat/b": {{Owner: "Codertocat", Repo: "b", Number: 2, InstallationID: 1}}}},
			wantStatus: http.StatusAccepted,
			wantConfig: []queue.RepoRef{{Owner: "Codertocat", Name: ".github"}, {Owner: "Codertocat", Name: ".github"}},
			wantJobs: []queue.Job{
				{InstallationID: 1, Owner: "Codertocat", Repo: "a", Number: 1, DeliveryID: "d-1", Event: "push.config"},
				{InstallationID: 1, Owner: "Codertocat", Repo: "b", Number: 2, DeliveryID: "d-1", Event: "push.config"}}},
		{name: "push not touching config ignored", event: "push", file: "with-new-branch.payload.json", wantStatus: http.StatusOK},
		{name: "push of a tag ignored", event: "push", file: "with-installation.payload.json", wantStatus: http.StatusOK},
		{name: "push to another branch ignored", event: "push", file: "with-new-branch.payload.json",
			edits:      map[string]any{"ref": "refs/heads/feature", "commits": []any{map[string]any{"id": "1", "added": []any{".github/tiergate.yml"}}}},
			wantStatus: http.StatusOK},
		{name: "merge group completes the check", event: "merge_group", body: mergeGroup,
			wantStatus: http.StatusAccepted, wantMergeGroups: []string{"7 Codertocat/Hello-World@abc123 #2"}},
		{name: "ping", event: "ping", file: "payload.json", wantStatus: http.StatusOK},
		{name: "installation logged", event: "installation", file: "created.payload.json", wantStatus: http.StatusOK},
		{name: "installation_repositories logged", event: "installation_repositories", file: "added.payload.json", wantStatus: http.StatusOK},
		{name: "unknown event ignored", event: "label", file: "../issue_comment/created.payload.json", wantStatus: http.StatusOK},
		{name: "unparseable known event", event: "pull_request", body: []byte(`{"action": 5}`), wantStatus: http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := tc.ev
			if ev == nil {
				ev = &fakeEvaluator{}
			}
			ts := startServer(t, ev, queue.Options{}, nil)
			body := tc.body
			if body == nil {
				body = payload(t, tc.event, tc.file, tc.edits)
			}
			status, msg := ts.post(t, tc.event, "d-1", body)
			if status != tc.wantStatus {
				t.Fatalf("POST %s = %d %q, want %d", tc.event, status, msg, tc.wantStatus)
			}
			ts.waitIdle(t)
			got, rep, cfg, mg := ev.calls()
			slices.SortFunc(got, func(a, b queue.Job) int { return cmp.Compare(a.Key(), b.Key()) })
			if diff := gocmp.Diff(tc.wantJobs, got); diff != "" {
				t.Errorf("evaluated jobs (-want +got):\n%s", diff)
			}
			if diff := gocmp.Diff(tc.wantConfig, cfg); diff != "" {
				t.Errorf("ConfigChanged calls (-want +got):\n%s", diff)
			}
			if diff := gocmp.Diff(tc.wantMergeGroups, mg); diff != "" {
				t.Errorf("CompleteMergeGroup calls (-want +got):\n%s", diff)
			}
			if len(rep) != 0 {
				t.Errorf("ReportFailure calls = %v, want none", rep)
			}
		})
	}
}
