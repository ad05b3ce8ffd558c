package githubtest

import (
	"time"

	"github.com/google/go-github/v60/github"
)

// PullRequest seeds a pull request. Zero values get GitHub-like defaults:
// State "open", Title "Pull request #N", HeadRef "feature-N", BaseRef the
// repository's default branch, BaseSHA a hash derived from BaseRef.
type PullRequest struct {
	Number  int
	Title   string
	Body    string
	Author  string
	HeadSHA string
	HeadRef string
	BaseRef string
	// BaseSHA is the base commit the pull request targets (base.sha);
	// empty, one derived from BaseRef.
	BaseSHA string
	Draft   bool
	Labels  []string
	// State is "open" or "closed".
	State string
	// CreatedAt, UpdatedAt and ClosedAt are served as GitHub's timestamps
	// when set; MergedAt set makes the pull request merged (and closed,
	// at MergedAt unless ClosedAt says otherwise). UpdatedAt orders
	// sort=updated listings.
	CreatedAt, UpdatedAt, ClosedAt, MergedAt time.Time
}

// File seeds one changed file of a pull request. Status defaults to
// "modified"; GitHub's values are added, removed, modified, renamed,
// copied, changed and unchanged.
type File struct {
	Filename         string
	PreviousFilename string
	Status           string
	Additions        int
	Deletions        int
}

// Review seeds a pull request review.
type Review struct {
	User string
	// Bot makes the reviewer's user type "Bot" instead of "User".
	Bot bool
	// State is APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED or PENDING.
	State    string
	CommitID string
	Body     string
	// SubmittedAt defaults to the fake's clock (see SetTime).
	SubmittedAt time.Time
}

// CheckRun is a check run as the fake stores it: what the bot wrote, in a
// form one cmp.Diff can compare. AppID 0 in AddCheckRun means the fake's
// own App.
type CheckRun struct {
	ID    int64
	AppID int64
	// AppSlug is another App's slug, as GitHub reports it on the run
	// (e.g. "github-actions"); runs of the fake's own App report AppSlug of
	// the Server, and "" here.
	AppSlug    string
	Name       string
	HeadSHA    string
	Status     string
	Conclusion string
	DetailsURL string
	ExternalID string
	Title      string
	Summary    string
	Text       string
}

// Status is a commit status as the fake stores it (POST
// /repos/{owner}/{repo}/statuses/{sha} by Creator).
type Status struct {
	ID      int64
	SHA     string
	Context string
	// State is error, failure, pending or success.
	State       string
	Creator     string
	TargetURL   string
	Description string
	// CreatedAt defaults to the fake's clock (see SetTime).
	CreatedAt time.Time
}

// Comment is an issue comment as the fake stores it.
type Comment struct {
	ID   int64
	User string
	Body string
}

// Request is one request the fake received. Path has the "/api/v3" prefix
// removed; Template is the OpenAPI path it matched ("" if none). At is when
// it arrived (real clock, not SetTime's); Body is what it sent, nil if
// nothing. Requests lists them in the order they were answered.
type Request struct {
	Method   string
	Path     string
	Template string
	Query    string
	Status   int
	At       time.Time
	Body     []byte
}

type installation struct {
	id      int64
	account string
	repos   []string // "owner/name", lower case
}

type repo struct {
	id            int64
	owner, name   string
	defaultBranch string
	private       bool
	files         map[string]map[string][]byte // ref -> path -> content
	pulls         map[int]*pull
	roles         map[string]string        // lower-case login -> role
	compares      map[string]compareAnswer // "base...head" -> answer
	checkRuns     []*CheckRun
	runWrites     []CheckRun // each check run as a create or update left it
	statuses      []*Status  // in creation order
	comments      []*comment
}

type comment struct {
	Comment
	issue     int
	bot       bool
	createdAt time.Time
	updatedAt time.Time
}

type pull struct {
	pr      PullRequest
	files   []File
	reviews []*github.PullRequestReview
	events  []*github.IssueEvent
}
