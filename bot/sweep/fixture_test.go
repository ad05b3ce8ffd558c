package sweep

import (
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/evaluator"
	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/queue"
)

const (
	evOwner = "acme"
	evRepo  = "widgets"
	evInst  = int64(7)
	evHead  = "1111111111111111111111111111111111111111"
)

// evFixture is a fake GitHub holding acme/widgets and the org config repo
// acme/.github, both in installation evInst, with clients and an Evaluator
// on it.
type evFixture struct {
	fake    *githubtest.Server
	clients *ghclient.Clients
	ev      *evaluator.Evaluator
}

func newEvFixture(t *testing.T) *evFixture {
	t.Helper()
	fake := githubtest.New(t)
	fake.AddRepo(evOwner, evRepo, "main")
	fake.AddRepo(evOwner, ".github", "main")
	fake.AddInstallation(evInst, evOwner, evRepo, ".github")
	return newEvFixtureOn(t, fake)
}

func newEvFixtureOn(t *testing.T, fake *githubtest.Server) *evFixture {
	t.Helper()
	cl, err := ghclient.New(ghclient.Options{
		AppID: fake.AppID, PrivateKey: fake.PrivateKeyPEM, APIURL: fake.URL(),
		Retry: ghclient.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxWait: 2 * time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := evaluator.New(evaluator.Options{Clients: cl, AppID: fake.AppID, OrgConfigRepo: ".github",
		ConfigPath: ".github/tiergate.yml", CheckName: "tiergate", Metrics: evaluator.NewMetrics()})
	if err != nil {
		t.Fatal(err)
	}
	return &evFixture{fake: fake, clients: cl, ev: ev}
}

func evJob(number int) queue.Job {
	return queue.Job{InstallationID: evInst, Owner: evOwner, Repo: evRepo, Number: number}
}

// typicalPR seeds PR #1 by alice: a Go change with its test, approved by
// bob on the head and commented on by carol; both have write access. Under the built-in defaults it is
// feature tier and passes.
func (f *evFixture) typicalPR() {
	f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 1, Author: "alice", HeadSHA: evHead})
	f.fake.SetChangedFiles(evOwner, evRepo, 1, []githubtest.File{
		{Filename: "svc/handler.go", Additions: 10, Deletions: 2},
		{Filename: "svc/handler_test.go", Additions: 20},
	})
	f.fake.AddReview(evOwner, evRepo, 1, githubtest.Review{User: "bob", State: "APPROVED", CommitID: evHead})
	f.fake.AddReview(evOwner, evRepo, 1, githubtest.Review{User: "carol", State: "COMMENTED", CommitID: evHead})
	f.fake.SetPermission(evOwner, evRepo, "bob", "write")
	f.fake.SetPermission(evOwner, evRepo, "carol", "write")
}

// requestsMatching counts recorded requests whose "METHOD template" starts with prefix.
func (f *evFixture) requestsMatching(prefix string) int {
	n := 0
	for _, r := range f.fake.Requests() {
		if strings.HasPrefix(r.Method+" "+r.Template, prefix) {
			n++
		}
	}
	return n
}
