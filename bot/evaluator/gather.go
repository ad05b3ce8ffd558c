package evaluator

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/rules"
)

// maxListedFiles is how many files GitHub lists for one pull request.
const maxListedFiles = 3000

// gatherer turns a GitHub pull request into the engine's snapshot, fetching
// what the engine says it needs (rules.Needed) and nothing else. Every
// listing is read from GitHub on every evaluation; its pages are kept only
// to revalidate them with If-None-Match, so an unchanged page costs a 304
// and no rate limit.
type gatherer struct {
	people  *people
	changes *changes
	files   *ghclient.Cache[[]rules.ChangedFile]
	reviews *ghclient.Cache[[]rules.Review]
	events  *ghclient.Cache[[]labelEvent]
}

func newGatherer(ppl *people, now func() time.Time) *gatherer {
	return &gatherer{
		people:  ppl,
		changes: newChanges(now),
		files:   ghclient.NewCache[[]rules.ChangedFile](listingTTL, maxPages, now),
		reviews: ghclient.NewCache[[]rules.Review](listingTTL, maxPages, now),
		events:  ghclient.NewCache[[]labelEvent](listingTTL, maxPages, now),
	}
}

// gather fills a rules.PullRequest for pr under cfg: the pull request, its
// files and reviews, then whatever rules.Needed asks for, until it asks for
// nothing more. The warnings are things the verdict must mention that the
// engine cannot know, such as a team whose members the App may not read.
func (g *gatherer) gather(ctx context.Context, gh *github.Client, cfg *rules.Config, owner, repo string, pr *github.PullRequest) (rules.PullRequest, []rules.Message, error) {
	return g.gatherWith(ctx, gh, cfg, owner, repo, pr, gatherOptions{})
}

// gatherWith is gather with options (see gatherOptions).
func (g *gatherer) gatherWith(ctx context.Context, gh *github.Client, cfg *rules.Config, owner, repo string, pr *github.PullRequest, opts gatherOptions) (rules.PullRequest, []rules.Message, error) {
	out := rules.PullRequest{
		Author:    pr.GetUser().GetLogin(),
		HeadSHA:   pr.GetHead().GetSHA(),
		Draft:     pr.GetDraft(),
		Additions: pr.GetAdditions(),
		Deletions: pr.GetDeletions(),
	}
	var err error
	if opts.cutoff.IsZero() {
		for _, l := range pr.Labels {
			out.Labels = append(out.Labels, rules.Label{Name: l.GetName()})
		}
	} else if out.Labels, err = g.labelsAt(ctx, gh, cfg, owner, repo, pr, opts.cutoff); err != nil {
		return out, nil, err
	}
	if out.Files, err = g.listFiles(ctx, gh, owner, repo, pr.GetNumber()); err != nil {
		return out, nil, err
	}
	out.ChangedFiles = pr.GetChangedFiles()
	out.FilesTruncated = filesTruncated(len(out.Files), out.ChangedFiles)
	if opts.cutoff.IsZero() {
		out.Reviews, err = g.listReviews(ctx, gh, owner, repo, pr.GetNumber())
	} else {
		out.Reviews, err = g.reviewsUntil(ctx, gh, owner, repo, pr.GetNumber(), opts.cutoff)
	}
	if err != nil {
		return out, nil, err
	}
	if !opts.cutoff.IsZero() {
		// labelsAt has already said who applied each label, as of the cutoff.
		out.AppliersKnown = true
	}
	var warnings []rules.Message
	asked := askedFor{}
	for {
		need := asked.only(rules.Needed(cfg, out))
		if need.IsZero() {
			return out, warnings, nil
		}
		if need.Appliers {
			if err := g.fillAppliers(ctx, gh, cfg, owner, repo, pr.GetNumber(), out.Labels); err != nil {
				return out, nil, err
			}
			out.AppliersKnown = true
		}
		if err := g.permissions(ctx, gh, owner, repo, need.Permissions, &out); err != nil {
			return out, nil, err
		}
		if err := g.patches(ctx, gh, owner, repo, pr.GetBase().GetSHA(), need.Patches, &out); err != nil {
			return out, nil, err
		}
		w, err := g.teams(ctx, gh, owner, need.Teams, &out)
		if err != nil {
			return out, nil, err
		}
		warnings = append(warnings, w...)
	}
}

// askedFor remembers what gather has asked GitHub for in one evaluation,
// so that what GitHub cannot answer (a team whose members the App may not
// read) is asked once, and the loop over rules.Needed always ends.
type askedFor map[string]bool

// only keeps the needs not asked for yet, and marks them asked.
func (a askedFor) only(n rules.Needs) rules.Needs {
	fresh := func(key string) bool {
		if a[key] {
			return false
		}
		a[key] = true
		return true
	}
	var out rules.Needs
	out.Appliers = n.Appliers && fresh("appliers")
	for _, l := range n.Permissions {
		if fresh("permission " + strings.ToLower(l)) {
			out.Permissions = append(out.Permissions, l)
		}
	}
	for _, c := range n.Patches {
		if fresh("change " + c) {
			out.Patches = append(out.Patches, c)
		}
	}
	for _, t := range n.Teams {
		if fresh("team " + t.Team) {
			out.Teams = append(out.Teams, t)
		}
	}
	return out
}

// filesTruncated says whether the listed files are fewer than the pull
// request changes. A full page of maxListedFiles counts as truncated unless
// GitHub's own total says it is exactly that many.
func filesTruncated(listed, changed int) bool {
	return changed > listed || (listed >= maxListedFiles && changed != listed)
}

