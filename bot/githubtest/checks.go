package githubtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/go-github/v60/github"
)

// checkRunBody is the create/update request; the OpenAPI check has
// already validated it against GitHub's schema.
type checkRunBody struct {
	Name       *string    `json:"name"`
	HeadSHA    *string    `json:"head_sha"`
	StartedAt  *time.Time `json:"started_at"`
	DetailsURL *string    `json:"details_url"`
	ExternalID *string    `json:"external_id"`
	Status     *string    `json:"status"`
	Conclusion *string    `json:"conclusion"`
	Output     *struct {
		Title   *string `json:"title"`
		Summary *string `json:"summary"`
		Text    *string `json:"text"`
	} `json:"output"`
}

// apply merges the fields the body sets into run. A conclusion completes
// the run, as on GitHub.
func (b checkRunBody) apply(run *CheckRun) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&run.Name, b.Name)
	set(&run.HeadSHA, b.HeadSHA)
	set(&run.DetailsURL, b.DetailsURL)
	set(&run.ExternalID, b.ExternalID)
	set(&run.Status, b.Status)
	set(&run.Conclusion, b.Conclusion)
	if b.Output != nil {
		set(&run.Title, b.Output.Title)
		set(&run.Summary, b.Output.Summary)
		set(&run.Text, b.Output.Text)
	}
	if run.Conclusion != "" {
		run.Status = "completed"
	}
	run.Status = cmp.Or(run.Status, "queued")
}

func (s *Server) checkRunJSON(rp *repo, run *CheckRun) *github.CheckRun {
	out := &github.CheckRun{
		ID:         github.Int64(run.ID),
		Name:       github.String(run.Name),
		HeadSHA:    github.String(run.HeadSHA),
		Status:     github.String(run.Status),
		DetailsURL: github.String(run.DetailsURL),
		HTMLURL:    github.String(fmt.Sprintf("https://github.com/%s/%s/runs/%d", rp.owner, rp.name, run.ID)),
		ExternalID: github.String(run.ExternalID),
		App:        &github.App{ID: github.Int64(run.AppID)},
		Output: &github.CheckRunOutput{
			Title:   github.String(run.Title),
			Summary: github.String(run.Summary),
			Text:    github.String(run.Text),
		},
	}
	switch {
	case run.AppID == s.AppID:
		out.App.Slug = github.String(s.AppSlug)
	case run.AppSlug != "":
		out.App.Slug = github.String(run.AppSlug)
	}
	if run.Conclusion != "" {
		out.Conclusion = github.String(run.Conclusion)
	}
	if at, ok := s.checkStarted[run.ID]; ok {
		out.StartedAt = &github.Timestamp{Time: at}
	}
	if at, ok := s.checkCompleted[run.ID]; ok && run.Status == "completed" {
		out.CompletedAt = &github.Timestamp{Time: at}
	}
	return out
}

// completed stamps completed_at the first time a run is seen completed;
// s.mu is held.
func (s *Server) completed(run *CheckRun) {
	if run.Status != "completed" {
		delete(s.checkCompleted, run.ID)
		return
	}
	if s.checkCompleted == nil {
		s.checkCompleted = map[int64]time.Time{}
	}
	if _, ok := s.checkCompleted[run.ID]; !ok {
		s.checkCompleted[run.ID] = s.now()
	}
}

// started stamps a new check run's started_at with the fake's clock, as
// GitHub does on creation; s.mu is held.
func (s *Server) started(id int64) {
	if s.checkStarted == nil {
		s.checkStarted = map[int64]time.Time{}
	}
	s.checkStarted[id] = s.now()
}

func (s *Server) handleCreateCheckRun(w http.ResponseWriter, r *http.Request) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return
	}
	var b checkRunBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	s.nextID++
	run := &CheckRun{ID: s.nextID, AppID: s.AppID}
	b.apply(run)
	s.started(run.ID)
	if b.StartedAt != nil {
		s.checkStarted[run.ID] = b.StartedAt.UTC()
	}
	s.completed(run)
	rp.checkRuns = append(rp.checkRuns, run)
	rp.runWrites = append(rp.runWrites, *run)
	writeJSON(w, http.StatusCreated, s.checkRunJSON(rp, run))
}

// checkRunOf finds the check run named in the path or answers 404.
func (s *Server) checkRunOf(w http.ResponseWriter, r *http.Request) *CheckRun {
	rp := s.repoOf(w, r)
	if rp == nil {
		return nil
	}
	id, _ := strconv.ParseInt(r.PathValue("check_run_id"), 10, 64)
	for _, run := range rp.checkRuns {
		if run.ID == id {
			return run
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
	return nil
}

func (s *Server) handleCheckRun(w http.ResponseWriter, r *http.Request) {
	if run := s.checkRunOf(w, r); run != nil {
		writeJSON(w, http.StatusOK, s.checkRunJSON(s.repoOf(w, r), run))
	}
}

func (s *Server) handleUpdateCheckRun(w http.ResponseWriter, r *http.Request) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return
	}
	run := s.checkRunOf(w, r)
	if run == nil {
		return
	}
	if run.AppID != s.AppID {
		writeError(w, http.StatusForbidden, "Invalid app_id `"+strconv.FormatInt(s.AppID, 10)+"` - check run can only be modified by the GitHub App that created it.")
		return
	}
	var b checkRunBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	// GitHub does not reliably let a completed run go back to queued or in
	// progress; the fake refuses, so tiergate must create a new run (which
	// GitHub then shows) instead of reopening an old one.
	if run.Status == "completed" && b.Status != nil && *b.Status != "completed" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed: a completed check run cannot be set back to "+*b.Status)
		return
	}
	b.apply(run)
	s.completed(run)
	rp.runWrites = append(rp.runWrites, *run)
	writeJSON(w, http.StatusOK, s.checkRunJSON(rp, run))
}

// handleListCheckRuns lists the check runs on a commit SHA with GitHub's
// filters: check_name, status, app_id, and filter=latest (the default:
// only the newest run per name within each App's check suite, so two Apps'
// runs of one name are both listed) or all. It carries an ETag and answers
// 304 to a matching If-None-Match.
func (s *Server) handleListCheckRuns(w http.ResponseWriter, r *http.Request) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return
	}
	q := r.URL.Query()
	type suiteName struct {
		app  int64
		name string
	}
	latest := map[suiteName]int64{}
	for _, run := range rp.checkRuns {
		if run.HeadSHA == r.PathValue("ref") {
			k := suiteName{run.AppID, run.Name}
			latest[k] = max(latest[k], run.ID)
		}
	}
	var out []*github.CheckRun
	// Newest first, as GitHub lists them.
	for i := len(rp.checkRuns) - 1; i >= 0; i-- {
		run := rp.checkRuns[i]
		switch {
		case run.HeadSHA != r.PathValue("ref"):
		case q.Get("check_name") != "" && q.Get("check_name") != run.Name:
		case q.Get("status") != "" && q.Get("status") != run.Status:
		case q.Get("app_id") != "" && q.Get("app_id") != strconv.FormatInt(run.AppID, 10):
		case q.Get("filter") != "all" && latest[suiteName{run.AppID, run.Name}] != run.ID:
		default:
			out = append(out, s.checkRunJSON(rp, run))
		}
	}
	total := len(out)
	s.writeJSONConditional(w, r, github.ListCheckRunsResults{Total: &total, CheckRuns: page(w, r, out)})
}
