package evaluator

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot/githubtest"
)

// raiseFeature is a config that raises feature approvals to 2.
const raiseFeature = "version: 1\ntiers:\n  feature:\n    require: {approvals: 2}\n"

// seedOpenPR adds an open feature pull request to owner/repo: a Go change
// with its test, approved by the given reviewers (all with write access).
func seedOpenPR(fake *githubtest.Server, owner, repo string, number int, title string, approvers ...string) {
	head := fmt.Sprintf("%040d", number)
	fake.AddPullRequest(owner, repo, githubtest.PullRequest{Number: number, Author: "alice", HeadSHA: head, Title: title})
	fake.SetChangedFiles(owner, repo, number, []githubtest.File{{Filename: "svc/a.go", Additions: 5}, {Filename: "svc/a_test.go", Additions: 5}})
	for _, u := range approvers {
		fake.SetPermission(owner, repo, u, "write")
		fake.AddReview(owner, repo, number, githubtest.Review{User: u, State: "APPROVED", CommitID: head})
	}
}

// seedConfigPR adds pull request number to owner/repo changing the config
// file to content on its head.
func seedConfigPR(fake *githubtest.Server, owner, repo string, number int, content string) string {
	head := fmt.Sprintf("c%039d", number)
	fake.AddPullRequest(owner, repo, githubtest.PullRequest{Number: number, Author: "alice", HeadSHA: head, Title: "Tighten tiergate"})
	fake.SetChangedFiles(owner, repo, number, []githubtest.File{{Filename: evCfgPath, Additions: 4}})
	fake.SetFile(owner, repo, head, evCfgPath, []byte(content))
	return head
}

// summaryOn is the summary of tiergate's check run on head.
func summaryOn(t *testing.T, fake *githubtest.Server, owner, repo, head string) githubtest.CheckRun {
	t.Helper()
	var found *githubtest.CheckRun
	for _, cr := range fake.CheckRuns(owner, repo) {
		if cr.HeadSHA == head {
			found = &cr
		}
	}
	if found == nil {
		t.Fatalf("no check run on %s/%s@%s", owner, repo, head)
	}
	return *found
}

// listings counts the requests that list a repository's pull requests.
func (f *evFixture) listings() int {
	n := 0
	for _, l := range f.requestLines() {
		if l == "GET /repos/{owner}/{repo}/pulls" {
			n++
		}
	}
	return n
}

var flipRow = regexp.MustCompile("(?m)^\\| `([^`]+)` \\| `[^`]*` \\| ([^|]+) \\| ([^|]+) \\|$")

// flipsIn lists the table rows of a preview as "repo#n: was -> now".
func flipsIn(summary string) []string {
	var out []string
	for _, m := range flipRow.FindAllStringSubmatch(summary, -1) {
		out = append(out, fmt.Sprintf("%s: %s -> %s", m[1], strings.TrimSpace(m[2]), strings.TrimSpace(m[3])))
	}
	slices.Sort(out)
	return out
}

// TestPreviewRepoConfig: a config pull request that raises feature
// approvals to 2 lists exactly the open pull requests that flip.
func TestPreviewRepoConfig(t *testing.T) {
	f := newEvFixture(t)
	seedOpenPR(f.fake, evOwner, evRepo, 1, "One approval", "bob")
	seedOpenPR(f.fake, evOwner, evRepo, 2, "No approval")
	seedOpenPR(f.fake, evOwner, evRepo, 3, "Two approvals", "bob", "carol")
	seedOpenPR(f.fake, evOwner, evRepo, 4, "Experiment, one approval", "bob")
	f.fake.AddLabel(evOwner, evRepo, 4, "tier/experiment", "alice")
	seedOpenPR(f.fake, evOwner, evRepo, 5, "One approval, already checked", "bob")
	f.evaluate(t, evJob(5)) // its current verdict is read from its check run
	head := seedConfigPR(f.fake, evOwner, evRepo, 10, raiseFeature)
	f.fake.SetPermission(evOwner, evRepo, "dave", "write")
	f.fake.AddReview(evOwner, evRepo, 10, githubtest.Review{User: "dave", State: "APPROVED", CommitID: head})

	f.fake.ResetRequests()
	f.evaluate(t, evJob(10))
	if n := f.listings(); n != 1 {
		t.Errorf("the preview listed open pull requests %d times, want 1", n)
	}
	run := summaryOn(t, f.fake, evOwner, evRepo, head)
	if run.Conclusion != "success" {
		t.Errorf("config PR concluded %s, want success: it is judged by the base config, which it passes", run.Conclusion)
	}
	for _, want := range []string{
		"### Config change preview",
		"This pull request changes the repository's config, `acme/widgets:.github/tiergate.yml`.",
		"✅ The proposed file is valid.",
		"**Impact on open pull requests:** 5 judged with the proposed config and compared with their current verdict: 2 would change, 3 unchanged.",
	} {
		if !strings.Contains(run.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, run.Summary)
		}
	}
	want := []string{"acme/widgets#1: feature · pass -> feature · fail", "acme/widgets#5: feature · pass -> feature · fail"}
	if diff := cmp.Diff(want, flipsIn(run.Summary)); diff != "" {
		t.Errorf("flips (-want +got):\n%s\n%s", diff, run.Summary)
	}
	if comments := f.fake.Comments(evOwner, evRepo, 10); len(comments) != 1 || !strings.Contains(comments[0].Body, "### Config change preview") {
		t.Errorf("comments on the config PR = %v, want one with the preview", comments)
	}

	// Evaluated again (an approval) with the file unchanged: the preview
	// is reused, not computed again.
	f.fake.ResetRequests()
	f.fake.AddReview(evOwner, evRepo, 10, githubtest.Review{User: "bob", State: "APPROVED", CommitID: head})
	f.fake.SetPermission(evOwner, evRepo, "bob", "write")
	f.evaluate(t, evJob(10))
	if n := f.listings(); n != 0 {
		t.Errorf("re-evaluation listed open pull requests %d times, want the preview reused", n)
	}
	if !strings.Contains(summaryOn(t, f.fake, evOwner, evRepo, head).Summary, "2 would change, 3 unchanged") {
		t.Error("the reused preview is gone from the check run")
	}
}

