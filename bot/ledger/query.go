package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Filter selects merges.
type Filter struct {
	// Since and Until bound merged_at: Since <= merged_at < Until. Zero
	// means unbounded.
	Since, Until time.Time
	// Owner and Repo select one repository (case-insensitive, as GitHub
	// treats names); "" selects all.
	Owner, Repo string
}

// MergeEvidence is one merged pull request with the verdict that stood on
// its head: a row of `tiergate ledger export`.
type MergeEvidence struct {
	Owner, Repo    string
	Number         int
	Title, Author  string
	URL            string // the pull request's html_url ("" if GitHub sent none)
	CreatedAt      time.Time
	MergedAt       time.Time
	MergedBy       string
	MergeCommitSHA string
	HeadSHA        string
	BaseSHA        string
	BaseRef        string
	RecordedAt     time.Time
	DeliveryID     string
	Bypass         bool
	BypassReason   string
	// Verdict is the verdict that stood on the merged head, nil when none
	// was recorded.
	Verdict   *Entry
	Approvers []Approver
	Overrides []Override
}

// Entry is one recorded verdict.
type Entry struct {
	ID                int64
	RecordedAt        time.Time
	Failure           bool
	Status            string
	Conclusion        string // "" unless completed
	Tier, Mode        string // "" when none
	Title             string
	CheckRunID        int64
	HeadSHA           string
	BaseSHA           string
	BaseRef           string
	ConfigFingerprint string
	Config            []ConfigLayer
	DeliveryID, Event string
	// JSON is the verdict as recorded (rules.JSON, or the schema's error
	// object for a failure).
	JSON      json.RawMessage
	Gates     []Gate
	Approvers []Approver
	Overrides []Override
}

const entryColumns = `v.id, v.recorded_at, v.kind = 'failure', v.status, coalesce(v.conclusion, ''), coalesce(v.tier, ''),
    coalesce(v.mode, ''), v.title, v.check_run_id, v.head_sha, v.base_sha, v.base_ref, coalesce(v.config_fingerprint, ''),
    v.config, v.delivery_id, v.event, v.verdict`

func scanEntry(row pgx.Row, extra ...any) (Entry, error) {
	var e Entry
	var config []byte
	dest := append(extra, &e.ID, &e.RecordedAt, &e.Failure, &e.Status, &e.Conclusion, &e.Tier, &e.Mode, &e.Title,
		&e.CheckRunID, &e.HeadSHA, &e.BaseSHA, &e.BaseRef, &e.ConfigFingerprint, &config, &e.DeliveryID, &e.Event, &e.JSON)
	if err := row.Scan(dest...); err != nil {
		return Entry{}, err
	}
	if err := json.Unmarshal(config, &e.Config); err != nil {
		return Entry{}, fmt.Errorf("config layers of verdict %d: %w", e.ID, err)
	}
	e.Gates, e.Approvers, e.Overrides = evidence(e.JSON)
	return e, nil
}

const mergeQuery = `
SELECT m.owner, m.repo, m.number, m.title, m.author, m.url, m.pr_created_at, m.merged_at, m.merged_by,
    m.merge_commit_sha, m.head_sha, m.base_sha, m.base_ref, m.recorded_at, m.delivery_id, m.bypass, m.bypass_reason,
    v.id IS NOT NULL,
    coalesce(v.id, 0), coalesce(v.recorded_at, 'epoch'), coalesce(v.kind = 'failure', false), coalesce(v.status, ''),
    coalesce(v.conclusion, ''), coalesce(v.tier, ''), coalesce(v.mode, ''), coalesce(v.title, ''), coalesce(v.check_run_id, 0),
    coalesce(v.head_sha, ''), coalesce(v.base_sha, ''), coalesce(v.base_ref, ''), coalesce(v.config_fingerprint, ''),
    coalesce(v.config, '[]'), coalesce(v.delivery_id, ''), coalesce(v.event, ''), coalesce(v.verdict, 'null')
FROM tiergate_ledger_merges m LEFT JOIN tiergate_ledger_verdicts v ON v.id = m.verdict_id`

