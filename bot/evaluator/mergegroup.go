package evaluator

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/rules"
)

// CompleteMergeGroup writes the check on a merge queue's commit. The queue
// entry adds pull request number (from the queue's branch name); the
// entry passes only while that pull request's own tiergate check, on its
// current head, is completed and passing: a pull request queued while
// green may have turned red since (an override label removed, an approval
// dismissed, a stricter config), and the merge group's commit is where a
// required check is enforced. On top, the CI checks the pull request's
// tier requires must pass on the merge group's commit itself; while they
// run the check is in progress and a *queue.Revisit is returned for their
// deadline. Anything unknown fails closed.
//
// A merge queue's commit is no pull request's head, and one that is gets
// nothing written: the check there is that pull request's own verdict,
// which another pull request's merge group must never replace (a status
// event lists every branch containing its commit, so a pull request's head
// may arrive looking like a queue's). Its evaluation, which every CI event
// also plans, writes that check.
func (e *Evaluator) CompleteMergeGroup(ctx context.Context, installationID int64, owner, repo, headSHA string, number int, guard queue.Guard) error {
	gh, err := e.clients.Installation(installationID)
	if err != nil {
		return err
	}
	heads, err := e.PullRequestsForCommit(ctx, installationID, owner, repo, headSHA)
	if err != nil {
		return fmt.Errorf("complete merge group %s/%s@%s: %w", owner, repo, headSHA, err)
	}
	if len(heads) > 0 {
		zerolog.Ctx(ctx).Warn().Msgf("not completing a merge group check for #%d on %s: it is the head of open pull request #%d, whose own verdict the check is", number, headSHA, heads[0].Number)
		return nil
	}
	out, pr, err := e.mergeGroupVerdict(ctx, gh, owner, repo, number)
	if err != nil {
		return err
	}
	var pending rules.Result
	if pr != nil {
		if out, pending, err = e.mergeGroupChecks(ctx, gh, owner, repo, headSHA, pr, out); err != nil {
			return err
		}
	}
	// A merge group's commit is no pull request's head: nothing newer can supersede it.
	if _, err := e.checks.upsert(ctx, gh, owner, repo, headSHA, out, guard); err != nil {
		return fmt.Errorf("complete merge group %s/%s@%s: %w", owner, repo, headSHA, err)
	}
	return revisitFor(pending)
}

// mergeGroupVerdict judges the pull request a merge group adds by its own
// check; pr is nil unless it passes.
func (e *Evaluator) mergeGroupVerdict(ctx context.Context, gh *github.Client, owner, repo string, number int) (checkOutput, *github.PullRequest, error) {
	fail := func(title, why string) (checkOutput, *github.PullRequest, error) {
		return checkOutput{Status: "completed", Conclusion: rules.ConclusionFailure.String(), Title: title,
			Summary: "This commit was made by the merge queue. " + why}, nil, nil
	}
	if number <= 0 {
		return fail("Merge group: pull request unknown",
			"tiergate cannot tell which pull request it adds (the queue branch name does not say), so it does not pass.")
	}
	pr, _, err := gh.PullRequests.Get(ctx, owner, repo, number)
	if err != nil {
		return checkOutput{}, nil, fmt.Errorf("read pull request %s/%s#%d for its merge group: %w", owner, repo, number, err)
	}
	head := pr.GetHead().GetSHA()
	cur, err := e.checks.current(ctx, gh, owner, repo, head)
	if err != nil {
		return checkOutput{}, nil, err
	}
	short := head[:min(7, len(head))]
	passing := cur != nil && cur.status == "completed" &&
		(cur.conclusion == rules.ConclusionSuccess.String() || cur.conclusion == rules.ConclusionNeutral.String())
	if !passing {
		state := "no tiergate check"
		if cur != nil {
			state = rules.Messagef("tiergate's check is %s %s (%q)", cur.status, cur.conclusion, cur.title).Markdown()
		}
		return fail(fmt.Sprintf("Merge group: #%d is not passing", number),
			fmt.Sprintf("It adds #%d, whose head %s has %s, so the merge group does not pass. Fix the pull request (or re-run its check) and queue it again.", number, short, state))
	}
	return checkOutput{Status: "completed", Conclusion: rules.ConclusionSuccess.String(),
		Title: fmt.Sprintf("Merge group: #%d passes", number),
		Summary: fmt.Sprintf("This commit was made by the merge queue. It adds #%d, whose head %s passes tiergate now (%s).",
			number, short, rules.Messagef("%q", cur.title).Markdown())}, pr, nil
}

