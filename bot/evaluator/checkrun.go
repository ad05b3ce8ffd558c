package evaluator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/queue"
)

// maxOutputBytes keeps check run summaries and comments under GitHub's
// 65,535-character limit, with room for the truncation note. Counting bytes
// is stricter than counting characters, so it is always safe.
const maxOutputBytes = 65000

// checkOutput is the content of one check run write.
type checkOutput struct {
	Status     string // "in_progress" or "completed"
	Conclusion string // for completed: "success", "failure" or "neutral"
	Title      string
	Summary    string
	ExternalID string // the config fingerprint of a verdict; "" when none (see fingerprintOf)
}

// runState is what GitHub holds in tiergate's newest check run on a head,
// as compared before deciding to write.
type runState struct {
	id          int64
	startedAt   time.Time
	status      string
	conclusion  string
	title       string
	summaryHash string
	detailsURL  string
	externalID  string
}

// checkRuns keeps exactly one check run per head SHA: it reads tiergate's
// newest run on the head from GitHub on every write, updates it when its
// content differs from the verdict and creates one when there is none.
type checkRuns struct {
	appID      int64
	name       string
	detailsURL string
	now        func() time.Time

	// listings keeps the last answer of each check-run listing, only to
	// revalidate it with If-None-Match.
	listings *ghclient.Cache[*runState]
}

func newCheckRuns(appID int64, name, detailsURL string, now func() time.Time) *checkRuns {
	return &checkRuns{
		appID: appID, name: name, detailsURL: detailsURL, now: now,
		listings: ghclient.NewCache[*runState](listingTTL, maxPages, now),
	}
}

// upsert makes tiergate's check run on sha read out, creating it if needed,
// and returns its ID (the ledger records it). Whether to write is decided
// against what GitHub holds now; guard is called just before each write,
// and its error is returned unwritten.
//
// A completed run is never set back to in progress (GitHub may refuse, and
// branch protection may have acted on its conclusion): a verdict that goes
// back to pending (CI re-run) gets a new run, which GitHub shows as the
// check. Every run tiergate creates on sha carries the started_at of the
// one before it, so started_at stays when tiergate first saw sha.
func (c *checkRuns) upsert(ctx context.Context, gh *github.Client, owner, repo, sha string, out checkOutput, guard queue.Guard) (int64, error) {
	return c.write(ctx, gh, owner, repo, sha, out, guard, false, nil)
}

// upsertAsRead is upsert deciding against tiergate's run as this same
// evaluation just read it from GitHub (listing every App's check runs on
// sha for the required checks), which saves listing it again. read.cur is
// nil when there was none.
func (c *checkRuns) upsertAsRead(ctx context.Context, gh *github.Client, owner, repo, sha string, out checkOutput, guard queue.Guard, read *ownRun) (int64, error) {
	return c.write(ctx, gh, owner, repo, sha, out, guard, false, read)
}

// ownRun is tiergate's newest run on a commit as an evaluation read it.
type ownRun struct {
	cur *runState
}

// markInProgress writes an in-progress mark unless tiergate's run on sha
// has completed: a verdict there stands until the evaluation replaces it.
func (c *checkRuns) markInProgress(ctx context.Context, gh *github.Client, owner, repo, sha string, out checkOutput, guard queue.Guard) error {
	_, err := c.write(ctx, gh, owner, repo, sha, out, guard, true, nil)
	return err
}

// write returns the ID of the run that reads out (or, with keepCompleted,
// of the completed run left standing).
func (c *checkRuns) write(ctx context.Context, gh *github.Client, owner, repo, sha string, out checkOutput, guard queue.Guard, keepCompleted bool, read *ownRun) (int64, error) {
	// A write that waits (a retry, a rate limit) asks the guard again
	// before it is resent.
	ctx = ghclient.WithWriteCheck(ctx, guard.Check)
	out.Summary = truncateOutput(out.Summary)
	var cur *runState
	if read != nil {
		cur = read.cur
	} else {
		var err error
		if cur, err = c.current(ctx, gh, owner, repo, sha); err != nil {
			return 0, err
		}
	}
	started := c.now()
	if cur != nil {
		if c.holds(cur, out) {
			return cur.id, nil
		}
		if !cur.startedAt.IsZero() {
			started = cur.startedAt
		}
		reopen := cur.status == "completed" && out.Status != "completed"
		if reopen && keepCompleted {
			return cur.id, nil
		}
		if !reopen {
			if err := guard.Check(ctx); err != nil {
				return 0, err
			}
			err := c.update(ctx, gh, owner, repo, cur.id, out)
			if !isNotFound(err) {
				return cur.id, err
			}
			// Gone since it was listed: create a new one.
		}
	}
	if err := guard.Check(ctx); err != nil {
		return 0, err
	}
	return c.create(ctx, gh, owner, repo, sha, out, started)
}

