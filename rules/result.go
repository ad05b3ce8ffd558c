package rules

import (
	"fmt"
	"time"
)

// Status is a gate's outcome.
type Status int

// Gate statuses.
const (
	StatusPass Status = iota
	StatusFail
	StatusOverridden
	StatusNotRequired
	StatusNotChecked
	// StatusPending: some required check is queued, running or not yet
	// reported, within checks.timeout, and none has failed.
	StatusPending
)

var statusNames = [...]string{"pass", "fail", "overridden", "not_required", "not_checked", "pending"}

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// MarshalText makes statuses render by name in JSON.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Conclusion is the verdict, named as GitHub's check run conclusions.
type Conclusion int

// Conclusions.
const (
	ConclusionSuccess Conclusion = iota
	ConclusionFailure
	ConclusionNeutral
	// ConclusionPending is no conclusion yet: a required check is still
	// running, so the check run stays in progress. Only enforce mode
	// waits; in report mode a pending verdict concludes neutral.
	ConclusionPending
)

var conclusionNames = [...]string{"success", "failure", "neutral", "pending"}

func (c Conclusion) String() string {
	if c >= 0 && int(c) < len(conclusionNames) {
		return conclusionNames[c]
	}
	return fmt.Sprintf("conclusion(%d)", int(c))
}

// MarshalText makes conclusions render by name in JSON.
func (c Conclusion) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Gate names used in results; critical path gates are "critical_paths/<name>".
const (
	GateConfig          = "config"
	GateTests           = "tests"
	GateDocs            = "docs"
	GateApprovals       = "approvals"
	GateMaxChangedLines = "max_changed_lines"
	GateChecks          = "checks"
	GateCriticalPrefix  = "critical_paths/"
	// OverrideAll is the override key that covers every gate.
	OverrideAll = "all"
)

// Result is the verdict on one pull request.
type Result struct {
	Tier       Tier    // TierNone when no tier was decided (a broken config)
	TierReason Message // how the tier was decided, in one sentence
	Mode       Mode
	Conclusion Conclusion
	Gates      []Gate
	Overrides  []Override
	Warnings   []Message
	// Errors are problems that fail the verdict whatever the gates say,
	// such as a broken config file (one line each, file:line:col first).
	Errors  []Message
	HeadSHA string
	// Change is what the pull request changes, in figures.
	Change Change
	// CriticalPaths are the critical paths the change counts as touching.
	CriticalPaths []TouchedPath
	// Labels are the pull request's labels that decided something: tier
	// labels and override labels.
	Labels []UsedLabel
	// ApprovedAt answers tiergate check --approved-at: whether an approval
	// given on that commit would still count at the head (nil when not
	// asked).
	ApprovedAt *ApprovalCheck
}

// Change is the size of a pull request's change.
type Change struct {
	Files       int  // files changed in all (GitHub's count when the list is truncated)
	FilesListed int  // files the engine was given
	Truncated   bool // the file list is incomplete
	Additions   int
	Deletions   int
}

// ChangedLines is additions plus deletions.
func (c Change) ChangedLines() int { return c.Additions + c.Deletions }

// TouchedPath is a critical path the change touches, with the files that
// touch it.
type TouchedPath struct {
	Name    string
	MinTier Tier // TierNone when the path sets no minimum
	// Files lists the first touching files (at most MaxTouchingFiles);
	// FilesTotal counts them all.
	Files      []TouchingFile
	FilesTotal int
	// Unlisted says the path counts as touched because the file list is
	// incomplete, whether or not a listed file touches it.
	Unlisted bool
}

// MaxTouchingFiles bounds the files listed per touched critical path.
const MaxTouchingFiles = 20

// TouchingFile is a file that touches a critical path. A renamed file
// touches it through its new name, its old name or both.
type TouchingFile struct {
	Path         string
	PreviousPath string // the old name of a renamed file
	// ByPreviousPath says only the old name matches the critical path: the
	// file was moved out of it.
	ByPreviousPath bool
}

// UsedLabel is a label on the pull request that tiergate acted on.
type UsedLabel struct {
	Name      string
	AppliedBy string // "" when unknown
	// Tier is the tier the label names (TierNone for override labels);
	// Decided says it is the label that set the tier.
	Tier    Tier
	Decided bool
	// Override is the gate key an override label targets ("" for tier
	// labels).
	Override string
}