// mergeGroupChecks adds to a passing merge group's check the CI checks the
// tier (and touched critical paths) of its pull request require, judged on
// the merge group's commit: the queue tests the merged result there. It
// also returns that verdict, whose pending checks ask for a revisit.
func (e *Evaluator) mergeGroupChecks(ctx context.Context, gh *github.Client, owner, repo, sha string, pr *github.PullRequest, passing checkOutput) (checkOutput, rules.Result, error) {
	number := pr.GetNumber()
	cfg, _, err := e.configs.load(ctx, gh, owner, repo, pr.GetBase().GetRef())
	var broken *configBrokenError
	if errors.As(err, &broken) {
		return checkOutput{Status: "completed", Conclusion: rules.ConclusionFailure.String(), Title: "Merge group: configuration error",
			Summary: "This commit was made by the merge queue. The configuration is broken, so the checks it requires are unknown:\n\n" +
				rules.Markdown(rules.ConfigFailure(broken.err))}, rules.Result{}, nil
	}
	if err != nil {
		return checkOutput{}, rules.Result{}, err
	}
	snap := rules.PullRequest{Author: pr.GetUser().GetLogin(), HeadSHA: pr.GetHead().GetSHA(), ChangedFiles: pr.GetChangedFiles(), Local: true}
	for _, l := range pr.Labels {
		snap.Labels = append(snap.Labels, rules.Label{Name: l.GetName()})
	}
	if snap.Files, err = e.gatherer.listFiles(ctx, gh, owner, repo, number); err != nil {
		return checkOutput{}, rules.Result{}, err
	}
	snap.FilesTruncated = filesTruncated(len(snap.Files), snap.ChangedFiles)
	required := rules.RequiredChecks(cfg, snap)
	if len(required) == 0 {
		return passing, rules.Result{}, nil
	}
	hc, err := e.ci.read(ctx, gh, owner, repo, sha)
	if err != nil {
		return checkOutput{}, rules.Result{}, err
	}
	// The tier does not depend on reviews or CI: a local evaluation of the
	// files and labels decides it.
	tier := rules.Evaluate(cfg, snap).Tier
	gate, warnings := rules.ChecksGate(cfg, tier, required, hc.checks, hc.firstSeen, e.now())
	res := rules.Result{Tier: tier, Mode: cfg.Mode, Gates: []rules.Gate{gate}, Warnings: warnings, HeadSHA: sha,
		TierReason: rules.Messagef("the tier of pull request #%d", number)}
	res.Conclusion = rules.Conclude(cfg.Mode, res.Gates)
	out := checkOutput{Status: "completed", Conclusion: res.Conclusion.String(),
		Summary: passing.Summary + " The checks its tier requires must pass on this commit too:\n\n" + rules.Markdown(res)}
	switch res.Conclusion {
	case rules.ConclusionSuccess:
		out.Title = passing.Title
	case rules.ConclusionPending:
		out.Status, out.Conclusion = "in_progress", ""
		out.Title = fmt.Sprintf("Merge group: #%d waits for its required checks", number)
	case rules.ConclusionNeutral:
		// Report mode: failing or still running, it never blocks.
		out.Title = fmt.Sprintf("Merge group: #%d's required checks: %s (report only)", number, gate.Status)
	default:
		out.Title = fmt.Sprintf("Merge group: #%d's required checks do not pass", number)
	}
	return out, res, nil
}
