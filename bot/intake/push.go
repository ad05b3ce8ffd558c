package intake

import (
	"errors"
	"slices"

	"github.com/tiergate/tiergate/bot/queue"
)

// push plans a re-evaluation when the config file changes on the default
// branch: of the repository's open pull requests, or of every repository's
// when the org config repository changed.
func (rt router) push(e eventPayload) (plan, error) {
	r := e.Repository
	if e.Deleted || r.DefaultBranch == "" || e.Ref != "refs/heads/"+r.DefaultBranch {
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
	id, err := installationID(e.Installation)
	if err != nil {
		return plan{}, err
	}
	owner, name := r.Owner.Login, r.Name
	if owner == "" {
		owner = r.Owner.Name
	}
	if owner == "" || name == "" {
		return plan{}, errors.New("payload has no repository owner or name")
	}
	j := rt.template(id, "config")
	j.Owner, j.Repo, j.Kind = owner, name, queue.KindRepoConfig
	if name == rt.settings.OrgConfigRepo {
		j.Kind = queue.KindOrgConfig
	}
	return plan{configChanged: []queue.RepoRef{{Owner: owner, Name: name}}, jobs: []queue.Job{j}}, nil
}