func scanMerge(row pgx.Row) (MergeEvidence, error) {
	var m MergeEvidence
	var found bool
	e, err := scanEntry(row, &m.Owner, &m.Repo, &m.Number, &m.Title, &m.Author, &m.URL, &m.CreatedAt, &m.MergedAt,
		&m.MergedBy, &m.MergeCommitSHA, &m.HeadSHA, &m.BaseSHA, &m.BaseRef, &m.RecordedAt, &m.DeliveryID, &m.Bypass,
		&m.BypassReason, &found)
	if err != nil {
		return MergeEvidence{}, err
	}
	m.Approvers, m.Overrides = []Approver{}, []Override{}
	if found {
		m.Verdict = &e
		m.Approvers, m.Overrides = e.Approvers, e.Overrides
	}
	return m, nil
}

// Merges returns the merges f selects, oldest merge first.
func (l *Ledger) Merges(ctx context.Context, f Filter) ([]MergeEvidence, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if !f.Since.IsZero() {
		where = append(where, "m.merged_at >= "+arg(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "m.merged_at < "+arg(f.Until))
	}
	if f.Owner != "" {
		where = append(where, "lower(m.owner) = lower("+arg(f.Owner)+")")
	}
	if f.Repo != "" {
		where = append(where, "lower(m.repo) = lower("+arg(f.Repo)+")")
	}
	q := mergeQuery
	if len(where) > 0 {
		q += "\nWHERE " + strings.Join(where, " AND ")
	}
	q += "\nORDER BY m.merged_at, m.id"
	rows, err := l.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap("read merges from the ledger", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (MergeEvidence, error) { return scanMerge(r) })
	if err != nil {
		return nil, wrap("read merges from the ledger", err)
	}
	return out, nil
}

// History returns every verdict recorded for one pull request, newest
// first, and its merge (nil when it was not merged, or the merge was not
// recorded).
func (l *Ledger) History(ctx context.Context, owner, repo string, number int) ([]Entry, *MergeEvidence, error) {
	rows, err := l.pool.Query(ctx, `SELECT `+entryColumns+`
FROM tiergate_ledger_verdicts v
WHERE lower(v.owner) = lower($1) AND lower(v.repo) = lower($2) AND v.number = $3
ORDER BY v.id DESC`, owner, repo, number)
	if err != nil {
		return nil, nil, wrap("read verdicts from the ledger", err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) { return scanEntry(r) })
	if err != nil {
		return nil, nil, wrap("read verdicts from the ledger", err)
	}
	m, err := scanMerge(l.pool.QueryRow(ctx, mergeQuery+`
WHERE lower(m.owner) = lower($1) AND lower(m.repo) = lower($2) AND m.number = $3`, owner, repo, number))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return entries, nil, nil
	case err != nil:
		return nil, nil, wrap("read the merge from the ledger", err)
	}
	return entries, &m, nil
}

// PullRequestURL is the link to the pull request: the html_url GitHub sent
// (right for GitHub Enterprise Server too), else one built on webURL
// (e.g. https://github.com).
func (m MergeEvidence) PullRequestURL(webURL string) string {
	if m.URL != "" {
		return m.URL
	}
	return m.repoURL(webURL) + fmt.Sprintf("/pull/%d", m.Number)
}

// CheckRunURL is the link to the check run of the verdict that stood, ""
// when there was none.
func (m MergeEvidence) CheckRunURL(webURL string) string {
	if m.Verdict == nil || m.Verdict.CheckRunID == 0 {
		return ""
	}
	return m.repoURL(webURL) + fmt.Sprintf("/runs/%d", m.Verdict.CheckRunID)
}

// repoURL is the repository's web address, taken from the pull request's
// html_url when there is one.
func (m MergeEvidence) repoURL(webURL string) string {
	if base, ok := strings.CutSuffix(m.URL, fmt.Sprintf("/pull/%d", m.Number)); ok && base != "" {
		return base
	}
	return strings.TrimSuffix(webURL, "/") + "/" + m.Owner + "/" + m.Repo
}
