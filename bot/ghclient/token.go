package ghclient

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"
)

// TokenOptions configure a client that authenticates with a token: a
// personal access token, or GitHub Actions' GITHUB_TOKEN. The command-line
// tools use it; the App uses Clients.
type TokenOptions struct {
	Token     string
	APIURL    string            // REST base URL, as in Options
	Transport http.RoundTripper // base transport; nil = http.DefaultTransport
	Metrics   *Metrics          // may be nil
	Retry     RetryPolicy
}

// NewTokenClient builds the same transport stack as New, with the token in
// place of the App's authentication:
//
//	token (auth) → retryTransport → instrumentedTransport → base
//
// It makes no request. The token goes in the Authorization header only,
// and never into an error.
func NewTokenClient(o TokenOptions) (*github.Client, error) {
	if strings.TrimSpace(o.Token) == "" {
		return nil, fmt.Errorf("a token is required")
	}
	u, err := url.Parse(o.APIURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("API URL %q is not an absolute URL", RedactURL(o.APIURL))
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.User = nil
	base := o.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	inner := newRetryTransport(newInstrumentedTransport(base, u.Path, o.Metrics), o.Retry, o.Metrics, u.Path)
	return newGitHubClient(&http.Client{Transport: &tokenTransport{token: strings.TrimSpace(o.Token), next: inner}}, u.String())
}

// tokenTransport adds the token to each request, on a copy: a RoundTripper
// must not change the caller's request.
type tokenTransport struct {
	token string
	next  http.RoundTripper
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}
