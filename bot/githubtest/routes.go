package githubtest

import (
	"net/http"
	"strings"
)

// routes maps each implemented operation to its handler. Handlers run with
// s.mu held, after the OpenAPI check, fault injection and authentication.
func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	handle := func(pattern string, h http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		m.HandleFunc(method+" "+apiPrefix+path, func(w http.ResponseWriter, r *http.Request) {
			if s.allowed(w, r) {
				h(w, r)
			}
		})
	}
	handle("GET /app", s.handleApp)
	handle("POST /app/installations/{installation_id}/access_tokens", s.handleAccessToken)
	handle("GET /app/installations", s.handleInstallations)
	handle("GET /installation/repositories", s.handleInstallationRepos)
	handle("GET /app/hook/deliveries", s.handleDeliveries)
	handle("GET /app/hook/deliveries/{delivery_id}", s.handleDelivery)
	handle("POST /app/hook/deliveries/{delivery_id}/attempts", s.handleRedeliver)
	handle("GET /repos/{owner}/{repo}", s.handleRepo)
	handle("GET /repos/{owner}/{repo}/installation", s.handleRepoInstallation)

	handle("GET /repos/{owner}/{repo}/pulls", s.handlePulls)
	handle("GET /repos/{owner}/{repo}/pulls/{pull_number}", s.handlePull)
	handle("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", s.handleFiles)
	handle("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", s.handleReviews)
	handle("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", s.handleCommitPulls)
	handle("GET /repos/{owner}/{repo}/compare/{basehead}", s.handleCompare)
	handle("GET /repos/{owner}/{repo}/issues/{issue_number}/events", s.handleEvents)
	handle("GET /repos/{owner}/{repo}/issues/{issue_number}/timeline", s.handleTimeline)
	handle("GET /repos/{owner}/{repo}/issues/{issue_number}/labels", s.handleLabels)

	handle("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", s.handleComments)
	handle("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", s.handleCreateComment)
	handle("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", s.handleUpdateComment)

	handle("GET /repos/{owner}/{repo}/contents/{path...}", s.handleContents)
	handle("GET /repos/{owner}/{repo}/collaborators/{username}/permission", s.handlePermission)
	handle("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", s.handleMembership)
	handle("GET /orgs/{org}/teams/{team_slug}/members", s.handleTeamMembers)

	handle("POST /repos/{owner}/{repo}/check-runs", s.handleCreateCheckRun)
	handle("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", s.handleCheckRun)
	handle("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", s.handleUpdateCheckRun)
	handle("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", s.handleListCheckRuns)
	handle("GET /repos/{owner}/{repo}/commits/{ref}/status", s.handleCombinedStatus)
	return m
}
