package intake

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"encoding/json"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/logfield"
	"github.com/tiergate/tiergate/bot/queue"
)

// recheckCommand is the pull request comment that asks for a re-evaluation.
const recheckCommand = "/tiergate recheck"

// truncatedCommits is the commit count from which a push payload may not
// list every commit, so a config change cannot be ruled out.
const truncatedCommits = 20

// plan is what one verified delivery asks of the server.
type plan struct {
	jobs []queue.Job
	// configChanged names repositories whose cached config must be dropped
	// before anything else runs.
	configChanged []queue.RepoRef
	// ignored says why nothing is done, for the response and debug log.
	ignored string
	// merge, when set, is recorded in the ledger before the delivery is
	// acknowledged.
	merge *ledger.Merge
}

// RouteSettings are the server settings routing depends on.
type RouteSettings struct {
	AppID         int64
	CheckName     string
	ConfigPath    string
	OrgConfigRepo string

	// recordMerges routes merged pull requests to the ledger; New sets it
	// when there is one (Options.Merges).
	recordMerges bool
}

// router turns a verified delivery into a plan. It calls no GitHub API:
// anything that needs one becomes a job for the workers.
type router struct {
	settings   RouteSettings
	event      string
	deliveryID string
}

func ignore(format string, args ...any) (plan, error) {
	return plan{ignored: fmt.Sprintf(format, args...)}, nil
}

// route reads body once: the events tiergate acts on are decoded (which
// also rejects malformed JSON); the others are only checked to be JSON.
func (rt router) route(ctx context.Context, body []byte) (plan, error) {
	switch rt.event {
	case "pull_request", "pull_request_review", "check_run", "check_suite", "status",
		"issue_comment", "push", "merge_group", "installation", "installation_repositories":
	default:
		if !json.Valid(body) {
			return plan{}, errors.New("body is not valid JSON")
		}
		if rt.event == "ping" {
			return ignore("pong")
		}
		return ignore("event %q is not used by tiergate", rt.event)
	}
	var p eventPayload
	if err := json.Unmarshal(body, &p); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return plan{}, errors.New("body is not valid JSON")
		}
		return plan{}, fmt.Errorf("cannot read the %s payload: %v", rt.event, err)
	}
	switch rt.event {
	case "pull_request":
		return rt.pullRequest(p)
	case "pull_request_review":
		return rt.pullRequestReview(p)
	case "check_run":
		return rt.checkRun(p)
	case "check_suite":
		return rt.checkSuite(p)
	case "status":
		return rt.status(p)
	case "issue_comment":
		return rt.issueComment(p)
	case "push":
		return rt.push(p)
	case "merge_group":
		return rt.mergeGroup(p)
	case "installation":
		zerolog.Ctx(ctx).Info().Str(logfield.Action, p.Action).Str("account", p.Installation.Account.Login).
			Int64(logfield.InstallationID, p.Installation.ID).Int("repositories", len(p.Repositories)).Msg("installation changed")
		return ignore("noted")
	}
	zerolog.Ctx(ctx).Info().Str(logfield.Action, p.Action).Str("account", p.Installation.Account.Login).
		Int64(logfield.InstallationID, p.Installation.ID).Int("added", len(p.RepositoriesAdded)).
		Int("removed", len(p.RepositoriesRemoved)).Msg("installation repositories changed")
	return ignore("noted")
}

// errNoInstallation is a 400: without an installation ID the App cannot
// authenticate to act on the delivery.
var errNoInstallation = errors.New("payload has no installation ID, so tiergate cannot authenticate for it (is the webhook configured on the GitHub App?)")

func installationID(inst installation) (int64, error) {
	if id := inst.ID; id > 0 {
		return id, nil
	}
	return 0, errNoInstallation
}

func repoOf(r repository) (owner, name string, err error) {
	owner, name = r.Owner.Login, r.Name
	if owner == "" || name == "" {
		return "", "", errors.New("payload has no repository owner or name")
	}
	return owner, name, nil
}

// prJob plans one evaluation of pull request number in repo.
func (rt router) prJob(inst installation, repo repository, number int, headSHA, action string) (plan, error) {
	id, err := installationID(inst)
	if err != nil {
		return plan{}, err
	}
	owner, name, err := repoOf(repo)
	if err != nil {
		return plan{}, err
	}
	if number <= 0 {
		return plan{}, errors.New("payload has no pull request number")
	}
	j := queue.Job{InstallationID: id, Owner: owner, Repo: name, Number: number, HeadSHA: headSHA,
		DeliveryID: rt.deliveryID, Event: rt.event + "." + action}
	return plan{jobs: []queue.Job{j}}, nil
}

var prActions = []string{"opened", "reopened", "synchronize", "labeled", "unlabeled", "ready_for_review"}

func (rt router) pullRequest(e eventPayload) (plan, error) {
	a := e.Action
	switch {
	case slices.Contains(prActions, a):
	case a == "edited" && e.Changes != nil && present(e.Changes.Base):
		// A new base branch means new config and a new diff.
	case a == "closed":
		return rt.closed(e)
	default:
		return ignore("pull_request action %q does not change the verdict", a)
	}
	n, sha := e.Number, ""
	if pr := e.PullRequest; pr != nil {
		if n == 0 {
			n = pr.Number
		}
		sha = pr.Head.SHA
	}
	return rt.prJob(e.Installation, e.Repository, n, sha, a)
}