// listFiles lists the pull request's changed files, up to GitHub's limit.
func (g *gatherer) listFiles(ctx context.Context, gh *github.Client, owner, repo string, number int) ([]rules.ChangedFile, error) {
	u := fmt.Sprintf("repos/%s/%s/pulls/%d/files?per_page=%d", url.PathEscape(owner), url.PathEscape(repo), number, ghclient.PerPage)
	files, err := ghclient.List(ctx, gh, g.files, u, maxListedFiles, ghclient.PageOf(func(f *github.CommitFile) rules.ChangedFile {
		return rules.ChangedFile{
			Path:         f.GetFilename(),
			PreviousPath: f.GetPreviousFilename(),
			Status:       rules.FileStatus(f.GetStatus()),
			Additions:    f.GetAdditions(),
			Deletions:    f.GetDeletions(),
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("list changed files of %s/%s#%d: %w", owner, repo, number, err)
	}
	return files, nil
}

func (g *gatherer) listReviews(ctx context.Context, gh *github.Client, owner, repo string, number int) ([]rules.Review, error) {
	u := fmt.Sprintf("repos/%s/%s/pulls/%d/reviews?per_page=%d", url.PathEscape(owner), url.PathEscape(repo), number, ghclient.PerPage)
	reviews, err := ghclient.List(ctx, gh, g.reviews, u, 0, ghclient.PageOf(func(r *github.PullRequestReview) rules.Review {
		return rules.Review{
			User:     r.GetUser().GetLogin(),
			Bot:      r.GetUser().GetType() == "Bot",
			State:    rules.ReviewState(r.GetState()),
			CommitID: r.GetCommitID(),
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("list reviews of %s/%s#%d: %w", owner, repo, number, err)
	}
	return reviews, nil
}

// labelEvent is what fillAppliers needs of one issue event.
type labelEvent struct {
	event, label string // label lower-cased
	actor        string
	bot          bool
}

// fillAppliers records who most recently applied each override label, from
// the pull request's events (oldest first).
func (g *gatherer) fillAppliers(ctx context.Context, gh *github.Client, cfg *rules.Config, owner, repo string, number int, labels []rules.Label) error {
	wanted := map[string]bool{}
	for _, name := range cfg.Overrides.Labels {
		if name != "" {
			wanted[strings.ToLower(name)] = true
		}
	}
	u := fmt.Sprintf("repos/%s/%s/issues/%d/events?per_page=%d", url.PathEscape(owner), url.PathEscape(repo), number, ghclient.PerPage)
	events, err := ghclient.List(ctx, gh, g.events, u, 0, ghclient.PageOf(func(ev *github.IssueEvent) labelEvent {
		return labelEvent{
			event: ev.GetEvent(),
			label: strings.ToLower(ev.GetLabel().GetName()),
			actor: ev.GetActor().GetLogin(),
			bot:   ev.GetActor().GetType() == "Bot",
		}
	}))
	if err != nil {
		return fmt.Errorf("list events of %s/%s#%d: %w", owner, repo, number, err)
	}
	applied := map[string]labelEvent{}
	for _, ev := range events {
		if ev.event == "labeled" && wanted[ev.label] {
			applied[ev.label] = ev
		}
	}
	for i := range labels {
		a := applied[strings.ToLower(labels[i].Name)]
		labels[i].AppliedBy, labels[i].AppliedByBot = a.actor, a.bot
	}
	return nil
}

// permissions records the repository permission of each login. Every
// permission is asked of GitHub in this evaluation (people revalidates with
// a conditional request), so none older than the evaluation counts.
func (g *gatherer) permissions(ctx context.Context, gh *github.Client, owner, repo string, logins []string, pr *rules.PullRequest) error {
	for _, u := range logins {
		p, err := g.people.permission(ctx, gh, owner, repo, u)
		if err != nil {
			return err
		}
		if pr.Permissions == nil {
			pr.Permissions = map[string]rules.Permission{}
		}
		pr.Permissions[u] = p
	}
	return nil
}

// patches records the pull request's change at each commit, compared with
// the base commit it targets now.
func (g *gatherer) patches(ctx context.Context, gh *github.Client, owner, repo, base string, commits []string, pr *rules.PullRequest) error {
	for _, c := range commits {
		p, err := g.changes.patch(ctx, gh, owner, repo, base, c)
		if err != nil {
			return err
		}
		if pr.Patches == nil {
			pr.Patches = map[string]rules.Patch{}
		}
		pr.Patches[c] = p
	}
	return nil
}

// teams records, for each team, which of the given logins are members. A
// team whose members the App may not read is left out (its gate fails
// closed) and named in a warning.
func (g *gatherer) teams(ctx context.Context, gh *github.Client, owner string, needs []rules.TeamNeed, pr *rules.PullRequest) ([]rules.Message, error) {
	var warnings []rules.Message
	for _, need := range needs {
		org, slug := splitTeam(need.Team, owner)
		members := []string{}
		forbidden := false
		for _, user := range need.Logins {
			ok, err := g.people.isMember(ctx, gh, org, slug, user)
			if errors.Is(err, errTeamForbidden) {
				forbidden = true
				break
			}
			if err != nil {
				return nil, err
			}
			if ok {
				members = append(members, user)
			}
		}
		if forbidden {
			warnings = append(warnings, rules.Messagef(
				"GitHub refused to show the members of team %s/%s: the App needs the members:read organization permission, so that team's approval cannot be checked", org, slug))
			continue
		}
		if pr.TeamMembers == nil {
			pr.TeamMembers = map[string][]string{}
		}
		pr.TeamMembers[need.Team] = members
	}
	return warnings, nil
}
