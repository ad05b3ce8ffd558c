package ghclient

import (
	"net/http"
	"strconv"
	"strings"
)

// endpointTemplates are the REST paths tiergate calls, written as GitHub's
// docs write them. "{path}" at the end matches the rest of the path.
var endpointTemplates = [...]string{
	"/app/installations/{installation_id}/access_tokens",
	"/installation/repositories",
	"/orgs/{org}/teams/{team_slug}/memberships/{username}",
	"/repos/{owner}/{repo}",
	"/repos/{owner}/{repo}/pulls",
	"/repos/{owner}/{repo}/pulls/{pull_number}",
	"/repos/{owner}/{repo}/pulls/{pull_number}/files",
	"/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
	"/repos/{owner}/{repo}/issues/{issue_number}/events",
	"/repos/{owner}/{repo}/issues/{issue_number}/comments",
	"/repos/{owner}/{repo}/issues/comments/{comment_id}",
	"/repos/{owner}/{repo}/collaborators/{username}/permission",
	"/repos/{owner}/{repo}/contents/{path}",
	"/repos/{owner}/{repo}/commits/{ref}/check-runs",
	"/repos/{owner}/{repo}/commits/{commit_sha}/pulls",
	"/repos/{owner}/{repo}/check-runs",
	"/repos/{owner}/{repo}/check-runs/{check_run_id}",
}

// endpointTemplate names a request by its method and documented path
// template, e.g. "GET /repos/{owner}/{repo}/pulls/{pull_number}/files", so
// that metrics have one series per endpoint, not per repository. prefix is
// the API base path ("/" or "/api/v3/"). Unknown paths become "other".
func endpointTemplate(method, path, prefix string) string {
	rest := strings.TrimPrefix(path, strings.TrimSuffix(prefix, "/"))
	segs := strings.Split(strings.Trim(rest, "/"), "/")
	for _, tmpl := range endpointTemplates {
		if matchTemplate(strings.Split(strings.Trim(tmpl, "/"), "/"), segs) {
			return method + " " + tmpl
		}
	}
	return method + " other"
}

func matchTemplate(tmpl, segs []string) bool {
	for i, t := range tmpl {
		if t == "{path}" && i == len(tmpl)-1 {
			return len(segs) > i
		}
		if i >= len(segs) || segs[i] == "" {
			return false
		}
		if !strings.HasPrefix(t, "{") && t != segs[i] {
			return false
		}
	}
	return len(segs) == len(tmpl)
}

// instrumentedTransport counts every attempt by endpoint and status and
// tracks the rate-limit budget GitHub reports.
type instrumentedTransport struct {
	next    http.RoundTripper
	prefix  string
	metrics *Metrics
}

func newInstrumentedTransport(next http.RoundTripper, prefix string, m *Metrics) http.RoundTripper {
	if m == nil {
		return next
	}
	return &instrumentedTransport{next: next, prefix: prefix, metrics: m}
}

func (t *instrumentedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
		if s := resp.Header.Get("X-RateLimit-Remaining"); s != "" {
			if n, perr := strconv.Atoi(s); perr == nil {
				t.metrics.RateLimitRemaining.Set(float64(n))
			}
		}
	}
	t.metrics.Requests.WithLabelValues(endpointTemplate(req.Method, req.URL.Path, t.prefix), status).Inc()
	return resp, err
}
