package evaluator

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/rules"
)

// gatherPR runs gather for PR number under the config YAML (built-in
// defaults when empty) and returns the snapshot and warnings.
func gatherPR(t *testing.T, f *evFixture, number int, configYAML string) (rules.PullRequest, []rules.Message) {
	t.Helper()
	if configYAML != "" {
		f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(configYAML))
	}
	ctx, gh := context.Background(), f.gh(t)
	cfg, _, err := f.ev.configs.load(ctx, gh, evOwner, evRepo, "main")
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	pr, _, err := gh.PullRequests.Get(ctx, evOwner, evRepo, number)
	if err != nil {
		t.Fatal(err)
	}
	f.fake.ResetRequests()
	snap, warnings, err := f.ev.gatherer.gather(ctx, gh, cfg, evOwner, evRepo, pr)
	if err != nil {
		t.Fatalf("gather = %v", err)
	}
	return snap, warnings
}

func manyFiles(n int) []githubtest.File {
	files := make([]githubtest.File, n)
	for i := range files {
		files[i] = githubtest.File{Filename: fmt.Sprintf("pkg/f%04d.go", i), Additions: 1}
	}
	return files
}

func TestGatherFiles(t *testing.T) {
	tests := []struct {
		name          string
		files         int
		wantListed    int
		wantPages     int
		wantTruncated bool
	}{
		{"one page", 2, 2, 1, false},
		{"three pages", 250, 250, 3, false},
		{"GitHub's 3000-file limit", 3001, 3000, 30, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 5, Author: "alice", HeadSHA: evHead})
			f.fake.SetChangedFiles(evOwner, evRepo, 5, manyFiles(tt.files))
			snap, _ := gatherPR(t, f, 5, "")
			if len(snap.Files) != tt.wantListed || snap.FilesTruncated != tt.wantTruncated {
				t.Errorf("gather = %d files, truncated %v; want %d, %v", len(snap.Files), snap.FilesTruncated, tt.wantListed, tt.wantTruncated)
			}
			if n := f.requestsMatching("GET /repos/{owner}/{repo}/pulls/{pull_number}/files"); n != tt.wantPages {
				t.Errorf("files pages requested = %d, want %d", n, tt.wantPages)
			}
			if snap.Additions != tt.files {
				t.Errorf("Additions = %d, want the PR's total %d", snap.Additions, tt.files)
			}
		})
	}
}

func TestGatherSnapshot(t *testing.T) {
	f := newEvFixture(t)
	f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 4, Author: "alice", HeadSHA: evHead, Draft: true})
	f.fake.SetChangedFiles(evOwner, evRepo, 4, []githubtest.File{
		{Filename: "new/name.go", PreviousFilename: "old/name.go", Status: "renamed", Additions: 1, Deletions: 1},
	})
	f.fake.AddReview(evOwner, evRepo, 4, githubtest.Review{User: "bob", State: "CHANGES_REQUESTED", CommitID: "0ld"})
	f.fake.AddReview(evOwner, evRepo, 4, githubtest.Review{User: "ci-bot[bot]", Bot: true, State: "APPROVED", CommitID: evHead})
	f.fake.AddReview(evOwner, evRepo, 4, githubtest.Review{User: "bob", State: "APPROVED", CommitID: evHead})
	f.fake.AddLabel(evOwner, evRepo, 4, "tier/platform", "alice")
	f.fake.SetPermission(evOwner, evRepo, "bob", "maintain")

	got, _ := gatherPR(t, f, 4, "")
	want := rules.PullRequest{
		Author: "alice", HeadSHA: evHead, Draft: true, Additions: 1, Deletions: 1, ChangedFiles: 1,
		Files:  []rules.ChangedFile{{Path: "new/name.go", PreviousPath: "old/name.go", Status: rules.FileRenamed, Additions: 1, Deletions: 1}},
		Labels: []rules.Label{{Name: "tier/platform"}}, // not an override label: who applied it is not looked up
		Reviews: []rules.Review{
			{User: "bob", State: rules.ReviewChangesRequested, CommitID: "0ld"},
			{User: "ci-bot[bot]", Bot: true, State: rules.ReviewApproved, CommitID: evHead},
			{User: "bob", State: rules.ReviewApproved, CommitID: evHead},
		},
		Permissions: map[string]rules.Permission{"bob": rules.PermissionMaintain},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gather (-want +got):\n%s", diff)
	}
	if n := f.requestsMatching("GET /repos/{owner}/{repo}/issues/{issue_number}/events"); n != 0 {
		t.Errorf("events listed %d times without an override label, want 0", n)
	}
}

