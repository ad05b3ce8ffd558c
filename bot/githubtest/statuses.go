package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"
)

// AddStatus records a commit status on st.SHA, as POST
// /repos/{owner}/{repo}/statuses/{sha} by st.Creator would, and returns its
// ID. A later status with the same context supersedes it in the combined
// status, as on GitHub.
func (s *Server) AddStatus(owner, name string, st Status) int64 {
	s.t.Helper()
	switch st.State {
	case "error", "failure", "pending", "success":
	default:
		s.t.Fatalf("githubtest: AddStatus: unknown state %q", st.State)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(owner, name)
	s.nextID++
	st.ID = s.nextID
	if st.CreatedAt.IsZero() {
		st.CreatedAt = s.now()
	}
	r.statuses = append(r.statuses, &st)
	return st.ID
}

func (s *Server) statusJSON(st *Status) *github.RepoStatus {
	at := &github.Timestamp{Time: st.CreatedAt}
	return &github.RepoStatus{
		ID:          github.Int64(st.ID),
		State:       github.String(st.State),
		Context:     github.String(st.Context),
		TargetURL:   github.String(st.TargetURL),
		Description: github.String(st.Description),
		Creator:     user(st.Creator, strings.HasSuffix(st.Creator, "[bot]")),
		CreatedAt:   at,
		UpdatedAt:   at,
	}
}

// handleCombinedStatus answers GET /repos/{owner}/{repo}/commits/{ref}/status
// for a commit SHA: the latest status of each context (paginated, 30 by
// default as on GitHub) and the combined state: failure if any is error or
// failure, else pending if any is pending or there is none, else success.
// It carries an ETag and answers 304 to a matching If-None-Match.
func (s *Server) handleCombinedStatus(w http.ResponseWriter, r *http.Request) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return
	}
	sha := r.PathValue("ref")
	var latest []*Status
	for _, st := range rp.statuses {
		if st.SHA != sha {
			continue
		}
		if i := slices.IndexFunc(latest, func(o *Status) bool { return o.Context == st.Context }); i >= 0 {
			latest[i] = st
			continue
		}
		latest = append(latest, st)
	}
	state := "success"
	if len(latest) == 0 {
		state = "pending"
	}
	out := make([]*github.RepoStatus, 0, len(latest))
	for _, st := range latest {
		switch {
		case st.State == "error" || st.State == "failure":
			state = "failure"
		case st.State == "pending" && state != "failure":
			state = "pending"
		}
		out = append(out, s.statusJSON(st))
	}
	total := len(out)
	s.writeJSONConditional(w, r, github.CombinedStatus{
		State: github.String(state), SHA: github.String(sha), TotalCount: &total, Statuses: page(w, r, out),
		Name: github.String(rp.owner + "/" + rp.name),
	})
}

// CheckRunEvent is the check_run webhook GitHub sends with action for a
// stored run: the run as the API shows it, its check suite (head branch
// from a pull request with that head, if any), and, as on GitHub, the open
// pull requests of the same repository whose head is the run's commit
// (pull requests from forks are never listed; edit the payload to model
// one). It is built on GitHub's example payload, so fields tiergate does
// not read keep realistic values.
func (s *Server) CheckRunEvent(owner, name string, id int64, action string) []byte {
	s.t.Helper()
	m := s.examplePayload("check_run", "completed.payload.json")
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepo(owner, name)
	idx := slices.IndexFunc(rp.checkRuns, func(cr *CheckRun) bool { return cr.ID == id })
	if idx < 0 {
		s.t.Fatalf("githubtest: CheckRunEvent: no check run %d on %s/%s", id, owner, name)
	}
	run := rp.checkRuns[idx]
	cr := toMap(s.t, s.checkRunJSON(rp, run))
	app := cr["app"].(map[string]any)
	app["name"] = app["slug"]
	prs, branch := s.prRefs(rp, run.HeadSHA)
	cr["pull_requests"] = prs
	suite := m["check_run"].(map[string]any)["check_suite"].(map[string]any)
	suite["head_sha"], suite["head_branch"], suite["app"], suite["pull_requests"] = run.HeadSHA, branch, app, prs
	cr["check_suite"] = suite
	m["action"], m["check_run"] = action, cr
	s.addContext(m, rp)
	return mustJSON(s.t, m)
}

