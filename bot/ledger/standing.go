package ledger

import (
	"encoding/json"
	"fmt"

	"github.com/tiergate/tiergate/rules"
)

// standing is the newest ledger verdict on a merged head, for its base,
// recorded by the time it merged.
type standing struct {
	// base is the merged base branch; otherBase, when found is false, a
	// base the head was judged for instead.
	base, otherBase string
	found           bool
	id              int64
	status          string
	conclusion      string
	tier            string
	title           string
	checkRunID      int64
	overridden      []string
}

// judge decides whether a merge bypassed tiergate: its head had no
// verdict, one still pending, or a failing one. A failure is only ever
// concluded in enforce mode (report mode concludes neutral) or when
// tiergate could not evaluate or the config is broken, all of which block
// a required check, so merging past one went around tiergate.
func judge(s standing) (bypass bool, reason string) {
	switch {
	case !s.found && s.otherBase != "":
		return true, fmt.Sprintf("no tiergate verdict for base %q on the merged head (it was judged for base %q)", s.base, s.otherBase)
	case !s.found:
		return true, "no tiergate verdict was recorded on the merged head"
	case s.status != "completed":
		return true, fmt.Sprintf("tiergate's check on the merged head was %s, not completed", s.status)
	case s.conclusion == rules.ConclusionFailure.String():
		return true, fmt.Sprintf("tiergate's verdict on the merged head was failure: %s", s.title)
	}
	return false, ""
}

// verdictDoc is the part of the verdict JSON (rules/verdict.schema.json)
// the ledger reads back. Unknown fields and statuses are ignored, as the
// schema asks of its readers.
type verdictDoc struct {
	Gates []struct {
		Name      string `json:"name"`
		Status    string `json:"status"`
		Reason    string `json:"reason"`
		Approvals *struct {
			Reviews []struct {
				Login  string  `json:"login"`
				Status string  `json:"status"`
				Commit *string `json:"commit"`
			} `json:"reviews"`
		} `json:"approvals"`
	} `json:"gates"`
	Overrides []Override `json:"overrides"`
}

// Approver is a reviewer whose approval counted, and the commit approved.
type Approver struct {
	Login  string `json:"login"`
	Commit string `json:"commit"`
	// Status is counted, or kept: given on an earlier commit and kept
	// because the change since is the same.
	Status string `json:"status"`
}

// Override is an override label on the pull request, as the verdict
// judged it.
type Override struct {
	Label string `json:"label"`
	Gate  string `json:"gate"`
	By    string `json:"by"` // "" when unknown
	// Status is applied (it overrode the failing gates in Gates),
	// not_needed (allowed, but nothing it covers failed) or ignored.
	Status string   `json:"status"`
	Gates  []string `json:"gates"`
	Reason string   `json:"reason"`
}

// UnmarshalJSON reads "by": null as "".
func (o *Override) UnmarshalJSON(b []byte) error {
	var raw struct {
		Label  string   `json:"label"`
		Gate   string   `json:"gate"`
		By     *string  `json:"by"`
		Status string   `json:"status"`
		Gates  []string `json:"gates"`
		Reason string   `json:"reason"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*o = Override{Label: raw.Label, Gate: raw.Gate, Status: raw.Status, Gates: raw.Gates, Reason: raw.Reason}
	if raw.By != nil {
		o.By = *raw.By
	}
	if o.Gates == nil {
		o.Gates = []string{}
	}
	return nil
}

// Gate is one gate's outcome in a verdict.
type Gate struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// countingReview says a review status counts towards the approvals gate:
// counted, and kept (an approval carried over a rebase that changed
// nothing).
func countingReview(status string) bool {
	return status == string(rules.ReviewCounted) || status == string(rules.ReviewKept)
}

// evidence reads the gates, approvers and overrides out of a verdict's
// JSON. A failure's error object has none of them.
func evidence(verdict []byte) (gates []Gate, approvers []Approver, overrides []Override) {
	gates, approvers, overrides = []Gate{}, []Approver{}, []Override{}
	var d verdictDoc
	if json.Unmarshal(verdict, &d) != nil {
		return gates, approvers, overrides
	}
	for _, g := range d.Gates {
		gates = append(gates, Gate{Name: g.Name, Status: g.Status, Reason: g.Reason})
		if g.Name != rules.GateApprovals || g.Approvals == nil {
			continue
		}
		for _, r := range g.Approvals.Reviews {
			if !countingReview(r.Status) {
				continue
			}
			a := Approver{Login: r.Login, Status: r.Status}
			if r.Commit != nil {
				a.Commit = *r.Commit
			}
			approvers = append(approvers, a)
		}
	}
	if d.Overrides != nil {
		overrides = d.Overrides
	}
	return gates, approvers, overrides
}

// overriddenGates lists the gates whose status is overridden.
func overriddenGates(verdict []byte) []string {
	var d verdictDoc
	if json.Unmarshal(verdict, &d) != nil {
		return nil
	}
	var out []string
	for _, g := range d.Gates {
		if g.Status == rules.StatusOverridden.String() {
			out = append(out, g.Name)
		}
	}
	return out
}
