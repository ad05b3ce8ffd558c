// Package ghclient is tiergate's GitHub client: clients authenticated as the
// App and as each installation, retries and rate-limit waits, endpoint
// metrics, conditional (revalidated) reads and pagination.
package ghclient

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/google/go-github/v60/github"
)

// requestTimeout bounds one attempt of one REST call. It is applied per
// attempt by the retry transport, not to the whole call, so that sitting out a
// rate limit does not count against it.
const requestTimeout = 30 * time.Second

// Clients hands out GitHub clients: one authenticated as the App (JWT) and one
// per installation (installation token, cached and refreshed by
// ghinstallation before it expires). It is safe for concurrent use.
type Clients struct {
	apiURL string // REST base URL with a trailing slash
	apps   *ghinstallation.AppsTransport
	app    *github.Client

	mu      sync.Mutex
	byInstl map[int64]*github.Client
}

// Options configure Clients. Every field but Transport is required;
// Metrics may be nil in tests.
type Options struct {
	AppID      int64
	PrivateKey []byte            // PEM
	APIURL     string            // REST base URL, e.g. "https://api.github.com/" or "http://127.0.0.1:1234/api/v3/"
	Transport  http.RoundTripper // base transport; nil = http.DefaultTransport
	Metrics    *Metrics
	Retry      RetryPolicy
}

// New builds the transport stack
//
//	ghinstallation (auth) → retryTransport → instrumentedTransport → base
//
// so that token requests are retried and counted like any other call. It
// makes no request.
func New(o Options) (*Clients, error) {
	apiURL, base := o.APIURL, o.Transport
	u, err := url.Parse(apiURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("API URL %q is not an absolute URL", RedactURL(apiURL))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	// Credentials in the URL are never used (requests carry the App's
	// tokens) and go-github quotes request URLs in its errors, which reach
	// logs and the failing check run's summary: drop them.
	u.User = nil
	apiURL = u.String()
	if base == nil {
		base = http.DefaultTransport
	}
	inner := newRetryTransport(newInstrumentedTransport(base, u.Path, o.Metrics), o.Retry, o.Metrics, u.Path)
	apps, err := ghinstallation.NewAppsTransport(inner, o.AppID, o.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("load GitHub App private key: %w", err)
	}
	// ghinstallation builds token URLs as BaseURL + "/app/...".
	apps.BaseURL = strings.TrimSuffix(apiURL, "/")
	app, err := newGitHubClient(&http.Client{Transport: apps}, apiURL)
	if err != nil {
		return nil, err
	}
	return &Clients{apiURL: apiURL, apps: apps, app: app, byInstl: map[int64]*github.Client{}}, nil
}

// App returns the client authenticated as the App (JWT).
func (c *Clients) App() *github.Client { return c.app }

// Installation returns the cached client for an installation, creating it
// on first use.
func (c *Clients) Installation(installationID int64) (*github.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gh, ok := c.byInstl[installationID]; ok {
		return gh, nil
	}
	tr := ghinstallation.NewFromAppsTransport(c.apps, installationID)
	tr.BaseURL = c.apps.BaseURL
	gh, err := newGitHubClient(&http.Client{Transport: tr}, c.apiURL)
	if err != nil {
		return nil, err
	}
	c.byInstl[installationID] = gh
	return gh, nil
}

// newGitHubClient points go-github at github.com or, for any other URL, at a
// GitHub Enterprise Server (which is also how tests reach the fake).
func newGitHubClient(hc *http.Client, apiURL string) (*github.Client, error) {
	if apiURL == "https://api.github.com/" {
		return github.NewClient(hc), nil
	}
	gh, err := github.NewClient(hc).WithEnterpriseURLs(apiURL, apiURL)
	if err != nil {
		return nil, fmt.Errorf("GitHub API URL %q: %w", apiURL, err)
	}
	return gh, nil
}

// ForgetOn401 drops an installation's client when GitHub rejected its token
// (revoked, or the App's key rotated), so the next job mints a new one
// instead of failing until the cached token would have expired.
func (c *Clients) ForgetOn401(installationID int64, err error) {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnauthorized {
		c.mu.Lock()
		delete(c.byInstl, installationID)
		c.mu.Unlock()
	}
}

// AppThrough returns a client authenticated as the App whose requests go
// first through the transport wrap builds around the App's own.
func (c *Clients) AppThrough(wrap func(http.RoundTripper) http.RoundTripper) (*github.Client, error) {
	return newGitHubClient(&http.Client{Transport: wrap(c.app.Client().Transport)}, c.apiURL)
}

// InstallationThrough returns a client authenticated as the installation
// whose requests go first through the transport wrap builds around the
// installation's own. It shares the installation's token.
func (c *Clients) InstallationThrough(installationID int64, wrap func(http.RoundTripper) http.RoundTripper) (*github.Client, error) {
	gh, err := c.Installation(installationID)
	if err != nil {
		return nil, err
	}
	return newGitHubClient(&http.Client{Transport: wrap(gh.Client().Transport)}, c.apiURL)
}