// StatusEvent is the status webhook GitHub sends for a stored status.
// GitHub publishes no example payload for it; the fields are those its
// "Webhook events and payloads" documentation lists, with the sender being
// the status's creator and branches those of pull requests with that head.
func (s *Server) StatusEvent(owner, name string, id int64) []byte {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.mustRepo(owner, name)
	idx := slices.IndexFunc(rp.statuses, func(st *Status) bool { return st.ID == id })
	if idx < 0 {
		s.t.Fatalf("githubtest: StatusEvent: no status %d on %s/%s", id, owner, name)
	}
	st := rp.statuses[idx]
	_, branch := s.prRefs(rp, st.SHA)
	branches := []any{}
	if branch != "" {
		branches = append(branches, map[string]any{"name": branch, "commit": map[string]any{"sha": st.SHA}, "protected": false})
	}
	at := st.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")
	m := map[string]any{
		"id": st.ID, "sha": st.SHA, "name": rp.owner + "/" + rp.name, "target_url": st.TargetURL, "context": st.Context,
		"description": st.Description, "state": st.State, "created_at": at, "updated_at": at,
		"commit":   map[string]any{"sha": st.SHA, "url": fmt.Sprintf("https://api.github.com/repos/%s/%s/commits/%s", rp.owner, rp.name, st.SHA)},
		"branches": branches,
		"sender":   toMap(s.t, user(st.Creator, strings.HasSuffix(st.Creator, "[bot]"))),
	}
	s.addContext(m, rp)
	return mustJSON(s.t, m)
}

// prRefs lists the open pull requests of rp whose head is sha, as a
// webhook's pull_requests, and the head branch of the first.
func (s *Server) prRefs(rp *repo, sha string) ([]any, string) {
	out, branch := []any{}, ""
	for _, p := range rp.sortedPulls() {
		if p.pr.HeadSHA != sha || p.pr.State != "open" {
			continue
		}
		if branch == "" {
			branch = p.pr.HeadRef
		}
		repoRef := map[string]any{"id": rp.id, "name": rp.name, "url": fmt.Sprintf("https://api.github.com/repos/%s/%s", rp.owner, rp.name)}
		out = append(out, map[string]any{
			"number": p.pr.Number, "id": rp.id*100000 + int64(p.pr.Number),
			"url":  fmt.Sprintf("https://api.github.com/repos/%s/%s/pulls/%d", rp.owner, rp.name, p.pr.Number),
			"head": map[string]any{"ref": p.pr.HeadRef, "sha": sha, "repo": repoRef},
			"base": map[string]any{"ref": p.pr.BaseRef, "sha": "", "repo": repoRef},
		})
	}
	return out, branch
}

// addContext sets the repository and the installation that covers it.
func (s *Server) addContext(m map[string]any, rp *repo) {
	m["repository"] = toMap(s.t, rp.json())
	k := key(rp.owner, rp.name)
	for _, inst := range s.sortedInstallations() {
		if slices.Contains(inst.repos, k) {
			m["installation"] = map[string]any{"id": inst.id, "node_id": fmt.Sprintf("MDIz%d", inst.id)}
			return
		}
	}
}

func (s *Server) examplePayload(event, file string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(LoadWebhook(s.t, event, file), &m); err != nil {
		s.t.Fatalf("githubtest: example payload %s/%s: %v", event, file, err)
	}
	return m
}

func toMap(t interface{ Fatalf(string, ...any) }, v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("githubtest: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("githubtest: %v", err)
	}
	return m
}

func mustJSON(t interface{ Fatalf(string, ...any) }, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("githubtest: %v", err)
	}
	return b
}
