package backtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/ghclient"
)

// list reads the pull requests to judge, most recent first, and says
// whether the limit left out some that may match.
//
// GitHub cannot filter pull requests by merge time, so merged and closed
// ones are read from the closed listing sorted by last update, newest
// first. A pull request's update time is never before its close, so the
// walk stops at the first one updated before the window, or, once Limit
// candidates are known, before the Limit-th most recent close: nothing
// further down can be closer to now.
func list(ctx context.Context, gh *github.Client, opts Options, now time.Time) ([]*github.PullRequest, bool, error) {
	state := "closed"
	if opts.State == StateOpen {
		state = "open"
	}
	at := func(pr *github.PullRequest) time.Time {
		switch opts.State {
		case StateMerged:
			return pr.GetMergedAt().Time
		case StateClosed:
			return pr.GetClosedAt().Time
		}
		return pr.GetUpdatedAt().Time
	}
	var found []*github.PullRequest
	var floor time.Time // the Limit-th most recent time among found
	limited := false
	err := ghclient.Walk(0, func(page int) (int, error) {
		prs, resp, err := gh.PullRequests.List(ctx, opts.Owner, opts.Repo, &github.PullRequestListOptions{
			State: state, Sort: "updated", Direction: "desc",
			ListOptions: github.ListOptions{Page: page, PerPage: ghclient.PerPage},
		})
		if err != nil {
			return 0, err
		}
		for _, pr := range prs {
			updated := pr.GetUpdatedAt().Time
			if updated.Before(opts.Since) {
				return 0, nil
			}
			if len(found) >= opts.Limit && updated.Before(floor) {
				// Older ones may still match: the limit, not the
				// window, ended the walk.
				limited = true
				return 0, nil
			}
			if opts.State == StateMerged && pr.MergedAt == nil {
				continue
			}
			if t := at(pr); t.IsZero() || t.Before(opts.Since) || t.After(now) {
				continue
			}
			found = append(found, pr)
			if opts.State == StateOpen && len(found) > opts.Limit {
				return 0, nil // newest first already: one more says there are more
			}
		}
		if len(found) >= opts.Limit {
			floor = limitTh(found, opts.Limit, at)
		}
		return resp.NextPage, nil
	})
	if err != nil {
		var er *github.ErrorResponse
		if errors.As(err, &er) && er.Response != nil &&
			(er.Response.StatusCode == http.StatusUnauthorized || er.Response.StatusCode == http.StatusNotFound) {
			return nil, false, fmt.Errorf("%w: listing the pull requests of %s/%s: %v (is the repository name right, and can these credentials read it?)",
				ErrAuth, opts.Owner, opts.Repo, err)
		}
		return nil, false, fmt.Errorf("listing the pull requests of %s/%s: %w", opts.Owner, opts.Repo, err)
	}
	slices.SortStableFunc(found, func(a, b *github.PullRequest) int {
		if c := at(b).Compare(at(a)); c != 0 {
			return c
		}
		return b.GetNumber() - a.GetNumber()
	})
	more := limited || len(found) > opts.Limit
	return found[:min(len(found), opts.Limit)], more, nil
}

// limitTh is the limit-th most recent time among prs (limit <= len(prs)).
func limitTh(prs []*github.PullRequest, limit int, at func(*github.PullRequest) time.Time) time.Time {
	times := make([]time.Time, len(prs))
	for i, pr := range prs {
		times[i] = at(pr)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return b.Compare(a) })
	return times[limit-1]
}
