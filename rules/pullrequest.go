package rules

import "time"

// PullRequest is everything the engine needs to know about a pull request.
// The caller gathers it (from GitHub, or from git locally); the engine makes
// no calls of its own.
type PullRequest struct {
	Author  string
	HeadSHA string
	Draft   bool
	Files   []ChangedFile
	// FilesTruncated says Files is incomplete (GitHub lists at most 3,000
	// files): gates that depend on files cannot pass on a partial list, and
	// every critical path counts as touched, since an unlisted file may
	// touch any of them.
	FilesTruncated bool
	// ChangedFiles is how many files the pull request changes in all, when
	// the caller knows it (GitHub's changed_files); 0 when unknown. It only
	// words the reason when FilesTruncated is set.
	ChangedFiles int
	// Additions and Deletions are the whole pull request's line counts when
	// the caller knows them (GitHub reports them even past 3,000 files);
	// when both are 0 the engine sums Files.
	Additions int
	Deletions int
	Labels    []Label
	// AppliersKnown says the caller has looked up who applied the override
	// labels: an empty Label.AppliedBy is then final (GitHub names no one),
	// and Needed stops asking for them.
	AppliersKnown bool
	// Reviews in the order they were submitted.
	Reviews []Review
	// Permissions holds the repository permission of every reviewer and
	// labeler the caller looked up. A login missing here counts as none.
	Permissions map[string]Permission
	// TeamMembers maps an org team slug to its members' logins, for the
	// teams named by critical paths. A team missing here is unknown and its
	// gate fails closed.
	TeamMembers map[string][]string
	// Patches holds the pull request's change at some of its commits (the
	// diff from the merge base with the base branch to the commit, read by
	// ParsePatch), keyed by commit SHA: the head's, and those of commits
	// approvals were given on, as Needed asks. Under keep_on_same_diff an
	// approval of an earlier commit counts only when both are here and
	// ComparePatches finds them the same.
	Patches map[string]Patch
	// Local marks an evaluation off GitHub (tiergate check): reviews,
	// permissions, CI checks and who applied labels are unknown, so review
	// and checks gates are not_checked and override labels are taken at
	// face value.
	Local bool
	// Checks are the check runs and commit statuses on the head commit,
	// other than tiergate's own (the caller leaves those out, or a "*" glob
	// would wait for itself). The caller reads them only when RequiredChecks
	// names any.
	Checks []CheckResult
	// FirstSeen is when tiergate first saw the head commit: the started_at
	// of its first check run there. Zero means now (a head never seen).
	FirstSeen time.Time
	// Now is the time of the evaluation: the engine has no clock, so
	// whether a required check has run out of time is decided from this.
	Now time.Time
}

// CheckResult is one check run or commit status on the head commit, as
// GitHub reports it.
type CheckResult struct {
	Kind CheckKind
	Name string // the check run's name or the status's context
	// Source is the slug of the App that created a check run, or the login
	// of the account that posted a status.
	Source     string
	Status     CheckStatus
	Conclusion CheckConclusion // set once Status is completed
	StartedAt  time.Time       // a status's created_at
	// CompletedAt is when the check completed (a status's updated_at);
	// zero while it runs.
	CompletedAt time.Time
	URL         string // details: a check run's html_url, a status's target_url
}

// CheckKind says whether a check is a check run or a commit status.
type CheckKind string

// Check kinds.
const (
	CheckRun     CheckKind = "check_run"
	CommitStatus CheckKind = "status"
)

// CheckStatus is a check run's status as GitHub names it; a commit status
// is pending or completed.
type CheckStatus string

// Check statuses. GitHub also reports waiting, requested and pending for
// check runs of workflows waiting on others: anything but completed is
// still running.
const (
	CheckQueued     CheckStatus = "queued"
	CheckInProgress CheckStatus = "in_progress"
	CheckPending    CheckStatus = "pending"
	CheckCompleted  CheckStatus = "completed"
)

// CheckConclusion is how a check completed, as GitHub names it. A commit
// status's state (success, failure, error) is its conclusion.
type CheckConclusion string

// Check conclusions. Only success satisfies a required check, and skipped
// and neutral when checks.skipped is pass; anything else (failure,
// cancelled, timed_out, action_required, stale, startup_failure, error, or
// a value GitHub adds later) fails it.
const (
	CheckSuccess CheckConclusion = "success"
	CheckFailure CheckConclusion = "failure"
	CheckNeutral CheckConclusion = "neutral"
	CheckSkipped CheckConclusion = "skipped"
	CheckError   CheckConclusion = "error"
)

// ChangedFile is one file in the pull request's diff.
type ChangedFile struct {
	Path         string
	PreviousPath string // for renames
	Status       FileStatus
	Additions    int
	Deletions    int
}

// FileStatus is how a file changed, as GitHub names it.
type FileStatus string

// File statuses GitHub reports.
const (
	FileAdded     FileStatus = "added"
	FileRemoved   FileStatus = "removed"
	FileModified  FileStatus = "modified"
	FileRenamed   FileStatus = "renamed"
	FileCopied    FileStatus = "copied"
	FileChanged   FileStatus = "changed"
	FileUnchanged FileStatus = "unchanged"
)

// Label is a label on the pull request and who most recently applied it
// ("" when unknown).
type Label struct {
	Name      string
	AppliedBy string
	// AppliedByBot says GitHub reports the applier as a bot account (type
	// Bot); a login ending in "[bot]" counts as one too.
	AppliedByBot bool
}

// Review is one submitted review.
type Review struct {
	User     string
	Bot      bool // the reviewer is a bot account; bots never count
	State    ReviewState
	CommitID string // the head commit the review was given on
}

// ReviewState is a review's state as GitHub names it.
type ReviewState string

// Review states.
const (
	ReviewApproved         ReviewState = "APPROVED"
	ReviewChangesRequested ReviewState = "CHANGES_REQUESTED"
	ReviewCommented        ReviewState = "COMMENTED"
	ReviewDismissed        ReviewState = "DISMISSED"
	ReviewPending          ReviewState = "PENDING"
)
