package evaluator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/rules"
)

// ciReader reads what CI reported on a commit: the check runs of every App
// (the newest of each name within each App's check suite: filter=latest)
// and the commit statuses (the newest of each context: the combined
// status), both paginated and
// revalidated with their ETags, so an unchanged page costs a 304.
type ciReader struct {
	appID     int64
	checkName string
	runs      *ghclient.Cache[[]listedRun]
	statuses  *ghclient.Cache[[]rules.CheckResult]
}

// listedRun is a check run as listed, with the App that created it and,
// for tiergate's own, what upsert compares.
type listedRun struct {
	appID int64
	check rules.CheckResult
	state *runState
}

func newCIReader(appID int64, checkName string, now func() time.Time) *ciReader {
	return &ciReader{
		appID: appID, checkName: checkName,
		runs:     ghclient.NewCache[[]listedRun](listingTTL, maxPages, now),
		statuses: ghclient.NewCache[[]rules.CheckResult](listingTTL, maxPages, now),
	}
}

// headChecks is what CI reported on one commit, tiergate's own runs apart.
type headChecks struct {
	checks []rules.CheckResult
	// firstSeen is the started_at of tiergate's run on the commit (zero
	// when there is none): tiergate carries it over to every run it
	// creates there, so it is when tiergate first saw the commit.
	firstSeen time.Time
	// own is tiergate's newest run on the commit as listed, for the write
	// that follows (see upsertAsRead).
	own *ownRun
}

// read lists the check runs and the combined status of sha. Any error is
// returned: required checks that cannot be read must never look passed.
func (r *ciReader) read(ctx context.Context, gh *github.Client, owner, repo, sha string) (headChecks, error) {
	var out headChecks
	q := url.Values{"filter": {"latest"}, "per_page": {strconv.Itoa(ghclient.PerPage)}}
	u := fmt.Sprintf("repos/%s/%s/commits/%s/check-runs?%s", url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(sha), q.Encode())
	runs, err := ghclient.List(ctx, gh, r.runs, u, 0, func(raw json.RawMessage) ([]listedRun, error) {
		var res github.ListCheckRunsResults
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, err
		}
		page := make([]listedRun, 0, len(res.CheckRuns))
		for _, run := range res.CheckRuns {
			lr := listedRun{appID: run.GetApp().GetID(), check: checkRunResult(run)}
			if lr.appID == r.appID && run.GetName() == r.checkName && run.GetHeadSHA() == sha {
				lr.state = runStateOf(run)
			}
			page = append(page, lr)
		}
		return page, nil
	})
	if err != nil {
		return out, fmt.Errorf("list check runs on %s/%s@%s: %w", owner, repo, sha, err)
	}
	out.own = &ownRun{}
	for _, run := range runs {
		if run.appID != r.appID {
			out.checks = append(out.checks, run.check)
			continue
		}
		// tiergate's own run: never a required check (a "*" glob would
		// wait for itself), but its start is when tiergate first saw sha.
		if run.state == nil {
			continue
		}
		if !run.state.startedAt.IsZero() && (out.firstSeen.IsZero() || run.state.startedAt.Before(out.firstSeen)) {
			out.firstSeen = run.state.startedAt
		}
		if out.own.cur == nil || run.state.id > out.own.cur.id {
			out.own.cur = run.state
		}
	}
	u = fmt.Sprintf("repos/%s/%s/commits/%s/status?per_page=%d", url.PathEscape(owner), url.PathEscape(repo), url.PathEscape(sha), ghclient.PerPage)
	statuses, err := ghclient.List(ctx, gh, r.statuses, u, 0, func(raw json.RawMessage) ([]rules.CheckResult, error) {
		var res github.CombinedStatus
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, err
		}
		page := make([]rules.CheckResult, 0, len(res.Statuses))
		for _, st := range res.Statuses {
			page = append(page, statusResult(st))
		}
		return page, nil
	})
	if err != nil {
		return out, fmt.Errorf("read the combined status of %s/%s@%s: %w", owner, repo, sha, err)
	}
	out.checks = append(out.checks, statuses...)
	return out, nil
}

// checkRunResult is a check run as the engine sees it. The link is
// GitHub's own page for the run, not the App-chosen details URL.
func checkRunResult(run *github.CheckRun) rules.CheckResult {
	return rules.CheckResult{
		Kind:        rules.CheckRun,
		Name:        run.GetName(),
		Source:      run.GetApp().GetSlug(),
		Status:      rules.CheckStatus(run.GetStatus()),
		Conclusion:  rules.CheckConclusion(run.GetConclusion()),
		StartedAt:   run.GetStartedAt().Time,
		CompletedAt: run.GetCompletedAt().Time,
		URL:         run.GetHTMLURL(),
	}
}

// statusResult is a commit status as the engine sees it: pending runs,
// any other state is its conclusion.
func statusResult(st *github.RepoStatus) rules.CheckResult {
	c := rules.CheckResult{
		Kind:      rules.CommitStatus,
		Name:      st.GetContext(),
		Source:    st.GetCreator().GetLogin(),
		Status:    rules.CheckCompleted,
		StartedAt: st.GetCreatedAt().Time,
		URL:       st.GetTargetURL(),
	}
	if st.GetState() == "pending" {
		c.Status = rules.CheckPending
		return c
	}
	c.Conclusion, c.CompletedAt = rules.CheckConclusion(st.GetState()), st.GetUpdatedAt().Time
	return c
}

// fillChecks reads CI into snap when the engine says its tier or touched
// critical paths require checks, and stamps the evaluation's time; with
// none required it makes no request (and returns nil). It returns
// tiergate's own run as listed alongside.
func (e *Evaluator) fillChecks(ctx context.Context, gh *github.Client, cfg *rules.Config, owner, repo string, snap *rules.PullRequest) (*ownRun, error) {
	snap.Now = e.now()
	if len(rules.RequiredChecks(cfg, *snap)) == 0 {
		return nil, nil
	}
	hc, err := e.ci.read(ctx, gh, owner, repo, snap.HeadSHA)
	if err != nil {
		return nil, err
	}
	snap.Checks, snap.FirstSeen = hc.checks, hc.firstSeen
	return hc.own, nil
}
