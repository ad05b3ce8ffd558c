package sweep

import (
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/evaluator"
	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/internal/fakeorg"
)

// evFixture is a fake GitHub holding the organisation of package fakeorg,
// with clients and an Evaluator on it.
type evFixture struct {
	fake    *githubtest.Server
	clients *ghclient.Clients
	ev      *evaluator.Evaluator
}

func newEvFixture(t *testing.T) *evFixture {
	t.Helper()
	return newEvFixtureOn(t, fakeorg.New(t))
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
		ConfigPath: fakeorg.ConfigPath, CheckName: "tiergate", Metrics: evaluator.NewMetrics()})
	if err != nil {
		t.Fatal(err)
	}
	return &evFixture{fake: fake, clients: cl, ev: ev}
}
