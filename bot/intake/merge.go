package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/logfield"
)

// Merges records merged pull requests in the decision ledger (bot/ledger,
// PostgreSQL mode only).
type Merges interface {
	// RecordMerge records m with the verdict that stood on its head. It is
	// idempotent: a redelivered event records nothing more.
	RecordMerge(ctx context.Context, m ledger.Merge) (ledger.MergeRecord, error)
}

// closed plans recording a merge. A pull request closed without merging
// changes nothing; without a ledger (memory mode) a merge is ignored too.
// The event carries everything the ledger records, so no GitHub call is
// needed: the verdict that stood is the ledger's own newest row for the
// merged head.
func (rt router) closed(e eventPayload) (plan, error) {
	pr := e.PullRequest
	if pr == nil || !pr.Merged {
		return ignore("pull_request closed without merging does not change the verdict")
	}
	if !rt.settings.recordMerges {
		return ignore("pull_request merged; the decision ledger needs a database (TIERGATE_DATABASE_URL), so it is not recorded")
	}
	id, err := installationID(e.Installation)
	if err != nil {
		return plan{}, err
	}
	owner, name, err := repoOf(e.Repository)
	if err != nil {
		return plan{}, err
	}
	n := e.Number
	if n == 0 {
		n = pr.Number
	}
	if n <= 0 {
		return plan{}, errors.New("payload has no pull request number")
	}
	if pr.Head.SHA == "" {
		return plan{}, errors.New("merged pull request has no head SHA")
	}
	mergedAt, err := time.Parse(time.RFC3339, pr.MergedAt)
	if err != nil {
		return plan{}, fmt.Errorf("merged pull request has no valid merged_at: %q", short(pr.MergedAt))
	}
	createdAt, err := time.Parse(time.RFC3339, pr.CreatedAt)
	if err != nil {
		return plan{}, fmt.Errorf("merged pull request has no valid created_at: %q", short(pr.CreatedAt))
	}
	m := &ledger.Merge{
		InstallationID: id, RepositoryID: e.Repository.ID, Owner: owner, Repo: name, Number: n, Title: pr.Title, Author: pr.User.Login,
		URL: pr.HTMLURL, CreatedAt: createdAt, MergedAt: mergedAt, MergeCommitSHA: pr.MergeCommitSHA,
		HeadSHA: pr.Head.SHA, BaseSHA: pr.Base.SHA, BaseRef: pr.Base.Ref, DeliveryID: rt.deliveryID,
	}
	if pr.MergedBy != nil {
		m.MergedBy = pr.MergedBy.Login
	}
	return plan{merge: m}, nil
}

// short keeps a quoted payload value from flooding the one-line answer.
func short(s string) string {
	const max = 40
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// recordMerge records m and logs what it found; false when it could not.
func (h *Handler) recordMerge(ctx context.Context, m ledger.Merge) bool {
	ll := zerolog.Ctx(ctx).With().Str(logfield.Repo, m.Owner+"/"+m.Repo).Int(logfield.PR, m.Number).
		Str(logfield.HeadSHA, m.HeadSHA).Logger()
	l := &ll
	rec, err := h.opts.Merges.RecordMerge(ctx, m)
	if err != nil {
		l.Error().Err(err).Msg("could not record the merge in the ledger")
		return false
	}
	switch {
	case !rec.New:
		l.Info().Msg("merge already recorded in the ledger")
	case rec.Bypass:
		l.Warn().Str("merged_by", m.MergedBy).Str("bypass_reason", rec.BypassReason).Msg("merge recorded in the ledger: it bypassed tiergate")
	default:
		l.Info().Str("merged_by", m.MergedBy).Strs("overridden", rec.Overridden).Msg("merge recorded in the ledger")
	}
	return true
}
