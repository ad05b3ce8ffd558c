package evaluator

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/internal/fakeorg"
	"github.com/tiergate/tiergate/bot/queue"
)

// Short names for the organisation of package fakeorg, used throughout
// this package's tests.
const (
	evOwner   = fakeorg.Owner
	evRepo    = fakeorg.Repo
	evInst    = fakeorg.Installation
	evHead    = fakeorg.Head
	evNewer   = "2222222222222222222222222222222222222222"
	evCfgPath = fakeorg.ConfigPath
)

// evFixture is an Evaluator pointed at a fake GitHub holding acme/widgets and
// the org config repo acme/.github, both in installation evInst.
type evFixture struct {
	fake *githubtest.Server
	ev   *Evaluator
	m    *Metrics
	gm   *ghclient.Metrics
}

func newEvFixture(t *testing.T) *evFixture {
	t.Helper()
	f := &evFixture{fake: fakeorg.New(t), m: NewMetrics(), gm: ghclient.NewMetrics()}
	f.ev = f.newEvaluator(t)
	return f
}

// newEvaluator builds a fresh Evaluator (empty caches) on the same fake, as
// after a restart.
func (f *evFixture) newEvaluator(t *testing.T) *Evaluator {
	t.Helper()
	ev, err := newTestEvaluator(f.fake, f.m, f.gm, 2*time.Second)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ev.progress = time.Hour // tests that want the in-progress write lower it
	return ev
}

// gh is an installation client of the evaluator under test.
func (f *evFixture) gh(t *testing.T) *github.Client {
	t.Helper()
	gh, err := f.ev.clients.Installation(evInst)
	if err != nil {
		t.Fatal(err)
	}
	return gh
}

func evJob(number int) queue.Job { return fakeorg.Job(number) }

// typicalPR seeds fakeorg.TypicalPR: PR #1, feature tier, passing.
func (f *evFixture) typicalPR() { fakeorg.TypicalPR(f.fake) }

// failingPR seeds PR #2 by alice: Go code without tests, no reviews.
func (f *evFixture) failingPR() {
	f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 2, Author: "alice", HeadSHA: evHead})
	f.fake.SetChangedFiles(evOwner, evRepo, 2, []githubtest.File{{Filename: "svc/handler.go", Additions: 10}})
}

func (f *evFixture) evaluate(t *testing.T, j queue.Job) {
	t.Helper()
	if err := f.ev.Evaluate(context.Background(), j, nil); err != nil {
		t.Fatalf("Evaluate(%s) = %v, want nil", j.Key(), err)
	}
}

// requestsMatching counts recorded requests whose "METHOD template" starts with prefix.
func (f *evFixture) requestsMatching(prefix string) int {
	return fakeorg.RequestsMatching(f.fake, prefix)
}

func (f *evFixture) requestLines() []string {
	var out []string
	for _, r := range f.fake.Requests() {
		out = append(out, r.Method+" "+r.Template)
	}
	return out
}

func containsText(s, sub string) bool { return strings.Contains(s, sub) }

// newTestEvaluator builds an Evaluator on fake with tiergate's defaults and
// quick retries that sit out rate limits up to maxWait.
func newTestEvaluator(fake *githubtest.Server, m *Metrics, gm *ghclient.Metrics, maxWait time.Duration) (*Evaluator, error) {
	cl, err := ghclient.New(ghclient.Options{
		AppID: fake.AppID, PrivateKey: fake.PrivateKeyPEM, APIURL: fake.URL(), Metrics: gm,
		Retry: ghclient.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxWait: maxWait},
	})
	if err != nil {
		return nil, err
	}
	return New(Options{Clients: cl, AppID: fake.AppID, OrgConfigRepo: ".github", ConfigPath: evCfgPath,
		CheckName: "tiergate", Metrics: m})
}
