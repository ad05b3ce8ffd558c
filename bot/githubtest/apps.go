package githubtest

import (
	"cmp"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"
)

func (s *Server) handleApp(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, github.App{
		ID:    github.Int64(s.AppID),
		Slug:  github.String(s.AppSlug),
		Name:  github.String(s.AppSlug),
		Owner: user("tiergate", false),
	})
}

func (s *Server) installationJSON(inst *installation) *github.Installation {
	typ := "User"
	if s.isOrg(inst.account) {
		typ = "Organization"
	}
	acct := user(inst.account, false)
	acct.Type = github.String(typ)
	return &github.Installation{
		ID:      github.Int64(inst.id),
		AppID:   github.Int64(s.AppID),
		AppSlug: github.String(s.AppSlug),
		Account: acct,
	}
}

// isOrg guesses an account is an organization when it has teams.
func (s *Server) isOrg(account string) bool {
	prefix := strings.ToLower(account) + "/"
	for k := range s.teams {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func (s *Server) handleInstallations(w http.ResponseWriter, r *http.Request) {
	var out []*github.Installation
	for _, inst := range s.sortedInstallations() {
		out = append(out, s.installationJSON(inst))
	}
	writeJSON(w, http.StatusOK, page(w, r, out))
}

func (s *Server) handleRepoInstallation(w http.ResponseWriter, r *http.Request) {
	k := key(r.PathValue("owner"), r.PathValue("repo"))
	for _, inst := range s.sortedInstallations() {
		for _, name := range inst.repos {
			if name == k {
				writeJSON(w, http.StatusOK, s.installationJSON(inst))
				return
			}
		}
	}
	writeError(w, http.StatusNotFound, "Not Found")
}

func (s *Server) handleInstallationRepos(w http.ResponseWriter, r *http.Request) {
	inst := s.installations[callOf(r).installation]
	var repos []*github.Repository
	for _, name := range inst.repos {
		if rp := s.repos[name]; rp != nil {
			repos = append(repos, rp.json())
		}
	}
	total := len(repos)
	writeJSON(w, http.StatusOK, github.ListRepositories{TotalCount: &total, Repositories: page(w, r, repos)})
}

func (s *Server) handleRepo(w http.ResponseWriter, r *http.Request) {
	if rp := s.repoOf(w, r); rp != nil {
		writeJSON(w, http.StatusOK, rp.json())
	}
}

func (rp *repo) json() *github.Repository {
	return &github.Repository{
		ID:            github.Int64(rp.id),
		Name:          github.String(rp.name),
		FullName:      github.String(rp.owner + "/" + rp.name),
		Owner:         user(rp.owner, false),
		DefaultBranch: github.String(rp.defaultBranch),
		Private:       github.Bool(rp.private),
		Visibility:    github.String(map[bool]string{true: "private", false: "public"}[rp.private]),
	}
}

// repoOf finds the request's repository or answers 404; s.mu is held.
func (s *Server) repoOf(w http.ResponseWriter, r *http.Request) *repo {
	rp := s.repos[key(r.PathValue("owner"), r.PathValue("repo"))]
	if rp == nil {
		writeError(w, http.StatusNotFound, "Not Found")
	}
	return rp
}

func (s *Server) sortedInstallations() []*installation {
	out := make([]*installation, 0, len(s.installations))
	for _, inst := range s.installations {
		out = append(out, inst)
	}
	slices.SortFunc(out, func(a, b *installation) int { return cmp.Compare(a.id, b.id) })
	return out
}
