// Package fakeorg is the organisation the evaluation tests run against: a
// fake GitHub holding acme/widgets and the org config repository
// acme/.github, both in one installation, and the pull requests those tests
// share.
package fakeorg

import (
	"strings"
	"testing"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/queue"
)

// The organisation, its repository and installation, and the head commit
// of its pull requests.
const (
	Owner        = "acme"
	Repo         = "widgets"
	Installation = int64(7)
	Head         = "1111111111111111111111111111111111111111"
	Base         = "9999999999999999999999999999999999999999" // the pull requests' base.sha
	ConfigPath   = ".github/tiergate.yml"
)

// New starts a fake GitHub holding the organisation, without pull requests.
func New(t testing.TB) *githubtest.Server {
	t.Helper()
	fake := githubtest.New(t)
	fake.AddRepo(Owner, Repo, "main")
	fake.AddRepo(Owner, ".github", "main")
	fake.AddInstallation(Installation, Owner, Repo, ".github")
	return fake
}

// Job is the evaluation of pull request number of acme/widgets.
func Job(number int) queue.Job {
	return queue.Job{InstallationID: Installation, Owner: Owner, Repo: Repo, Number: number}
}

// TypicalPR seeds PR #1 by alice: a Go change with its test, approved by
// bob on the head and commented on by carol; both have write access. Under
// the built-in defaults it is feature tier and passes.
func TypicalPR(fake *githubtest.Server) {
	fake.AddPullRequest(Owner, Repo, githubtest.PullRequest{Number: 1, Author: "alice", HeadSHA: Head, BaseSHA: Base})
	fake.SetChangedFiles(Owner, Repo, 1, []githubtest.File{
		{Filename: "svc/handler.go", Additions: 10, Deletions: 2},
		{Filename: "svc/handler_test.go", Additions: 20},
	})
	fake.AddReview(Owner, Repo, 1, githubtest.Review{User: "bob", State: "APPROVED", CommitID: Head})
	fake.AddReview(Owner, Repo, 1, githubtest.Review{User: "carol", State: "COMMENTED", CommitID: Head})
	fake.SetPermission(Owner, Repo, "bob", "write")
	fake.SetPermission(Owner, Repo, "carol", "write")
}

// RequestsMatching counts the requests fake recorded whose
// "METHOD template" starts with prefix.
func RequestsMatching(fake *githubtest.Server, prefix string) int {
	n := 0
	for _, r := range fake.Requests() {
		if strings.HasPrefix(r.Method+" "+r.Template, prefix) {
			n++
		}
	}
	return n
}
