package ghclient

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestEndpointTemplate(t *testing.T) {
	tests := []struct {
		name, method, path, prefix, want string
	}{
		{"files on GHES", "GET", "/api/v3/repos/acme/widgets/pulls/12/files", "/api/v3/", "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"},
		{"files on github.com", "GET", "/repos/acme/widgets/pulls/12/files", "/", "GET /repos/{owner}/{repo}/pulls/{pull_number}/files"},
		{"pull", "GET", "/repos/acme/widgets/pulls/12", "/", "GET /repos/{owner}/{repo}/pulls/{pull_number}"},
		{"pull list", "GET", "/repos/acme/widgets/pulls", "/", "GET /repos/{owner}/{repo}/pulls"},
		{"nested contents path", "GET", "/repos/acme/widgets/contents/.github/tiergate.yml", "/", "GET /repos/{owner}/{repo}/contents/{path}"},
		{"issue comments", "POST", "/repos/acme/widgets/issues/12/comments", "/", "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"},
		{"edit comment", "PATCH", "/repos/acme/widgets/issues/comments/99", "/", "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}"},
		{"issue events", "GET", "/repos/acme/widgets/issues/12/events", "/", "GET /repos/{owner}/{repo}/issues/{issue_number}/events"},
		{"check runs for ref", "GET", "/repos/acme/widgets/commits/abc123/check-runs", "/", "GET /repos/{owner}/{repo}/commits/{ref}/check-runs"},
		{"pulls for commit", "GET", "/repos/acme/widgets/commits/abc123/pulls", "/", "GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls"},
		{"update check run", "PATCH", "/repos/acme/widgets/check-runs/5", "/", "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"},
		{"permission", "GET", "/repos/acme/widgets/collaborators/octocat/permission", "/", "GET /repos/{owner}/{repo}/collaborators/{username}/permission"},
		{"team membership", "GET", "/orgs/acme/teams/core/memberships/octocat", "/", "GET /orgs/{org}/teams/{team_slug}/memberships/{username}"},
		{"token", "POST", "/api/v3/app/installations/42/access_tokens", "/api/v3/", "POST /app/installations/{installation_id}/access_tokens"},
		{"installation repos", "GET", "/installation/repositories", "/", "GET /installation/repositories"},
		{"unknown path", "GET", "/repos/acme/widgets/branches/main/protection", "/", "GET other"},
		{"empty segment is not a match", "GET", "/repos/acme//pulls/1", "/", "GET other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := endpointTemplate(tt.method, tt.path, tt.prefix); got != tt.want {
				t.Errorf("endpointTemplate(%q, %q, %q) = %q, want %q", tt.method, tt.path, tt.prefix, got, tt.want)
			}
		})
	}
}

func TestInstrumentedTransportCountsByTemplate(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "4321")
		_, _ = io.WriteString(w, "[]")
	}))
	defer ts.Close()
	m := NewMetrics()
	rt := newInstrumentedTransport(http.DefaultTransport, "/api/v3/", m)
	for _, n := range []string{"1", "2"} {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v3/repos/acme/widgets/pulls/"+n+"/files", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", "200")); got != 2 {
		t.Errorf("GitHubRequests{files,200} = %v, want 2", got)
	}
	if got := testutil.CollectAndCount(m.Requests); got != 1 {
		t.Errorf("GitHubRequests has %d series, want 1 (one per template, not per PR)", got)
	}
	if got := testutil.ToFloat64(m.RateLimitRemaining); got != 4321 {
		t.Errorf("RateLimitRemaining = %v, want 4321", got)
	}
}
