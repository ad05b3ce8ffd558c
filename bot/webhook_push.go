package bot

import (
	"errors"
	"slices"

	"github.com/google/go-github/v60/github"
)

// push plans a re-evaluation when the config file changes on the default
// branch: of the repository's open pull requests, or of every repository's
// when the org config repository changed.
func (rt router) push(e *github.PushEvent) (plan, error) {
	r := e.GetRepo()
	if e.GetDeleted() || r.GetDefaultBranch() == "" || e.GetRef() != "refs/heads/"+r.GetDefaultBranch() {
		return ignore("push is not to the default branch")
	}
	path := rt.settings.ConfigPath
	touched := len(e.Commits) >= truncatedCommits
	for _, c := range e.Commits {
		if slices.Contains(c.Added, path) || slices.Contains(c.Modified, path) || slices.Contains(c.Removed, path) {
			touched = true
		}
	}
	if !touched {
		return ignore("push does not change %s", path)
	}
	id, err := installationID(e.GetInstallation())
	if err != nil {
		return plan{}, err
	}
	owner, name := r.GetOwner().GetLogin(), r.GetName()
	if owner == "" {
		owner = r.GetOwner().GetName()
	}
	if owner == "" || name == "" {
		return plan{}, errors.New("payload has no repository owner or name")
	}
	j := rt.template(id, "config")
	j.Owner, j.Repo, j.Kind = owner, name, KindRepoConfig
	if name == rt.settings.OrgConfigRepo {
		j.Kind = KindOrgConfig
	}
	return plan{configChanged: []RepoRef{{Owner: owner, Name: name}}, jobs: []Job{j}}, nil
}
