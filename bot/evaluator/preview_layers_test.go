package evaluator

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/bot/githubtest"
)

// TestPreviewUnresolvableConfig: the proposed repository file parses on
// its own but cannot be combined with the layers below it (a new critical
// path with no paths); once merged, every pull request of the repository
// fails. The config pull request fails its proposed_config gate, naming
// file:line:col, before it can be merged.
func TestPreviewUnresolvableConfig(t *testing.T) {
	f := newEvFixture(t)
	seedOpenPR(f.fake, evOwner, evRepo, 1, "One approval", "bob")
	head := seedConfigPR(f.fake, evOwner, evRepo, 10, "version: 1\ncritical_paths:\n  - name: billing\n    min_tier: platform\n")
	f.fake.SetPermission(evOwner, evRepo, "dave", "write")
	f.fake.AddReview(evOwner, evRepo, 10, githubtest.Review{User: "dave", State: "APPROVED", CommitID: head})
	f.evaluate(t, evJob(10))
	run := summaryOn(t, f.fake, evOwner, evRepo, head)
	if run.Conclusion != "failure" || !strings.Contains(run.Summary, "`proposed_config`") {
		t.Errorf("config PR whose file cannot be resolved concluded %s, want failure with the proposed_config gate:\n%s", run.Conclusion, run.Summary)
	}
	for _, want := range []string{
		"❌ **The proposed file is broken**: it is valid alone but cannot be combined with the current org config",
		"- `acme/widgets:.github/tiergate.yml:3:",
	} {
		if !strings.Contains(run.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, run.Summary)
		}
	}
	if strings.Contains(run.Summary, "The proposed file is valid") {
		t.Errorf("the preview calls a file that cannot be resolved valid:\n%s", run.Summary)
	}

	// What merging it does: the base now has the file, and PR #1 fails.
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte("version: 1\ncritical_paths:\n  - name: billing\n    min_tier: platform\n"))
	f.ev.ConfigChanged(evOwner, evRepo)
	f.evaluate(t, evJob(1))
	if cr := summaryOn(t, f.fake, evOwner, evRepo, fmt.Sprintf("%040d", 1)); cr.Conclusion != "failure" {
		t.Fatalf("after the merge PR #1 = %s; the scenario expects a broken config", cr.Conclusion)
	}
}

// TestPreviewErrorNamesNoPrivateRepo: an org-file preview in the (public)
// org config repository. Listing a private repository's open pull requests
// fails (GitHub 502s, or the repository went away mid-run): the preview
// counts the failure, judges the rest, and never quotes the error, which
// names the private repository and its API URL.
func TestPreviewErrorNamesNoPrivateRepo(t *testing.T) {
	f := newEvFixture(t)
	f.fake.AddRepo(evOwner, "secret-merger-target", "main")
	f.fake.SetPrivate(evOwner, "secret-merger-target", true)
	f.fake.AddInstallation(evInst, evOwner, evRepo, "secret-merger-target", ".github")
	seedOpenPR(f.fake, evOwner, evRepo, 1, "Public, one approval", "bob")
	seedOpenPR(f.fake, evOwner, "secret-merger-target", 1, "Secret", "bob")
	head := seedConfigPR(f.fake, evOwner, ".github", 1, raiseFeature)
	f.fake.FailNext("GET", "/repos/acme/secret-merger-target/pulls", 20, 502)
	orgJob := evJob(1)
	orgJob.Repo = ".github"
	f.evaluate(t, orgJob)
	run := summaryOn(t, f.fake, evOwner, ".github", head)
	for _, want := range []string{
		"**Impact on open pull requests:** 1 judged with the proposed config and compared with their current verdict: 1 would change, 0 unchanged.",
		"The open pull requests of 1 repositories could not be listed, not judged. ",
	} {
		if !strings.Contains(run.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, run.Summary)
		}
	}
	if strings.Contains(run.Summary, "secret-merger-target") || strings.Contains(run.Summary, "/api/v3/") {
		t.Errorf("the public org config repository's check run names a private repository:\n%s", run.Summary)
	}
	for _, c := range f.fake.Comments(evOwner, ".github", 1) {
		if strings.Contains(c.Body, "secret-merger-target") {
			t.Errorf("the public PR's comment names a private repository")
		}
	}
}

// TestPreviewListingBounded: an org-file preview in an installation of 600
// repositories with no open pull request lists at most MaxPreviewRepos
// repositories' open pull requests, and says the rest were not checked.
func TestPreviewListingBounded(t *testing.T) {
	f := newEvFixture(t)
	repos := []string{evRepo, ".github"}
	for i := 0; i < 600; i++ {
		name := fmt.Sprintf("svc-%03d", i)
		f.fake.AddRepo(evOwner, name, "main")
		repos = append(repos, name)
	}
	f.fake.AddInstallation(evInst, evOwner, repos...)
	head := seedConfigPR(f.fake, evOwner, ".github", 1, raiseFeature)
	orgJob := evJob(1)
	orgJob.Repo = ".github"
	f.fake.ResetRequests()
	f.evaluate(t, orgJob)
	run := summaryOn(t, f.fake, evOwner, ".github", head)
	n := 0
	for _, l := range f.requestLines() {
		if l == "GET /repos/{owner}/{repo}/pulls" {
			n++
		}
	}
	if n != MaxPreviewRepos {
		t.Errorf("one preview listed open pull requests %d times, want %d", n, MaxPreviewRepos)
	}
	if want := "Only 100 of the 602 repositories were checked for open pull requests"; !strings.Contains(run.Summary, want) {
		t.Errorf("summary lacks %q:\n%s", want, run.Summary)
	}
}

// TestPreviewReadsCI: feature requires CI check "build"; open PR #1's
// build failed, so tiergate's check on it fails. A config PR that changes
// nothing for feature (it only renames the experiment label) changes no
// verdict: the preview reads CI as an evaluation does, rather than leaving
// the checks gate pending and comparing that as a pass.
func TestPreviewReadsCI(t *testing.T) {
	f := newEvFixture(t)
	const cfg = "version: 1\ntiers:\n  feature:\n    require: {checks: [build]}\n"
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(cfg))
	seedOpenPR(f.fake, evOwner, evRepo, 1, "Red build", "bob")
	f.fake.AddCheckRun(evOwner, evRepo, githubtest.CheckRun{AppID: 15368, AppSlug: "github-actions", Name: "build",
		HeadSHA: fmt.Sprintf("%040d", 1), Status: "completed", Conclusion: "failure"})
	f.evaluate(t, evJob(1))
	if cr := summaryOn(t, f.fake, evOwner, evRepo, fmt.Sprintf("%040d", 1)); cr.Conclusion != "failure" {
		t.Fatalf("PR #1 = %s %q, want failure on its red build", cr.Conclusion, cr.Title)
	}
	seedConfigPR(f.fake, evOwner, evRepo, 10, cfg+"  experiment:\n    labels: [\"tier/exp\"]\n")
	_ = f.ev.Evaluate(context.Background(), evJob(10), nil) // the config PR waits for its own build
	run := summaryOn(t, f.fake, evOwner, evRepo, fmt.Sprintf("c%039d", 10))
	if flips := flipsIn(run.Summary); len(flips) != 0 {
		t.Errorf("a change that does not touch feature lists flips %v:\n%s", flips, run.Summary)
	}
	if want := "1 judged with the proposed config and compared with their current verdict: 0 would change, 1 unchanged."; !strings.Contains(run.Summary, want) {
		t.Errorf("summary lacks %q:\n%s", want, run.Summary)
	}
}
