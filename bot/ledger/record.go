package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Verdict is one verdict as written to GitHub's check run.
type Verdict struct {
	InstallationID int64
	Owner, Repo    string
	Number         int
	HeadSHA        string
	BaseSHA        string // "" when GitHub did not say
	BaseRef        string
	// Failure marks tiergate's "could not evaluate" report, written after
	// an evaluation kept failing; JSON is then the verdict schema's error
	// object.
	Failure bool
	// Status and Conclusion are the check run's as written (Conclusion is
	// "" unless Status is "completed"); Title is its title.
	Status, Conclusion, Title string
	Tier, Mode                string // "" when none was decided
	CheckRunID                int64
	// ConfigFingerprint is the config fingerprint, as in the check run's
	// external_id ("" for a failure, which is written without reading the
	// config).
	ConfigFingerprint string
	Config            []ConfigLayer
	// DeliveryID and Event name the webhook delivery whose work wrote the
	// verdict ("" and "sweep" for work the sweep found).
	DeliveryID, Event string
	// JSON is rules.JSON of the result, or rules.JSONError for a failure.
	JSON []byte
	// RecordedAt is when the row is recorded; zero (as tiergate records
	// it): the database's clock. Set for imported or seeded history.
	RecordedAt time.Time
}

// RecordVerdict appends v to the ledger.
func (l *Ledger) RecordVerdict(ctx context.Context, v Verdict) error {
	if !json.Valid(v.JSON) {
		return errors.New("record verdict in the ledger: the verdict is not JSON")
	}
	layers, orgSHA, repoSHA := v.Config, "", ""
	if layers == nil {
		layers = []ConfigLayer{}
	}
	for _, c := range layers {
		switch c.Layer {
		case "org":
			orgSHA = c.BlobSHA
		case "repo":
			repoSHA = c.BlobSHA
		}
	}
	config, err := json.Marshal(layers)
	if err != nil {
		return fmt.Errorf("record verdict in the ledger: %w", err)
	}
	var recordedAt *time.Time
	if !v.RecordedAt.IsZero() {
		recordedAt = &v.RecordedAt
	}
	kind := "verdict"
	if v.Failure {
		kind = "failure"
	}
	_, err = l.pool.Exec(ctx, `
INSERT INTO tiergate_ledger_verdicts
    (installation_id, owner, repo, number, head_sha, base_sha, base_ref, kind, status, conclusion, tier, mode,
     title, check_run_id, config_fingerprint, org_config_sha, repo_config_sha, config, delivery_id, event, verdict,
     recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, nullif($10, ''), nullif($11, ''), nullif($12, ''),
     $13, $14, nullif($15, ''), nullif($16, ''), nullif($17, ''), $18, $19, $20, $21, coalesce($22, now()))`,
		v.InstallationID, v.Owner, v.Repo, v.Number, v.HeadSHA, v.BaseSHA, v.BaseRef, kind, v.Status, v.Conclusion, v.Tier, v.Mode,
		v.Title, v.CheckRunID, v.ConfigFingerprint, orgSHA, repoSHA, config, v.DeliveryID, v.Event, v.JSON, recordedAt)
	if err != nil {
		return wrap("record verdict in the ledger", err)
	}
	return nil
}

// Merge is a pull request closed as merged, as the pull_request event
// describes it.
type Merge struct {
	InstallationID int64
	// RepositoryID is the repository's ID: with Number, it names the pull
	// request even after the repository is renamed, or deleted and created
	// again under the same name. 0 when unknown.
	RepositoryID   int64
	Owner, Repo    string
	Number         int
	Title, Author  string
	URL            string // the pull request's html_url
	CreatedAt      time.Time
	MergedAt       time.Time
	MergedBy       string // "" when the event does not say
	MergeCommitSHA string
	HeadSHA        string
	BaseSHA        string
	BaseRef        string
	DeliveryID     string
}

// MergeRecord is what RecordMerge recorded.
type MergeRecord struct {
	// New is false when the merge was already recorded (a redelivered
	// event): nothing was written and nothing counted.
	New          bool
	Bypass       bool
	BypassReason string
	// Tier is the standing verdict's tier ("" when none).
	Tier string
	// Overridden lists the gates accepted overrides turned from failing
	// into overridden on the merged head.
	Overridden []string
}

