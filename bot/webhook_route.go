package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"
)

// recheckCommand is the pull request comment that asks for a re-evaluation.
const recheckCommand = "/tiergate recheck"

// truncatedCommits is the commit count from which a push payload may not
// list every commit, so a config change cannot be ruled out.
const truncatedCommits = 20

// plan is what one verified delivery asks of the server.
type plan struct {
	jobs []Job
	// configChanged names repositories whose cached config must be dropped
	// before anything else runs.
	configChanged []RepoRef
	// ignored says why nothing is done, for the response and debug log.
	ignored string
}

// routeSettings are the server settings routing depends on.
type routeSettings struct {
	AppID         int64
	CheckName     string
	ConfigPath    string
	OrgConfigRepo string
}

// router turns a verified delivery into a plan. It calls no GitHub API:
// anything that needs one becomes a job for the workers.
type router struct {
	settings   routeSettings
	event      string
	deliveryID string
}

func ignore(format string, args ...any) (plan, error) {
	return plan{ignored: fmt.Sprintf(format, args...)}, nil
}

func (rt router) route(ctx context.Context, payload []byte) (plan, error) {
	switch rt.event {
	case "ping":
		return ignore("pong")
	case "pull_request", "pull_request_review", "check_run", "check_suite",
		"issue_comment", "push", "merge_group", "installation", "installation_repositories":
	default:
		return ignore("event %q is not used by tiergate", rt.event)
	}
	parsed, err := github.ParseWebHook(rt.event, payload)
	if err != nil {
		return plan{}, fmt.Errorf("cannot read the %s payload: %v", rt.event, err)
	}
	switch e := parsed.(type) {
	case *github.PullRequestEvent:
		return rt.pullRequest(e)
	case *github.PullRequestReviewEvent:
		return rt.pullRequestReview(e)
	case *github.CheckRunEvent:
		return rt.checkRun(e)
	case *github.CheckSuiteEvent:
		return rt.checkSuite(e)
	case *github.IssueCommentEvent:
		return rt.issueComment(e)
	case *github.PushEvent:
		return rt.push(e)
	case *github.MergeGroupEvent:
		return rt.mergeGroup(e)
	case *github.InstallationEvent:
		zerolog.Ctx(ctx).Info().Str(FieldAction, e.GetAction()).Str("account", e.GetInstallation().GetAccount().GetLogin()).
			Int64(FieldInstallationID, e.GetInstallation().GetID()).Int("repositories", len(e.Repositories)).Msg("installation changed")
		return ignore("noted")
	case *github.InstallationRepositoriesEvent:
		zerolog.Ctx(ctx).Info().Str(FieldAction, e.GetAction()).Str("account", e.GetInstallation().GetAccount().GetLogin()).
			Int64(FieldInstallationID, e.GetInstallation().GetID()).Int("added", len(e.RepositoriesAdded)).
			Int("removed", len(e.RepositoriesRemoved)).Msg("installation repositories changed")
		return ignore("noted")
	}
	return ignore("event %q is not used by tiergate", rt.event)
}

// errNoInstallation is a 400: without an installation ID the App cannot
// authenticate to act on the delivery.
var errNoInstallation = errors.New("payload has no installation ID, so tiergate cannot authenticate for it (is the webhook configured on the GitHub App?)")

func installationID(inst *github.Installation) (int64, error) {
	if id := inst.GetID(); id > 0 {
		return id, nil
	}
	return 0, errNoInstallation
}

func repoOf(r *github.Repository) (owner, name string, err error) {
	owner, name = r.GetOwner().GetLogin(), r.GetName()
	if owner == "" || name == "" {
		return "", "", errors.New("payload has no repository owner or name")
	}
	return owner, name, nil
}

// prJob plans one evaluation of pull request number in repo.
func (rt router) prJob(inst *github.Installation, repo *github.Repository, number int, headSHA, action string) (plan, error) {
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
	j := Job{InstallationID: id, Owner: owner, Repo: name, Number: number, HeadSHA: headSHA,
		DeliveryID: rt.deliveryID, Event: rt.event + "." + action}
	return plan{jobs: []Job{j}}, nil
}

var prActions = []string{"opened", "reopened", "synchronize", "labeled", "unlabeled", "ready_for_review"}

