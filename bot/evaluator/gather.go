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
// only what the config makes relevant. Every listing is read from GitHub on
// every evaluation; its pages are kept only to revalidate them with
// If-None-Match, so an unchanged page costs a 304 and no rate limit.
type gatherer struct {
	people  *people
	files   *ghclient.Cache[[]rules.ChangedFile]
	reviews *ghclient.Cache[[]rules.Review]
	events  *ghclient.Cache[[]labelEvent]
}

func newGatherer(ppl *people, now func() time.Time) *gatherer {
	return &gatherer{
		people:  ppl,
		files:   ghclient.NewCache[[]rules.ChangedFile](listingTTL, maxPages, now),
		reviews: ghclient.NewCache[[]rules.Review](listingTTL, maxPages, now),
		events:  ghclient.NewCache[[]labelEvent](listingTTL, maxPages, now),
	}
}

// gather fills a rules.PullRequest for pr under cfg. The warnings are things
// the verdict must mention that the engine cannot know, such as a team whose
// members the App may not read.
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
	// With a cutoff, labelsAt has already said who applied each label.
	if opts.cutoff.IsZero() && overrideLabelsPresent(cfg, out.Labels) {
		if err := g.fillAppliers(ctx, gh, cfg, owner, repo, pr.GetNumber(), out.Labels); err != nil {
			return out, nil, err
		}
	}
	if out.Permissions, err = g.permissions(ctx, gh, cfg, owner, repo, out); err != nil {
		return out, nil, err
	}
	warnings, err := g.teams(ctx, gh, cfg, owner, &out)
	return out, warnings, err
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

func overrideLabelsPresent(cfg *rules.Config, labels []rules.Label) bool {
	for _, want := range cfg.Overrides.Labels {
		for _, l := range labels {
			if want != "" && strings.EqualFold(l.Name, want) {
				return true
			}
		}
	}
	return false
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

// permissions looks up only the people whose permission a gate reads:
// decisive reviewers when the pull request's tier or critical paths need
// approvals, and appliers of override labels. The author's reviews never
// count, so the author is not looked up for approvals; nor is a bot that
// applied a label, since allow_bots, not a permission, decides for bots.
// Every permission is asked of GitHub in this evaluation (people revalidates
// with a conditional request), so none older than the evaluation counts.
func (g *gatherer) permissions(ctx context.Context, gh *github.Client, cfg *rules.Config, owner, repo string, pr rules.PullRequest) (map[string]rules.Permission, error) {
	var users []string
	if cfg.Approvals.MinPermission > rules.PermissionNone && reviewsMatter(cfg, pr) {
		for _, r := range pr.Reviews {
			decisive := r.State == rules.ReviewApproved || r.State == rules.ReviewChangesRequested
			if decisive && !r.Bot && !strings.EqualFold(r.User, pr.Author) {
				users = append(users, r.User)
			}
		}
	}
	if cfg.Overrides.MinPermission > rules.PermissionNone {
		for _, l := range pr.Labels {
			if l.AppliedBy != "" && !l.AppliedByBot && !strings.HasSuffix(strings.ToLower(l.AppliedBy), "[bot]") {
				users = append(users, l.AppliedBy)
			}
		}
	}
	if len(users) == 0 {
		return nil, nil
	}
	perms := map[string]rules.Permission{}
	for _, u := range users {
		if _, done := perms[u]; done {
			continue
		}
		p, err := g.people.permission(ctx, gh, owner, repo, u)
		if err != nil {
			return nil, err
		}
		perms[u] = p
	}
	return perms, nil
}

// teams fills TeamMembers for the teams of the critical paths the pull
// request touches, checking only its approving reviewers. A team whose
// members the App may not read is left out (its gate fails closed) and
// named in a warning.
func (g *gatherer) teams(ctx context.Context, gh *github.Client, cfg *rules.Config, owner string, pr *rules.PullRequest) ([]rules.Message, error) {
	var teams []string
	for _, cp := range rules.TouchedCriticalPaths(cfg, *pr) {
		teams = append(teams, cp.Teams...)
	}
	if len(teams) == 0 {
		return nil, nil
	}
	approvers := approvingReviewers(*pr)
	var warnings []rules.Message
	pr.TeamMembers = map[string][]string{}
	for _, team := range teams {
		if _, done := pr.TeamMembers[team]; done {
			continue
		}
		org, slug := splitTeam(team, owner)
		members := []string{}
		forbidden := false
		for _, user := range approvers {
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
		pr.TeamMembers[team] = members
	}
	return warnings, nil
}

// approvingReviewers are the humans other than the author whose latest
// decisive review approves.
func approvingReviewers(pr rules.PullRequest) []string {
	latest := map[string]rules.ReviewState{}
	var order []string
	for _, r := range pr.Reviews {
		switch r.State {
		case rules.ReviewApproved, rules.ReviewChangesRequested, rules.ReviewDismissed:
		default:
			continue
		}
		if r.Bot || strings.EqualFold(r.User, pr.Author) {
			continue
		}
		if _, seen := latest[r.User]; !seen {
			order = append(order, r.User)
		}
		latest[r.User] = r.State
	}
	var out []string
	for _, u := range order {
		if latest[u] == rules.ReviewApproved {
			out = append(out, u)
		}
	}
	return out
}

// reviewsMatter reports whether any gate of the pull request's verdict reads
// reviews: the approvals gate when approvals are required, or a critical
// path's team gate. The engine decides the tier from files and labels alone,
// so a trial evaluation without permissions answers exactly.
func reviewsMatter(cfg *rules.Config, pr rules.PullRequest) bool {
	for _, g := range rules.Evaluate(cfg, pr).Gates {
		if strings.HasPrefix(g.Name, rules.GateCriticalPrefix) {
			return true
		}
		if g.Name == rules.GateApprovals && g.Status != rules.StatusNotRequired {
			return true
		}
	}
	return false
}
