package evaluator

import (
	"cmp"
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/rules"
)

// Ledger records each verdict once GitHub holds it (bot/ledger, PostgreSQL
// mode). It is an interface so the evaluator's tests can record without a
// database; Options.Ledger nil records nothing (memory mode).
type Ledger interface {
	RecordVerdict(ctx context.Context, v ledger.Verdict) error
}

// written says which pull request and delivery a check-run write was for,
// for its ledger row.
type written struct {
	job queue.Job
	pr  *github.PullRequest // nil when it could not be read (a failure report)
}

// record appends v to the ledger, if there is one. It is called after the
// check run write succeeded, whether GitHub's run changed or not, so an
// unchanged re-evaluation is recorded too. A failure wraps
// queue.ErrUnrecorded: the verdict on GitHub stands (the queue never
// replaces it with a "could not evaluate" report for this), and the job is
// retried until a re-evaluation, finding the check run unchanged, records
// it: the ledger is evidence, and a missing row is a gap.
func (e *Evaluator) record(ctx context.Context, v ledger.Verdict) error {
	if e.opts.Ledger == nil {
		return nil
	}
	if err := e.opts.Ledger.RecordVerdict(ctx, v); err != nil {
		return fmt.Errorf("%w: %w", queue.ErrUnrecorded, err)
	}
	return nil
}

// base is what a ledger row says of every write.
func (w written) base(runID int64, sha string, out checkOutput) ledger.Verdict {
	v := ledger.Verdict{
		InstallationID: w.job.InstallationID, Owner: w.job.Owner, Repo: w.job.Repo, Number: w.job.Number,
		HeadSHA: sha, Status: out.Status, Title: out.Title, CheckRunID: runID,
		DeliveryID: w.job.DeliveryID, Event: w.job.Event,
	}
	if out.Status == "completed" {
		v.Conclusion = out.Conclusion
	}
	if w.pr != nil {
		v.Number = w.pr.GetNumber()
		v.BaseSHA, v.BaseRef = w.pr.GetBase().GetSHA(), w.pr.GetBase().GetRef()
	}
	return v
}

// ledgerVerdict is the ledger row of res, written as check run runID.
func (e *Evaluator) ledgerVerdict(w written, runID int64, res rules.Result, src configSource, out checkOutput) (ledger.Verdict, error) {
	b, err := rules.JSON(res)
	if err != nil {
		return ledger.Verdict{}, fmt.Errorf("%w: %w", queue.ErrUnrecorded, err)
	}
	v := w.base(runID, res.HeadSHA, out)
	// Not the check run's external_id: a pending verdict's carries its
	// deadline too.
	v.ConfigFingerprint = src.Fingerprint()
	v.Mode, v.JSON = res.Mode.String(), b
	if res.Tier != rules.TierNone {
		v.Tier = res.Tier.String()
	}
	v.Config = e.layers(w.job.Owner, w.job.Repo, v.BaseRef, src)
	return v, nil
}

// failure is the ledger row of a "could not evaluate" report: the verdict
// schema's error object, kind github, since an evaluation fails only when
// GitHub cannot be read or written (a broken config is a verdict).
func (w written) failure(runID int64, sha string, out checkOutput, reason string) ledger.Verdict {
	v := w.base(runID, sha, out)
	v.Failure, v.JSON = true, rules.JSONError(rules.ErrorGitHub, cmp.Or(reason, "an unknown error"))
	return v
}

// layers names the config files src was read from, as configLoader reads
// them: the org file from the org config repository's default branch, the
// repository's from the base branch (none when the repository is the org
// config repository itself).
func (e *Evaluator) layers(owner, repo, baseRef string, src configSource) []ledger.ConfigLayer {
	out := []ledger.ConfigLayer{{Layer: "org", Repository: owner + "/" + e.opts.OrgConfigRepo, Path: e.opts.ConfigPath, BlobSHA: src.orgSHA}}
	if repo != e.opts.OrgConfigRepo {
		out = append(out, ledger.ConfigLayer{Layer: "repo", Repository: owner + "/" + repo, Ref: baseRef, Path: e.opts.ConfigPath, BlobSHA: src.repoSHA})
	}
	return out
}
