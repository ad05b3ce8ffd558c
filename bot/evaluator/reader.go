package evaluator

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/rules"
)

// Reader reads config files and pull requests from GitHub with the App's
// own code, for tools that bring their own client (tiergate backtest): the
// same config loader, the same gathering of files, reviews, labels and who
// applied them, permissions and teams. It keeps its own caches and is safe
// for concurrent use.
type Reader struct {
	configs  *configLoader
	gatherer *gatherer
	ci       *ciReader
}

// readerCheckName is the check run name of tiergate's own verdicts, which
// the Reader leaves out of the checks it reads: without the App's ID it
// knows them by name only.
const readerCheckName = "tiergate"

// NewReader builds a Reader for the App's layout of config files: the org
// file in orgConfigRepo, and configPath in each repository and in it.
func NewReader(orgConfigRepo, configPath string) *Reader {
	return &Reader{
		configs:  newConfigLoader(orgConfigRepo, configPath),
		gatherer: newGatherer(newPeople(time.Now), time.Now),
		ci:       newCIReader(0, readerCheckName, time.Now),
	}
}

// Layers are config files given in place of the ones on GitHub; a nil
// layer is read from GitHub as the App reads it.
type Layers struct {
	Org, Repo *rules.File
}

// Config builds owner/repo's effective config as the App would: the org
// file from the org config repository's default branch, the repository's
// file at ref ("" for its default branch), each replaced by the one in
// given when set. A broken file or combination is returned as an error
// wrapping rules.ConfigErrors (file:line:col); any other error means
// GitHub could not be read, and defaults are never assumed then.
func (r *Reader) Config(ctx context.Context, gh *github.Client, owner, repo, ref string, given Layers) (*rules.Config, error) {
	l := r.configs
	org, orgName := given.Org, ""
	if org == nil {
		k := configKey{owner: owner, repo: l.orgRepo}
		orgName = l.fileName(k)
		var err error
		if org, _, err = l.file(ctx, gh, k); err != nil {
			return nil, err
		}
	}
	repoFile := given.Repo
	if repoFile == nil && repo != l.orgRepo {
		var err error
		if repoFile, _, err = l.file(ctx, gh, configKey{owner: owner, repo: repo, ref: ref}); err != nil {
			return nil, err
		}
	}
	cfg, err := rules.Resolve(org, repoFile)
	if err != nil {
		return nil, err
	}
	if org == nil {
		// As the App says it (see configLoader.load).
		cfg.Warnings = append(cfg.Warnings, fmt.Sprintf(
			"the org config %s could not be found, so no org-wide rules apply: GitHub answers 404 both when it does not exist and when the token cannot see %s/%s",
			orgName, owner, l.orgRepo))
	}
	return cfg, nil
}

// Gather reads what the engine needs to judge pr under cfg, as the App
// does. With a non-zero cutoff the pull request is judged as it stood then
// (see gatherOptions). The warnings belong on the verdict.
//
// When the engine says the pull request requires CI checks, they are read
// on its head as the App reads them (ci.go), as they stood at the cutoff:
// a check that completed later counts as still running then, one started
// later as not reported. The snapshot's Now is the cutoff (now when zero).
func (r *Reader) Gather(ctx context.Context, gh *github.Client, cfg *rules.Config, owner, repo string, pr *github.PullRequest, cutoff time.Time) (rules.PullRequest, []rules.Message, error) {
	snap, warnings, err := r.gatherer.gatherWith(ctx, gh, cfg, owner, repo, pr, gatherOptions{cutoff: cutoff})
	if err != nil {
		return snap, warnings, err
	}
	snap.Now = cutoff
	if cutoff.IsZero() {
		snap.Now = time.Now()
	}
	if len(rules.RequiredChecks(cfg, snap)) == 0 {
		return snap, warnings, nil
	}
	hc, err := r.ci.read(ctx, gh, owner, repo, snap.HeadSHA)
	if err != nil {
		return snap, warnings, err
	}
	for _, c := range hc.checks {
		if c.Kind == rules.CheckRun && c.Name == readerCheckName {
			continue // tiergate's own verdict, never a required check
		}
		if !cutoff.IsZero() {
			if !c.StartedAt.IsZero() && c.StartedAt.After(cutoff) {
				continue
			}
			if c.Status == rules.CheckCompleted && c.CompletedAt.After(cutoff) {
				c.Status, c.Conclusion, c.CompletedAt = rules.CheckInProgress, "", time.Time{}
			}
		}
		snap.Checks = append(snap.Checks, c)
	}
	return snap, warnings, nil
}