func (rt router) pullRequest(e *github.PullRequestEvent) (plan, error) {
	a := e.GetAction()
	switch {
	case slices.Contains(prActions, a):
	case a == "edited" && e.GetChanges().GetBase() != nil:
		// A new base branch means new config and a new diff.
	default:
		return ignore("pull_request action %q does not change the verdict", a)
	}
	pr := e.GetPullRequest()
	n := e.GetNumber()
	if n == 0 {
		n = pr.GetNumber()
	}
	return rt.prJob(e.GetInstallation(), e.GetRepo(), n, pr.GetHead().GetSHA(), a)
}

func (rt router) pullRequestReview(e *github.PullRequestReviewEvent) (plan, error) {
	a := e.GetAction()
	if a != "submitted" && a != "edited" && a != "dismissed" {
		return ignore("pull_request_review action %q does not change the verdict", a)
	}
	pr := e.GetPullRequest()
	return rt.prJob(e.GetInstallation(), e.GetRepo(), pr.GetNumber(), pr.GetHead().GetSHA(), a)
}

func (rt router) checkRun(e *github.CheckRunEvent) (plan, error) {
	cr := e.GetCheckRun()
	if e.GetAction() != "rerequested" {
		return ignore("check_run action %q is not a re-run request", e.GetAction())
	}
	if cr.GetName() != rt.settings.CheckName || cr.GetApp().GetID() != rt.settings.AppID {
		return ignore("check run %q of app %d is not tiergate's", cr.GetName(), cr.GetApp().GetID())
	}
	return rt.rerun(e.GetInstallation(), e.GetRepo(), cr.PullRequests, cr.GetHeadSHA())
}

func (rt router) checkSuite(e *github.CheckSuiteEvent) (plan, error) {
	cs := e.GetCheckSuite()
	if e.GetAction() != "rerequested" {
		return ignore("check_suite action %q is not a re-run request", e.GetAction())
	}
	if cs.GetApp().GetID() != rt.settings.AppID {
		return ignore("check suite of app %d is not tiergate's", cs.GetApp().GetID())
	}
	return rt.rerun(e.GetInstallation(), e.GetRepo(), cs.PullRequests, cs.GetHeadSHA())
}

// rerun plans evaluations of the pull requests a check re-run names, or,
// when GitHub lists none (it omits pull requests from forks), a task that
// finds them by head commit.
func (rt router) rerun(inst *github.Installation, repo *github.Repository, prs []*github.PullRequest, headSHA string) (plan, error) {
	var p plan
	for _, pr := range prs {
		q, err := rt.prJob(inst, repo, pr.GetNumber(), pr.GetHead().GetSHA(), "rerequested")
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
	j.Kind, j.Owner, j.Repo, j.HeadSHA = KindCommit, owner, name, headSHA
	return plan{jobs: []Job{j}}, nil
}

func (rt router) issueComment(e *github.IssueCommentEvent) (plan, error) {
	if e.GetAction() != "created" || !e.GetIssue().IsPullRequest() {
		return ignore("not a new pull request comment")
	}
	if strings.TrimSpace(e.GetComment().GetBody()) != recheckCommand {
		return ignore("comment is not %q", recheckCommand)
	}
	user := e.GetComment().GetUser().GetLogin()
	if user == "" {
		// Without a commenter the permission check could not happen.
		return plan{}, errors.New("recheck comment has no author")
	}
	p, err := rt.prJob(e.GetInstallation(), e.GetRepo(), e.GetIssue().GetNumber(), "", "created")
	if err != nil {
		return plan{}, err
	}
	p.jobs[0].RequireWriteFrom = user
	return p, nil
}

func (rt router) mergeGroup(e *github.MergeGroupEvent) (plan, error) {
	if e.GetAction() != "checks_requested" {
		return ignore("merge_group action %q needs no check", e.GetAction())
	}
	id, err := installationID(e.GetInstallation())
	if err != nil {
		return plan{}, err
	}
	owner, name, err := repoOf(e.GetRepo())
	if err != nil {
		return plan{}, err
	}
	sha := e.GetMergeGroup().GetHeadSHA()
	if sha == "" {
		return plan{}, errors.New("merge_group payload has no head_sha")
	}
	j := rt.template(id, e.GetAction())
	j.Kind, j.Owner, j.Repo, j.HeadSHA = KindMergeGroup, owner, name, sha
	return plan{jobs: []Job{j}}, nil
}

// template is the job fields shared by every job a fan-out produces.
func (rt router) template(installationID int64, action string) Job {
	return Job{InstallationID: installationID, DeliveryID: rt.deliveryID, Event: rt.event + "." + action}
}
