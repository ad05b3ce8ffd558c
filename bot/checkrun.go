package bot

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// maxOutputBytes keeps check run summaries and comments under GitHub's
// 65,535-character limit, with room for the truncation note. Counting bytes
// is stricter than counting characters, so it is always safe.
const maxOutputBytes = 65000

// reportTTL bounds how long check run and comment IDs are remembered.
const reportTTL = 24 * time.Hour

// checkOutput is the content of one check run write.
type checkOutput struct {
	Status     string // "in_progress" or "completed"
	Conclusion string // for completed: "success", "failure" or "neutral"
	Title      string
	Summary    string
}

func (o checkOutput) hash(detailsURL string) string {
	h := sha256.New()
	for _, s := range []string{o.Status, o.Conclusion, o.Title, o.Summary, detailsURL} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

type checkKey struct{ owner, repo, sha string }

// checkRuns keeps exactly one check run per head SHA: found by name + head
// SHA (or by its cached ID), created when missing, updated only when its
// content changes.
type checkRuns struct {
	appID      int64
	name       string
	detailsURL string

	ids  *ttlCache[checkKey, int64]
	last *ttlCache[int64, string] // check run ID → hash of what was last written
}

func newCheckRuns(appID int64, name, detailsURL string, now func() time.Time) *checkRuns {
	return &checkRuns{
		appID: appID, name: name, detailsURL: detailsURL,
		ids:  newTTLCache[checkKey, int64](reportTTL, now),
		last: newTTLCache[int64, string](reportTTL, now),
	}
}

// upsert writes out to the check run on sha, creating it if needed.
func (c *checkRuns) upsert(ctx context.Context, gh *github.Client, owner, repo, sha string, out checkOutput) error {
	out.Summary = truncateOutput(out.Summary)
	k := checkKey{owner: strings.ToLower(owner), repo: strings.ToLower(repo), sha: sha}
	want := out.hash(c.detailsURL)
	id, ok := c.ids.get(k)
	if !ok {
		found, err := c.find(ctx, gh, owner, repo, sha)
		if err != nil {
			return err
		}
		if found != nil {
			id = found.GetID()
			c.ids.put(k, id)
			details := found.GetDetailsURL()
			if c.detailsURL == "" {
				details = "" // GitHub fills in the App's page; we do not manage it
			}
			c.last.put(id, outputOf(found).hash(details))
		}
	}
	if id != 0 {
		if last, ok := c.last.get(id); ok && last == want {
			return nil
		}
		err := c.update(ctx, gh, owner, repo, id, out)
		if !isNotFound(err) {
			if err == nil {
				c.last.put(id, want)
			}
			return err
		}
		// Deleted behind our back: fall through and create a new one.
	}
	created, err := c.create(ctx, gh, owner, repo, sha, out)
	if err != nil {
		return err
	}
	c.ids.put(k, created)
	c.last.put(created, want)
	return nil
}

// find returns tiergate's newest check run on sha, or nil.
func (c *checkRuns) find(ctx context.Context, gh *github.Client, owner, repo, sha string) (*github.CheckRun, error) {
	opts := &github.ListCheckRunsOptions{CheckName: github.String(c.name), ListOptions: github.ListOptions{PerPage: perPage}}
	if c.appID != 0 {
		opts.AppID = github.Int64(c.appID)
	}
	res, _, err := gh.Checks.ListCheckRunsForRef(ctx, owner, repo, sha, opts)
	if err != nil {
		return nil, fmt.Errorf("list check runs on %s/%s@%s: %w", owner, repo, sha, err)
	}
	for _, run := range res.CheckRuns {
		if run.GetName() == c.name && run.GetHeadSHA() == sha {
			return run, nil
		}
	}
	return nil, nil
}

func (c *checkRuns) create(ctx context.Context, gh *github.Client, owner, repo, sha string, out checkOutput) (int64, error) {
	u := c.options(out)
	run, _, err := gh.Checks.CreateCheckRun(ctx, owner, repo, github.CreateCheckRunOptions{
		Name: u.Name, HeadSHA: sha, DetailsURL: u.DetailsURL, Status: u.Status,
		Conclusion: u.Conclusion, CompletedAt: u.CompletedAt, Output: u.Output,
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
		Output: &github.CheckRunOutput{Title: github.String(out.Title), Summary: github.String(out.Summary)},
	}
	if c.detailsURL != "" {
		opts.DetailsURL = github.String(c.detailsURL)
	}
	if out.Status == "completed" {
		opts.Conclusion = github.String(out.Conclusion)
		opts.CompletedAt = &github.Timestamp{Time: time.Now()}
	}
	return opts
}

func (c *checkRuns) update(ctx context.Context, gh *github.Client, owner, repo string, id int64, out checkOutput) error {
	if _, _, err := gh.Checks.UpdateCheckRun(ctx, owner, repo, id, c.options(out)); err != nil {
		return fmt.Errorf("update check run %d on %s/%s: %w", id, owner, repo, err)
	}
	return nil
}

func outputOf(run *github.CheckRun) checkOutput {
	return checkOutput{
		Status:     run.GetStatus(),
		Conclusion: run.GetConclusion(),
		Title:      run.GetOutput().GetTitle(),
		Summary:    run.GetOutput().GetSummary(),
	}
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
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + note
}