func TestGatherOverrideApplier(t *testing.T) {
	f := newEvFixture(t)
	f.failingPR()
	// mallory applied it first; after removal, maya re-applied it: maya counts.
	f.fake.AddLabel(evOwner, evRepo, 2, "tiergate/skip-tests", "mallory")
	f.fake.RemoveLabel(evOwner, evRepo, 2, "tiergate/skip-tests", "alice")
	f.fake.AddLabel(evOwner, evRepo, 2, "tiergate/skip-tests", "maya")
	f.fake.AddLabel(evOwner, evRepo, 2, "tier/feature", "mallory")
	f.fake.SetPermission(evOwner, evRepo, "maya", "maintain")

	got, _ := gatherPR(t, f, 2, "")
	wantLabels := []rules.Label{{Name: "tiergate/skip-tests", AppliedBy: "maya"}, {Name: "tier/feature"}}
	if diff := cmp.Diff(wantLabels, got.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]rules.Permission{"maya": rules.PermissionMaintain}, got.Permissions); diff != "" {
		t.Errorf("permissions (-want +got):\n%s", diff)
	}
}

func TestGatherPermissionsOnlyWhenNeeded(t *testing.T) {
	const noApprovals = "version: 1\ntiers:\n  feature:\n    require: {approvals: 0}\n"
	tests := []struct {
		name        string
		config      string
		label       string
		wantLookups int
	}{
		// bob approved; carol only commented; alice (author) is never looked up.
		{"defaults need write from reviewers", "", "", 1},
		{"experiment tier needs no approvals", "", "tier/experiment", 0},
		{"no approvals required", noApprovals, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			f.typicalPR()
			f.fake.AddReview(evOwner, evRepo, 1, githubtest.Review{User: "alice", State: "APPROVED", CommitID: evHead})
			if tt.label != "" {
				f.fake.AddLabel(evOwner, evRepo, 1, tt.label, "alice")
			}
			gatherPR(t, f, 1, tt.config)
			if n := f.requestsMatching("GET /repos/{owner}/{repo}/collaborators/{username}/permission"); n != tt.wantLookups {
				t.Errorf("permission lookups = %d, want %d (%v)", n, tt.wantLookups, f.requestLines())
			}
		})
	}
}

func TestGatherTeams(t *testing.T) {
	const teamConfig = "version: 1\ncritical_paths:\n  - name: payments\n    paths: [\"payments/**\"]\n    teams: [\"payments-owners\"]\n"
	tests := []struct {
		name        string
		file        string
		wantTeams   map[string][]string
		wantLookups int
	}{
		{"touched: approvers checked", "payments/charge.go", map[string][]string{"payments-owners": {"erin"}}, 2},
		{"not touched: no lookups", "svc/other.go", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 6, Author: "alice", HeadSHA: evHead})
			f.fake.SetChangedFiles(evOwner, evRepo, 6, []githubtest.File{{Filename: tt.file}})
			for _, u := range []string{"bob", "erin"} {
				f.fake.AddReview(evOwner, evRepo, 6, githubtest.Review{User: u, State: "APPROVED", CommitID: evHead})
				f.fake.SetPermission(evOwner, evRepo, u, "write")
			}
			f.fake.AddReview(evOwner, evRepo, 6, githubtest.Review{User: "carol", State: "COMMENTED", CommitID: evHead})
			f.fake.AddTeamMember(evOwner, "payments-owners", "erin")
			f.fake.AddTeamMember(evOwner, "payments-owners", "carol")

			got, warnings := gatherPR(t, f, 6, teamConfig)
			if diff := cmp.Diff(tt.wantTeams, got.TeamMembers); diff != "" {
				t.Errorf("TeamMembers (-want +got):\n%s", diff)
			}
			if n := f.requestsMatching("GET /orgs/{org}/teams/{team_slug}/memberships/{username}"); n != tt.wantLookups {
				t.Errorf("membership lookups = %d, want %d", n, tt.wantLookups)
			}
			if len(warnings) != 0 {
				t.Errorf("warnings = %q, want none", warnings)
			}
		})
	}
}

// Without members:read GitHub answers 403: the team stays unknown (its gate
// fails closed) and the verdict says why.
func TestGatherTeamForbiddenFailsClosed(t *testing.T) {
	const teamConfig = "version: 1\ncritical_paths:\n  - name: payments\n    paths: [\"payments/**\"]\n    teams: [\"payments-owners\"]\n"
	f := newEvFixture(t)
	f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 6, Author: "alice", HeadSHA: evHead})
	f.fake.SetChangedFiles(evOwner, evRepo, 6, []githubtest.File{{Filename: "payments/charge.go"}, {Filename: "payments/charge_test.go"}})
	f.fake.AddReview(evOwner, evRepo, 6, githubtest.Review{User: "erin", State: "APPROVED", CommitID: evHead})
	f.fake.SetPermission(evOwner, evRepo, "erin", "write")
	f.fake.AddTeamMember(evOwner, "payments-owners", "erin")
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(teamConfig))
	f.fake.FailNext("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}", 1, 403)

	f.evaluate(t, queue.Job{InstallationID: evInst, Owner: evOwner, Repo: evRepo, Number: 6})
	runs := f.fake.CheckRuns(evOwner, evRepo)
	if len(runs) != 1 || runs[0].Conclusion != "failure" {
		t.Fatalf("check runs = %+v, want one failure", runs)
	}
	for _, want := range []string{"members:read", "could not be checked"} {
		if !containsText(runs[0].Summary, want) {
			t.Errorf("summary = %q, want it to mention %q", runs[0].Summary, want)
		}
	}
}

