package replicatest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/bot/githubtest"
)

// The repository and pull request GitHub's example payloads describe.
const (
	owner     = "Codertocat"
	repo      = "Hello-World"
	prNumber  = 2
	headSHA   = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	baseRef   = "master"
	author    = "Codertocat"
	secret    = "replicatest webhook secret"
	checkName = "tiergate"
	marker    = "<!-- tiergate -->"
	skipTests = "tiergate/skip-tests"
)

// workKey is the PostgreSQL queue's key of a pull request's evaluation.
func workKey(number int) string {
	return strings.ToLower(owner+"/"+repo) + fmt.Sprintf("#%d", number)
}

// seed records the repository, the installation, the people and their
// roles (carol may apply overrides), and pull request #2 at headSHA. Its
// changed files are up to each test.
func seed(gh *githubtest.Server) {
	gh.AddRepo(owner, repo, baseRef)
	gh.AddRepo(owner, ".github", "main")
	gh.AddInstallation(1, owner, repo, ".github")
	for user, role := range map[string]string{"alice": "write", "carol": "maintain", author: "admin"} {
		gh.SetPermission(owner, repo, user, role)
	}
	addPR(gh, prNumber, headSHA)
}

// addPR opens pull request number at sha by the author.
func addPR(gh *githubtest.Server, number int, sha string) {
	gh.AddPullRequest(owner, repo, githubtest.PullRequest{Number: number, Author: author, HeadSHA: sha, HeadRef: fmt.Sprintf("change-%d", number), BaseRef: baseRef})
}

// failingTests makes pull request number change source without a test,
// approved by alice: the feature tier fails on its missing test only.
func failingTests(gh *githubtest.Server, number int, sha string) {
	gh.SetChangedFiles(owner, repo, number, files("app/a.go"))
	gh.AddReview(owner, repo, number, approvalBy("alice", sha))
}

func approvalBy(user, sha string) githubtest.Review {
	return githubtest.Review{User: user, State: "APPROVED", CommitID: sha}
}

// deliveryView is an entry of the fake's delivery log.
type deliveryView = githubtest.Delivery

func files(paths ...string) []githubtest.File {
	var out []githubtest.File
	for _, p := range paths {
		out = append(out, githubtest.File{Filename: p, Status: "modified", Additions: 5, Deletions: 1})
	}
	return out
}

// prEvent is GitHub's example pull_request payload with the action, pull
// request number and head SHA given.
func prEvent(t *testing.T, action string, number int, sha string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(githubtest.LoadWebhook(t, "pull_request", "opened.payload.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["action"] = action
	m["number"] = number
	pr := m["pull_request"].(map[string]any)
	pr["number"] = number
	pr["head"].(map[string]any)["sha"] = sha
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checksOn returns tiergate's check runs on sha, oldest first.
func (c *cluster) checksOn(sha string) []githubtest.CheckRun {
	var out []githubtest.CheckRun
	for _, cr := range c.gh.CheckRuns(owner, repo) {
		if cr.HeadSHA == sha && cr.Name == checkName {
			out = append(out, cr)
		}
	}
	return out
}

// completed reports whether sha carries exactly one tiergate check run and
// it is completed.
func (c *cluster) completed(sha string) bool {
	runs := c.checksOn(sha)
	return len(runs) == 1 && runs[0].Status == "completed"
}

// comments returns tiergate's comments (those carrying its marker) on a
// pull request.
func (c *cluster) comments(number int) []githubtest.Comment {
	var out []githubtest.Comment
	for _, cm := range c.gh.Comments(owner, repo, number) {
		if strings.Contains(cm.Body, marker) {
			out = append(out, cm)
		}
	}
	return out
}

// count is how many requests the fake received for exactly method and path.
func (c *cluster) count(method, path string) int {
	n := 0
	for _, r := range c.gh.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// pullPath is the REST path of pull request number; one GET of it starts
// every evaluation.
func pullPath(number int) string {
	return fmt.Sprintf("/repos/%s/%s/pulls/%d", owner, repo, number)
}

// describe summarises what GitHub shows on a head and a pull request.
func (c *cluster) describe(number int, sha string) string {
	var runs []string
	for _, cr := range c.checksOn(sha) {
		runs = append(runs, fmt.Sprintf("#%d %s/%s %q", cr.ID, cr.Status, cr.Conclusion, cr.Title))
	}
	return fmt.Sprintf("check runs on %.7s: [%s]; %d tiergate comments", sha, strings.Join(runs, ", "), len(c.comments(number)))
}

// checkWrites counts the check run creations and updates the fake received.
func (c *cluster) checkWrites() int {
	n := 0
	for _, r := range c.gh.Requests() {
		if r.Method != "GET" && strings.Contains(r.Path, "/check-runs") {
			n++
		}
	}
	return n
}
