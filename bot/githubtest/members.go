package githubtest

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"
)

// permissionLevel is GitHub's answer for a collaborator's permission;
// go-github v60's RepositoryPermissionLevel lacks role_name.
type permissionLevel struct {
	Permission string       `json:"permission"`
	RoleName   string       `json:"role_name"`
	User       *github.User `json:"user"`
}

func (s *Server) handlePermission(w http.ResponseWriter, r *http.Request) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return
	}
	login := r.PathValue("username")
	role, ok := rp.roles[strings.ToLower(login)]
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if notModified(w, r, "permission", login, role) {
		return
	}
	// The legacy permission maps maintain to write and triage to read.
	perm := map[string]string{"maintain": "write", "triage": "read"}[role]
	writeJSON(w, http.StatusOK, permissionLevel{
		Permission: cmp.Or(perm, role),
		RoleName:   role,
		User:       user(login, false),
	})
}

func (s *Server) handleMembership(w http.ResponseWriter, r *http.Request) {
	k := key(r.PathValue("org"), r.PathValue("team_slug"))
	login, ok := s.teams[k][strings.ToLower(r.PathValue("username"))]
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if notModified(w, r, "membership", login, "active") {
		return
	}
	writeJSON(w, http.StatusOK, github.Membership{
		State: github.String("active"),
		Role:  github.String("member"),
		User:  user(login, false),
	})
}

func (s *Server) handleTeamMembers(w http.ResponseWriter, r *http.Request) {
	members, ok := s.teams[key(r.PathValue("org"), r.PathValue("team_slug"))]
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	logins := make([]string, 0, len(members))
	for _, login := range members {
		logins = append(logins, login)
	}
	slices.Sort(logins)
	out := make([]*github.User, 0, len(logins))
	for _, login := range logins {
		out = append(out, user(login, false))
	}
	writeJSON(w, http.StatusOK, page(w, r, out))
}

// notModified sets an ETag derived from what the answer says and, when
// If-None-Match names it, answers 304 Not Modified with no body, as GitHub
// does for conditional requests (which then cost no rate limit).
func notModified(w http.ResponseWriter, r *http.Request, parts ...string) bool {
	etag := `"` + blobSHA([]byte(strings.ToLower(strings.Join(parts, "\x00")))) + `"`
	w.Header().Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && sameETag(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}