func (rt router) pullRequestReview(e eventPayload) (plan, error) {
	a := e.Action
	if a != "submitted" && a != "edited" && a != "dismissed" {
		return ignore("pull_request_review action %q does not change the verdict", a)
	}
	var pr prRef
	if e.PullRequest != nil {
		pr = *e.PullRequest
	}
	return rt.prJob(e.Installation, e.Repository, pr.Number, pr.Head.SHA, a)
}

func (rt router) checkRun(e eventPayload) (plan, error) {
	var cr checkRef
	if e.CheckRun != nil {
		cr = *e.CheckRun
	}
	switch {
	case e.Action == "created" || e.Action == "completed":
		if cr.App.ID == rt.settings.AppID {
			// tiergate's own writes: evaluating on them would loop.
			return ignore("check run %q is tiergate's own", cr.Name)
		}
		branch := ""
		if cr.CheckSuite != nil {
			branch = cr.CheckSuite.HeadBranch
		}
		// created too: a re-run of a required check takes a green verdict
		// back to pending until it completes.
		return rt.ciChanged(e, cr.PullRequests, cr.HeadSHA, []string{branch})
	case e.Action != "rerequested":
		return ignore("check_run action %q changes no verdict", e.Action)
	}
	if cr.Name != rt.settings.CheckName || cr.App.ID != rt.settings.AppID {
		return ignore("check run %q of app %d is not tiergate's", cr.Name, cr.App.ID)
	}
	return rt.rerun(e.Installation, e.Repository, cr.PullRequests, cr.HeadSHA)
}

func (rt router) checkSuite(e eventPayload) (plan, error) {
	var cs checkRef
	if e.CheckSuite != nil {
		cs = *e.CheckSuite
	}
	switch {
	case e.Action == "completed":
		if cs.App.ID == rt.settings.AppID {
			return ignore("check suite is tiergate's own")
		}
		return rt.ciChanged(e, cs.PullRequests, cs.HeadSHA, []string{cs.HeadBranch})
	case e.Action != "rerequested":
		return ignore("check_suite action %q changes no verdict", e.Action)
	}
	if cs.App.ID != rt.settings.AppID {
		return ignore("check suite of app %d is not tiergate's", cs.App.ID)
	}
	return rt.rerun(e.Installation, e.Repository, cs.PullRequests, cs.HeadSHA)
}

// rerun plans evaluations of the pull requests a check re-run names, or,
// when GitHub lists none (it omits pull requests from forks), a task that
// finds them by head commit.
func (rt router) rerun(inst installation, repo repository, prs []prRef, headSHA string) (plan, error) {
	var p plan
	for _, pr := range prs {
		q, err := rt.prJob(inst, repo, pr.Number, pr.Head.SHA, "rerequested")
		if err != nil {
			return plan{}, err
		}
		p.jobs = append(p.jobs, q.jobs...)
	}
	if len(prs) > 0 {
		return p, nil
	}
	id, err := installationID(inst)
	if err != nil {
		return plan{}, err
	}
	owner, name, err := repoOf(repo)
	if err != nil {
		return plan{}, err
	}
	if headSHA == "" {
		return plan{}, errors.New("payload lists no pull request and no head SHA")
	}
	j := rt.template(id, "rerequested")
	j.Kind, j.Owner, j.Repo, j.HeadSHA = queue.KindCommit, owner, name, headSHA
	return plan{jobs: []queue.Job{j}}, nil
}

func (rt router) issueComment(e eventPayload) (plan, error) {
	if e.Action != "created" || e.Issue == nil || !present(e.Issue.PullRequest) {
		return ignore("not a new pull request comment")
	}
	if e.Comment == nil || strings.TrimSpace(e.Comment.Body) != recheckCommand {
		return ignore("comment is not %q", recheckCommand)
	}
	user := e.Comment.User.Login
	if user == "" {
		// Without a commenter the permission check could not happen.
		return plan{}, errors.New("recheck comment has no author")
	}
	p, err := rt.prJob(e.Installation, e.Repository, e.Issue.Number, "", "created")
	if err != nil {
		return plan{}, err
	}
	p.jobs[0].RequireWriteFrom = user
	return p, nil
}

func (rt router) mergeGroup(e eventPayload) (plan, error) {
	if e.Action != "checks_requested" {
		return ignore("merge_group action %q needs no check", e.Action)
	}
	id, err := installationID(e.Installation)
	if err != nil {
		return plan{}, err
	}
	owner, name, err := repoOf(e.Repository)
	if err != nil {
		return plan{}, err
	}
	var sha, ref string
	if e.MergeGroup != nil {
		sha, ref = e.MergeGroup.HeadSHA, e.MergeGroup.HeadRef
	}
	if sha == "" {
		return plan{}, errors.New("merge_group payload has no head_sha")
	}
	j := rt.template(id, e.Action)
	// The queue's branch names the pull request this entry adds, e.g.
	// refs/heads/gh-readonly-queue/main/pr-123-<base sha>; 0 when it does
	// not, and the check then fails closed.
	j.Kind, j.Owner, j.Repo, j.HeadSHA, j.Number = queue.KindMergeGroup, owner, name, sha, mergeQueuePR(ref)
	return plan{jobs: []queue.Job{j}}, nil
}

// template is the job fields shared by every job a fan-out produces.
func (rt router) template(installationID int64, action string) queue.Job {
	return queue.Job{InstallationID: installationID, DeliveryID: rt.deliveryID, Event: rt.event + "." + action}
}

var mergeQueueRef = regexp.MustCompile(`/pr-([0-9]+)-[0-9a-f]+$`)

// mergeQueuePR is the pull request number a merge queue branch names, or 0.
func mergeQueuePR(ref string) int {
	m := mergeQueueRef.FindStringSubmatch(ref)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0
	}
	return n
}
