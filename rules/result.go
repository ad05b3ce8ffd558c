package rules

import "fmt"

// Status is a gate's outcome.
type Status int

// Gate statuses.
const (
	StatusPass Status = iota
	StatusFail
	StatusOverridden
	StatusNotRequired
	StatusNotChecked
)

var statusNames = [...]string{"pass", "fail", "overridden", "not_required", "not_checked"}

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
)

var conclusionNames = [...]string{"success", "failure", "neutral"}

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
	GateCriticalPrefix  = "critical_paths/"
	// OverrideAll is the override key that covers every gate.
	OverrideAll = "all"
)

// Result is the verdict on one pull request.
type Result struct {
	Tier       Tier
	TierReason string // how the tier was decided, in one sentence
	Mode       Mode
	Conclusion Conclusion
	Gates      []Gate
	Overrides  []Override
	Warnings   []string
	// Errors are problems that fail the verdict whatever the gates say,
	// such as a broken config file (one line each, file:line:col first).
	Errors  []string
	HeadSHA string
}

// Gate is one checklist item's outcome.
type Gate struct {
	Name   string
	Status Status
	Reason string // one line naming the files or people involved
}

// Override is an override label found on the pull request.
type Override struct {
	Gate     string // the gate key it targets, or "all"
	Label    string
	By       string // who most recently applied the label ("" when unknown)
	Accepted bool
	Reason   string // why it was accepted or ignored
}
