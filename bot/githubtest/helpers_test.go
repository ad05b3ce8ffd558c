package githubtest

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"
)

const (
	owner = "octo-org"
	name  = "widgets"
	inst  = int64(42)
)

// seeded returns a fake with installation 42 on octo-org/widgets.
func seeded(t testing.TB) *Server {
	t.Helper()
	s := New(t)
	s.AddRepo(owner, name, "main")
	s.AddInstallation(inst, owner, name)
	return s
}

// client is a real go-github client authenticated as the installation the
// way the bot will be: a ghinstallation transport pointed at the fake.
func client(t testing.TB, s *Server, installation int64, key []byte) *github.Client {
	t.Helper()
	itr, err := ghinstallation.New(http.DefaultTransport, s.AppID, installation, key)
	if err != nil {
		t.Fatalf("ghinstallation.New: %v", err)
	}
	itr.BaseURL = strings.TrimSuffix(s.URL(), "/")
	c, err := github.NewClient(&http.Client{Transport: itr}).WithEnterpriseURLs(s.URL(), s.URL())
	if err != nil {
		t.Fatalf("WithEnterpriseURLs: %v", err)
	}
	return c
}

// recordingTB stands in for a test so a test can check that the fake
// reports a failure without failing itself.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, format)
}

func (r *recordingTB) failures() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errors)
}

// newAppsClient authenticates as the App itself (JWT), for App endpoints.
func newAppsClient(s *Server) (*github.Client, error) {
	atr, err := ghinstallation.NewAppsTransport(http.DefaultTransport, s.AppID, s.PrivateKeyPEM)
	if err != nil {
		return nil, err
	}
	atr.BaseURL = strings.TrimSuffix(s.URL(), "/")
	return github.NewClient(&http.Client{Transport: atr}).WithEnterpriseURLs(s.URL(), s.URL())
}