// TestPreviewBrokenConfig: a broken proposed config fails the config pull
// request's check, naming the line and column.
func TestPreviewBrokenConfig(t *testing.T) {
	f := newEvFixture(t)
	seedOpenPR(f.fake, evOwner, evRepo, 1, "One approval", "bob")
	head := seedConfigPR(f.fake, evOwner, evRepo, 10, "version: 1\ntiers:\n  feature:\n    require: {approvals: many}\n")
	f.evaluate(t, evJob(10))
	run := summaryOn(t, f.fake, evOwner, evRepo, head)
	if run.Conclusion != "failure" || !strings.Contains(run.Title, "failing") {
		t.Errorf("check = %s %q, want failure with a failing gate", run.Conclusion, run.Title)
	}
	for _, want := range []string{
		"`proposed_config`",
		"❌ **The proposed file is broken**, so this check fails until it is fixed:",
		"acme/widgets:.github/tiergate.yml:4:26: tiers.feature.require.approvals",
	} {
		if !strings.Contains(run.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, run.Summary)
		}
	}
	// Gating still uses the base config: the open pull request is not
	// touched, and its own evaluation is unaffected.
	f.evaluate(t, evJob(1))
	if cr := summaryOn(t, f.fake, evOwner, evRepo, fmt.Sprintf("%040d", 1)); cr.Conclusion != "success" {
		t.Errorf("open PR #1 = %s, want success under the base config", cr.Conclusion)
	}
}

// TestPreviewOrgConfig: an org-file change previews across the
// installation's repositories, within the bound, and shows only counts for
// a repository more private than the org config repository.
func TestPreviewOrgConfig(t *testing.T) {
	f := newEvFixture(t)
	f.fake.AddRepo(evOwner, "gadgets", "main")
	f.fake.SetPrivate(evOwner, "gadgets", true)
	f.fake.AddRepo(evOwner, "tools", "main")
	f.fake.AddInstallation(evInst, evOwner, evRepo, "gadgets", "tools", ".github")
	seedOpenPR(f.fake, evOwner, evRepo, 1, "Public, one approval", "bob")
	seedOpenPR(f.fake, evOwner, "gadgets", 1, "Secret project name", "bob")
	for i := 1; i <= 199; i++ { // unapproved: failing before and after
		seedOpenPR(f.fake, evOwner, "tools", i, fmt.Sprintf("Tool change %d", i))
	}
	head := seedConfigPR(f.fake, evOwner, ".github", 1, raiseFeature)
	orgJob := evJob(1)
	orgJob.Repo = ".github"
	f.evaluate(t, orgJob)
	run := summaryOn(t, f.fake, evOwner, ".github", head)
	for _, want := range []string{
		"This pull request changes the org-wide config, `acme/.github:.github/tiergate.yml`.",
		"**Impact on open pull requests:** 200 judged with the proposed config and compared with their current verdict: 2 would change, 198 unchanged.",
		"1 more would change in repositories more private than this one (counts only).",
		"More than 200 pull requests are open: only the first 200 were judged.",
	} {
		if !strings.Contains(run.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, run.Summary)
		}
	}
	if diff := cmp.Diff([]string{"acme/widgets#1: feature · pass -> feature · fail"}, flipsIn(run.Summary)); diff != "" {
		t.Errorf("flips (-want +got):\n%s", diff)
	}
	if strings.Contains(run.Summary, "Secret project") || strings.Contains(run.Summary, "gadgets") {
		t.Errorf("the preview names a private repository's pull request:\n%s", run.Summary)
	}
}