// StandingSkew is how long after a merge a verdict may have been recorded
// and still count as the one that stood: the ledger's clock (the
// database's) and GitHub's merged_at may differ by this much.
const StandingSkew = 60 * time.Second

// RecordMerge appends m to the ledger with the verdict that stood on its
// head: the newest verdict recorded for the pull request, that head and
// its base branch, no later than StandingSkew after merged_at. Recording
// is idempotent (one row per pull request of a repository), so the
// caller may retry; metrics count only the first.
func (l *Ledger) RecordMerge(ctx context.Context, m Merge) (MergeRecord, error) {
	var (
		s       standing
		id      *int64
		verdict []byte
		baseRef string
	)
	// A verdict judged for another base is read too, only to say so: it
	// never stands.
	err := l.pool.QueryRow(ctx, `
SELECT id, status, coalesce(conclusion, ''), coalesce(tier, ''), title, check_run_id, verdict, base_ref
FROM tiergate_ledger_verdicts
WHERE lower(owner) = lower($1) AND lower(repo) = lower($2) AND number = $3 AND head_sha = $4
    AND recorded_at <= $6::timestamptz + $7 * interval '1 microsecond'
ORDER BY base_ref = $5 DESC, id DESC LIMIT 1`, m.Owner, m.Repo, m.Number, m.HeadSHA, m.BaseRef, m.MergedAt,
		StandingSkew.Microseconds()).Scan(
		&s.id, &s.status, &s.conclusion, &s.tier, &s.title, &s.checkRunID, &verdict, &baseRef)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return MergeRecord{}, wrap("read the verdict on the merged head", err)
	case baseRef != m.BaseRef:
		s = standing{base: m.BaseRef, otherBase: baseRef}
	default:
		s.found, id = true, &s.id
		s.overridden = overriddenGates(verdict)
	}
	rec := MergeRecord{Tier: s.tier, Overridden: s.overridden}
	s.base = m.BaseRef
	rec.Bypass, rec.BypassReason = judge(s)
	var checkRunID *int64
	if s.found {
		checkRunID = &s.checkRunID
	}
	overridden := s.overridden
	if overridden == nil {
		overridden = []string{}
	}
	tag, err := l.pool.Exec(ctx, `
INSERT INTO tiergate_ledger_merges
    (installation_id, repository_id, owner, repo, number, title, author, url, pr_created_at, merged_at, merged_by, merge_commit_sha,
     head_sha, base_sha, base_ref, verdict_id, check_run_id, status, conclusion, tier, overridden_gates, bypass,
     bypass_reason, delivery_id)
SELECT $1, nullif($24::bigint, 0), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, nullif($17, ''),
     nullif($18, ''), nullif($19, ''), $20, $21, $22, $23
-- The same merge recorded before the ledger knew repository IDs.
WHERE NOT EXISTS (SELECT 1 FROM tiergate_ledger_merges
    WHERE repository_id IS NULL AND lower(owner) = lower($2) AND lower(repo) = lower($3) AND number = $4
        AND merge_commit_sha = $11)
ON CONFLICT DO NOTHING`,
		m.InstallationID, m.Owner, m.Repo, m.Number, m.Title, m.Author, m.URL, m.CreatedAt, m.MergedAt, m.MergedBy,
		m.MergeCommitSHA, m.HeadSHA, m.BaseSHA, m.BaseRef, id, checkRunID, s.status, s.conclusion, s.tier, overridden,
		rec.Bypass, rec.BypassReason, m.DeliveryID, m.RepositoryID)
	if err != nil {
		return MergeRecord{}, wrap("record merge in the ledger", err)
	}
	rec.New = tag.RowsAffected() == 1
	if rec.New && l.metrics != nil {
		repo := m.Owner + "/" + m.Repo
		if rec.Bypass {
			l.metrics.Bypasses.WithLabelValues(repo).Inc()
		}
		for _, g := range rec.Overridden {
			l.metrics.Overrides.WithLabelValues(repo, g).Inc()
		}
	}
	return rec, nil
}
