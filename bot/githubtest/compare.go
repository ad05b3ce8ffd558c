package githubtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// diffMediaType is the Accept value that asks the compare API for the diff
// as text, and the Content-Type GitHub answers it with.
const diffMediaType = "application/vnd.github.diff"

// wantsDiff says accept asks for the diff: application/vnd.github.diff, or
// the older spelling with the API version, application/vnd.github.v3.diff,
// which go-github sends and GitHub still takes.
func wantsDiff(accept string) bool {
	for _, mt := range strings.Split(accept, ",") {
		mt, _, _ = strings.Cut(strings.TrimSpace(mt), ";")
		if mt == diffMediaType || mt == "application/vnd.github.v3.diff" {
			return true
		}
	}
	return false
}

// compareAnswer is what the compare endpoint answers for one base...head.
type compareAnswer struct {
	diff   []byte
	status int // 0: 200 with diff
}

// SetCompareDiff registers the diff the compare API answers for
// base...head, both commit SHAs as the bot names them (the pull request's
// base.sha and one of its commits). Produce it with git, as GitHub does:
// the diff from the merge base of the two to head (internal/gittest's
// Repo.Change), so that tests compare real diffs. An unregistered pair
// answers 404, as GitHub does for a commit it does not know.
func (s *Server) SetCompareDiff(owner, name, base, head string, diff []byte) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepo(owner, name).compares[base+"..."+head] = compareAnswer{diff: slices.Clone(diff)}
}

// SetCompareStatus makes base...head answer status with GitHub's error
// body, e.g. 406 or 422 for a diff too large to show.
func (s *Server) SetCompareStatus(owner, name, base, head string, status int) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustRepo(owner, name).compares[base+"..."+head] = compareAnswer{status: status}
}

// handleCompare answers GET /repos/{owner}/{repo}/compare/{basehead} in its
// diff form, the only form the bot asks for: asking for the JSON form is a
// violation, so a test notices the bot changed what it reads.
func (s *Server) handleCompare(w http.ResponseWriter, r *http.Request) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return
	}
	if !wantsDiff(r.Header.Get("Accept")) {
		s.violations = append(s.violations, fmt.Sprintf("%s %s: githubtest serves the compare API only as a diff (Accept: %s)",
			r.Method, r.URL.RequestURI(), diffMediaType))
		writeError(w, http.StatusNotImplemented, "not implemented by githubtest")
		return
	}
	base, head, ok := strings.Cut(r.PathValue("basehead"), "...")
	a, known := rp.compares[base+"..."+head]
	switch {
	case !ok || !known:
		writeError(w, http.StatusNotFound, "Not Found")
	case a.status != 0:
		writeError(w, a.status, "Sorry, this diff is unavailable.")
	default:
		w.Header().Set("Content-Type", diffMediaType+"; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(a.diff)
	}
}
