package evaluator

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/rules"
)

// gatherOptions change what gather reads. The zero value is the App's
// evaluation: the pull request as it stands now.
type gatherOptions struct {
	// cutoff, when set, judges the pull request as it stood at that time
	// (tiergate backtest: its merge): reviews submitted and labels
	// applied or removed after it do not count. Permissions and team
	// memberships have no history on GitHub and are read as they are now.
	cutoff time.Time
}

// timedEvent is a label event with its time, for replaying labels.
type timedEvent struct {
	event, label string // label as named then
	actor        string
	bot          bool
	at           time.Time
}

// labelsAt returns the pull request's labels as they were at cutoff, each
// override label with who last applied it before then.
//
// The label events are read only when they can change the answer: when an
// override label is present (its applier counts), or when the pull request
// was updated after it closed (a label may have been added or removed
// since). Otherwise its current labels are its labels at the close.
func (g *gatherer) labelsAt(ctx context.Context, gh *github.Client, cfg *rules.Config, owner, repo string, pr *github.PullRequest, cutoff time.Time) ([]rules.Label, error) {
	var current []rules.Label
	for _, l := range pr.Labels {
		current = append(current, rules.Label{Name: l.GetName()})
	}
	quiet := pr.ClosedAt != nil && pr.UpdatedAt != nil && !pr.UpdatedAt.After(pr.ClosedAt.Time)
	if quiet && !rules.Needed(cfg, rules.PullRequest{Labels: current}).Appliers {
		return current, nil
	}
	events, err := g.timedEvents(ctx, gh, owner, repo, pr.GetNumber())
	if err != nil {
		return nil, err
	}
	labels := current
	if !quiet {
		labels = replayLabels(events, cutoff)
	}
	// Only override labels carry who applied them, as in the App's verdicts.
	wanted := map[string]bool{}
	for _, name := range cfg.Overrides.Labels {
		if name != "" {
			wanted[strings.ToLower(name)] = true
		}
	}
	applied := map[string]timedEvent{}
	for _, ev := range events {
		if ev.event == "labeled" && !ev.at.After(cutoff) {
			applied[strings.ToLower(ev.label)] = ev
		}
	}
	for i := range labels {
		labels[i].AppliedBy, labels[i].AppliedByBot = "", false
		if k := strings.ToLower(labels[i].Name); wanted[k] {
			labels[i].AppliedBy, labels[i].AppliedByBot = applied[k].actor, applied[k].bot
		}
	}
	return labels, nil
}

// replayLabels applies the labeled and unlabeled events up to cutoff, in
// order, and returns the labels left, in the order they were first added.
func replayLabels(events []timedEvent, cutoff time.Time) []rules.Label {
	var order []string
	on := map[string]string{} // lower-cased name -> name as applied
	for _, ev := range events {
		if ev.at.After(cutoff) {
			continue
		}
		k := strings.ToLower(ev.label)
		switch ev.event {
		case "labeled":
			if _, seen := on[k]; !seen {
				order = append(order, k)
			}
			on[k] = ev.label
		case "unlabeled":
			delete(on, k)
		}
	}
	var out []rules.Label
	for _, k := range order {
		if name, ok := on[k]; ok {
			out = append(out, rules.Label{Name: name})
			delete(on, k) // a label removed and added again is listed once
		}
	}
	return out
}

// timedEvents lists the pull request's issue events, oldest first. The
// listing is not kept for revalidation: a backtest reads it once, and its
// own cache (if any) sits in the transport.
func (g *gatherer) timedEvents(ctx context.Context, gh *github.Client, owner, repo string, number int) ([]timedEvent, error) {
	u := fmt.Sprintf("repos/%s/%s/issues/%d/events?per_page=%d", url.PathEscape(owner), url.PathEscape(repo), number, ghclient.PerPage)
	once := ghclient.NewCache[[]timedEvent](time.Minute, 1, time.Now)
	events, err := ghclient.List(ctx, gh, once, u, 0, ghclient.PageOf(func(ev *github.IssueEvent) timedEvent {
		return timedEvent{
			event: ev.GetEvent(),
			label: ev.GetLabel().GetName(),
			actor: ev.GetActor().GetLogin(),
			bot:   ev.GetActor().GetType() == "Bot",
			at:    ev.GetCreatedAt().Time,
		}
	}))
	if err != nil {
		return nil, fmt.Errorf("list events of %s/%s#%d: %w", owner, repo, number, err)
	}
	return events, nil
}

// reviewsUntil lists the reviews submitted up to cutoff, oldest first. A
// review still pending has no submission time and never counts.
func (g *gatherer) reviewsUntil(ctx context.Context, gh *github.Client, owner, repo string, number int, cutoff time.Time) ([]rules.Review, error) {
	type timedReview struct {
		rules.Review
		at time.Time
	}
	u := fmt.Sprintf("repos/%s/%s/pulls/%d/reviews?per_page=%d", url.PathEscape(owner), url.PathEscape(repo), number, ghclient.PerPage)
	once := ghclient.NewCache[[]timedReview](time.Minute, 1, time.Now)
	all, err := ghclient.List(ctx, gh, once, u, 0, ghclient.PageOf(func(r *github.PullRequestReview) timedReview {
		return timedReview{Review: rules.Review{
			User:     r.GetUser().GetLogin(),
			Bot:      r.GetUser().GetType() == "Bot",
			State:    rules.ReviewState(r.GetState()),
			CommitID: r.GetCommitID(),
		}, at: r.GetSubmittedAt().Time}
	}))
	if err != nil {
		return nil, fmt.Errorf("list reviews of %s/%s#%d: %w", owner, repo, number, err)
	}
	var out []rules.Review
	for _, r := range all {
		if !r.at.IsZero() && !r.at.After(cutoff) {
			out = append(out, r.Review)
		}
	}
	return out, nil
}