func TestSplitTeam(t *testing.T) {
	tests := []struct{ ref, org, slug string }{
		{"payments-owners", "acme", "payments-owners"},
		{"other/core", "other", "core"},
		{"@acme/core", "acme", "core"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			if org, slug := splitTeam(tt.ref, "acme"); org != tt.org || slug != tt.slug {
				t.Errorf("splitTeam(%q, acme) = %q, %q; want %q, %q", tt.ref, org, slug, tt.org, tt.slug)
			}
		})
	}
}

// TestGatherAsksWhatTheEngineReads: gather looks up exactly the people
// rules.Needed names. The copies of the rules bot used to keep disagreed
// with the engine on each of these.
func TestGatherAsksWhatTheEngineReads(t *testing.T) {
	tests := []struct {
		name    string
		seed    func(f *evFixture)
		want    []string // whose permission is looked up, in order
		wantBob string   // the approvals gate's status with these reviews
	}{
		{
			name: "a login ending in [bot] is a bot whatever its type says",
			seed: func(f *evFixture) {
				f.fake.AddReview(evOwner, evRepo, 8, githubtest.Review{User: "helper[bot]", State: "APPROVED", CommitID: evHead})
				f.fake.AddReview(evOwner, evRepo, 8, githubtest.Review{User: "bob", State: "APPROVED", CommitID: evHead})
			},
			want: []string{"bob"}, wantBob: "pass",
		},
		{
			name: "one reviewer in two cases is looked up once",
			seed: func(f *evFixture) {
				f.fake.AddReview(evOwner, evRepo, 8, githubtest.Review{User: "Bob", State: "APPROVED", CommitID: evHead})
				f.fake.AddReview(evOwner, evRepo, 8, githubtest.Review{User: "bob", State: "APPROVED", CommitID: evHead})
			},
			want: []string{"bob"}, wantBob: "pass",
		},
		{
			name: "a change request blocks where no approval is required",
			seed: func(f *evFixture) {
				f.fake.AddLabel(evOwner, evRepo, 8, "tier/experiment", "alice")
				f.fake.AddReview(evOwner, evRepo, 8, githubtest.Review{User: "bob", State: "CHANGES_REQUESTED", CommitID: evHead})
			},
			want: []string{"bob"}, wantBob: "fail",
		},
		{
			name: "a dismissed approval is nobody's decision",
			seed: func(f *evFixture) {
				id := f.fake.AddReview(evOwner, evRepo, 8, githubtest.Review{User: "bob", State: "APPROVED", CommitID: evHead})
				f.fake.DismissReview(evOwner, evRepo, 8, id)
			},
			want: nil, wantBob: "fail",
		},
		{
			name: "the author's own override label needs no permission",
			seed: func(f *evFixture) {
				f.fake.AddReview(evOwner, evRepo, 8, githubtest.Review{User: "bob", State: "APPROVED", CommitID: evHead})
				f.fake.AddLabel(evOwner, evRepo, 8, "tiergate/skip-tests", "alice")
			},
			want: []string{"bob"}, wantBob: "pass",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 8, Author: "alice", HeadSHA: evHead})
			f.fake.SetChangedFiles(evOwner, evRepo, 8, []githubtest.File{{Filename: "svc/a.go"}, {Filename: "svc/a_test.go"}})
			f.fake.SetPermission(evOwner, evRepo, "bob", "write")
			f.fake.SetPermission(evOwner, evRepo, "helper[bot]", "admin")
			f.fake.SetPermission(evOwner, evRepo, "alice", "admin")
			tt.seed(f)
			snap, _ := gatherPR(t, f, 8, "")
			var asked []string
			for _, r := range f.fake.Requests() {
				if r.Template == "/repos/{owner}/{repo}/collaborators/{username}/permission" {
					asked = append(asked, strings.TrimSuffix(r.Path[strings.Index(r.Path, "/collaborators/")+len("/collaborators/"):], "/permission"))
				}
			}
			if diff := cmp.Diff(tt.want, asked); diff != "" {
				t.Errorf("permissions looked up (-want +got):\n%s", diff)
			}
			cfg := rules.Default()
			for _, g := range rules.Evaluate(cfg, snap).Gates {
				if g.Name == rules.GateApprovals && g.Status.String() != tt.wantBob {
					t.Errorf("approvals gate = %s (%s), want %s", g.Status, g.Reason, tt.wantBob)
				}
			}
		})
	}
}