// Gate is one checklist item's outcome, with the figures it was decided on.
// At most one of the figure fields is set, by gate kind.
type Gate struct {
	Name      string
	Status    Status
	Reason    Message // one line naming the files or people involved
	Files     *FileFigures
	Approvals *ApprovalFigures
	Size      *SizeFigures
	Team      *TeamFigures
	Checks    *CheckFigures
}

// FileFigures are the tests and docs gates' figures.
type FileFigures struct {
	Source  int // source files changed
	Matched int // test (or docs) files changed
}

// ApprovalFigures are the approvals gate's figures.
type ApprovalFigures struct {
	Required int
	// RequiredBy names the critical path that raised Required above the
	// tier's own count ("" when the tier set it).
	RequiredBy string
	// Counted is the number of approvals that count; Checked is false
	// locally, where reviews are unknown.
	Counted int
	Checked bool
	Reviews []ReviewOutcome
}

// ReviewOutcome is how one reviewer's latest decisive review was judged.
type ReviewOutcome struct {
	Login  string
	Status ReviewStatus
	Commit string // the commit the review was given on
	// Reason says why it does not count, or for a kept approval why it
	// still does (empty when counted).
	Reason Message
	// Change is how the change at Commit compared with the change at the
	// head, for an approval of an earlier commit under keep_on_same_diff
	// (nil when no comparison was called for).
	Change *Comparison
}

// ReviewStatus is how a reviewer's latest decision was judged.
type ReviewStatus string

// Review statuses: an approval is counted (given on the head, or on any
// commit without approvals.fresh_only), kept (given on an earlier commit
// whose change is the change at the head, under keep_on_same_diff; it
// counts), stale (given on an earlier commit and not kept) or not counted
// (author, bot, permission); a counted reviewer's change request blocks.
const (
	ReviewCounted    ReviewStatus = "counted"
	ReviewKept       ReviewStatus = "kept"
	ReviewStale      ReviewStatus = "stale"
	ReviewNotCounted ReviewStatus = "not_counted"
	ReviewBlocking   ReviewStatus = "changes_requested"
)

// SizeFigures are the size gate's figures.
type SizeFigures struct {
	Limit        int
	ChangedLines int
	// Exact is false when ChangedLines is a lower bound (a truncated list
	// without GitHub's totals).
	Exact bool
}

// TeamFigures are a critical path team gate's figures.
type TeamFigures struct {
	Path       string   // the critical path's name
	Teams      []string // teams whose approval would do
	ApprovedBy string   // the counted approver who satisfied it ("" when none)
	Team       string   // the team ApprovedBy belongs to
	Unknown    []string // teams whose membership could not be checked
}

// CheckFigures are the checks gate's figures: every required check and
// what decided it.
type CheckFigures struct {
	Timeout time.Duration
	Skipped SkippedPolicy
	// Deadline is when a required check still incomplete fails (first seen
	// plus Timeout); zero locally, where checks are not read.
	Deadline time.Time
	Required []CheckOutcome
}

// CheckOutcome is one required check's state.
type CheckOutcome struct {
	CheckRequirement
	// RequiredBy is the critical path that added the check ("" for the
	// tier's own).
	RequiredBy string
	State      CheckState
	// Matches are the checks that decided it: the latest run of each name
	// that matches (one for an exact name, any number for a glob).
	Matches []CheckResult
}

// CheckState is how far one required check has got.
type CheckState string

// Check states. Expected and running make the gate pending; failed and
// timed_out make it fail.
const (
	CheckPassed     CheckState = "passed"
	CheckFailed     CheckState = "failed"
	CheckRunning    CheckState = "running"  // queued or in progress, within the timeout
	CheckExpected   CheckState = "expected" // not reported yet, within the timeout
	CheckTimedOut   CheckState = "timed_out"
	CheckNotChecked CheckState = "not_checked" // locally
)

// Override is an override label found on the pull request.
type Override struct {
	Gate     string // the gate key it targets, or "all"
	Label    string
	By       string // who most recently applied the label ("" when unknown)
	Accepted bool   // the person who applied it may override
	// Applied lists the failing gates it turned into overridden; an
	// accepted override with none was not needed.
	Applied []string
	Reason  Message // why it was accepted or ignored
}