// holds reports whether the check run on GitHub already reads out.
func (c *checkRuns) holds(cur *runState, out checkOutput) bool {
	same := cur.status == out.Status && cur.conclusion == out.Conclusion && cur.title == out.Title &&
		cur.summaryHash == hashText(out.Summary) && cur.externalID == out.ExternalID
	// Without a details URL of ours GitHub shows the App's page; that is not ours to manage.
	return same && (c.detailsURL == "" || cur.detailsURL == c.detailsURL)
}

// current returns tiergate's newest check run on sha as GitHub holds it
// now, or nil. The listing is revalidated with its ETag, so an unchanged
// head costs a 304.
func (c *checkRuns) current(ctx context.Context, gh *github.Client, owner, repo, sha string) (*runState, error) {
	q := url.Values{"check_name": {c.name}, "per_page": {strconv.Itoa(ghclient.PerPage)}}
	if c.appID != 0 {
		q.Set("app_id", strconv.FormatInt(c.appID, 10))
	}
	u := fmt.Sprintf("repos/%s/%s/commits/%s/check-runs?%s", url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(sha), q.Encode())
	cur, _, err := ghclient.Get(ctx, gh, c.listings, u, func(raw json.RawMessage) (*runState, error) {
		var res github.ListCheckRunsResults
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, err
		}
		return c.newest(res.CheckRuns, sha), nil
	})
	if err != nil {
		return nil, fmt.Errorf("list check runs on %s/%s@%s: %w", owner, repo, sha, err)
	}
	return cur, nil
}

// newest picks the run GitHub shows for the check: the newest of ours.
// Check run IDs grow with creation.
func (c *checkRuns) newest(runs []*github.CheckRun, sha string) *runState {
	var best *github.CheckRun
	for _, run := range runs {
		if run.GetName() != c.name || run.GetHeadSHA() != sha || (c.appID != 0 && run.GetApp().GetID() != 0 && run.GetApp().GetID() != c.appID) {
			continue
		}
		if best == nil || run.GetID() > best.GetID() {
			best = run
		}
	}
	if best == nil {
		return nil
	}
	return runStateOf(best)
}

// runStateOf is what upsert compares of a listed run.
func runStateOf(run *github.CheckRun) *runState {
	return &runState{
		id:          run.GetID(),
		startedAt:   run.GetStartedAt().Time,
		status:      run.GetStatus(),
		conclusion:  run.GetConclusion(),
		title:       run.GetOutput().GetTitle(),
		summaryHash: hashText(run.GetOutput().GetSummary()),
		detailsURL:  run.GetDetailsURL(),
		externalID:  run.GetExternalID(),
	}
}

func (c *checkRuns) create(ctx context.Context, gh *github.Client, owner, repo, sha string, out checkOutput, started time.Time) (int64, error) {
	u := c.options(out)
	run, _, err := gh.Checks.CreateCheckRun(ctx, owner, repo, github.CreateCheckRunOptions{
		Name: u.Name, HeadSHA: sha, DetailsURL: u.DetailsURL, ExternalID: u.ExternalID, Status: u.Status,
		Conclusion: u.Conclusion, StartedAt: &github.Timestamp{Time: started}, CompletedAt: u.CompletedAt, Output: u.Output,
	})
	if err != nil {
		return 0, fmt.Errorf("create check run on %s/%s@%s: %w", owner, repo, sha, err)
	}
	return run.GetID(), nil
}

// options holds what a create and an update of the check run both send.
func (c *checkRuns) options(out checkOutput) github.UpdateCheckRunOptions {
	opts := github.UpdateCheckRunOptions{
		Name:   c.name,
		Status: github.String(out.Status),
		// Always sent, "" included, so an update never leaves an older
		// verdict's fingerprint on the run.
		ExternalID: github.String(out.ExternalID),
		Output:     &github.CheckRunOutput{Title: github.String(out.Title), Summary: github.String(out.Summary)},
	}
	if c.detailsURL != "" {
		opts.DetailsURL = github.String(c.detailsURL)
	}
	if out.Status == "completed" {
		opts.Conclusion = github.String(out.Conclusion)
		opts.CompletedAt = &github.Timestamp{Time: c.now()}
	}
	return opts
}

func (c *checkRuns) update(ctx context.Context, gh *github.Client, owner, repo string, id int64, out checkOutput) error {
	if _, _, err := gh.Checks.UpdateCheckRun(ctx, owner, repo, id, c.options(out)); err != nil {
		return fmt.Errorf("update check run %d on %s/%s: %w", id, owner, repo, err)
	}
	return nil
}

func isNotFound(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}

// truncateOutput cuts s to fit GitHub's limit on a UTF-8 boundary and says so.
func truncateOutput(s string) string {
	if len(s) <= maxOutputBytes {
		return s
	}
	const note = "\n\n…(truncated: the full report is longer than GitHub allows)"
	cut := maxOutputBytes - len(note)
	// Cut at a line's end: a cut inside a line could leave a code span
	// open and make the rest of a hostile value live Markdown.
	if nl := strings.LastIndexByte(s[:cut], '\n'); nl >= 0 {
		return s[:nl] + note
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + note
}
