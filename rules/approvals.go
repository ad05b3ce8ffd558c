package rules

import (
	"fmt"
	"sort"
	"strings"
)

// reviewTally is what the reviews add up to under the approval policy.
type reviewTally struct {
	approvers  []string // counted approvals, in review order
	blockers   []string // counted reviewers whose latest decision requests changes
	notCounted []string // "who (why)" for decisions that do not count
}

// tallyReviews takes each reviewer's latest decisive review (APPROVED,
// CHANGES_REQUESTED or DISMISSED; COMMENTED and PENDING change nothing) and
// sorts reviewers into counted approvals, counted change requests and the
// rest with the reason they do not count.
func tallyReviews(cfg *Config, pr PullRequest) reviewTally {
	type decision struct {
		user   string
		bot    bool
		state  ReviewState
		commit string
	}
	latest := map[string]*decision{}
	var order []string
	for _, r := range pr.Reviews {
		switch r.State {
		case ReviewApproved, ReviewChangesRequested, ReviewDismissed:
		default:
			continue
		}
		key := strings.ToLower(r.User)
		d, ok := latest[key]
		if !ok {
			d = &decision{}
			latest[key] = d
			order = append(order, key)
		}
		*d = decision{user: r.User, bot: r.Bot, state: r.State, commit: r.CommitID}
	}

	var t reviewTally
	for _, key := range order {
		d := latest[key]
		if d.state == ReviewDismissed {
			continue
		}
		why := ""
		switch {
		case strings.EqualFold(d.user, pr.Author):
			why = "the PR author"
		case d.bot || strings.HasSuffix(strings.ToLower(d.user), "[bot]"):
			why = "a bot"
		case permissionOf(pr, d.user) < cfg.Approvals.MinPermission:
			why = fmt.Sprintf("has %s permission, needs %s", permissionOf(pr, d.user), cfg.Approvals.MinPermission)
		}
		if why != "" {
			if d.state == ReviewApproved {
				t.notCounted = append(t.notCounted, fmt.Sprintf("%s (%s)", d.user, why))
			}
			continue
		}
		// A change request stands until its author approves or it is
		// dismissed, whatever commit it was made on.
		if d.state == ReviewChangesRequested {
			t.blockers = append(t.blockers, d.user)
			continue
		}
		if cfg.Approvals.FreshOnly && d.commit != pr.HeadSHA {
			t.notCounted = append(t.notCounted, fmt.Sprintf("%s (approved %s, not the head %s)", d.user, shortSHA(d.commit), shortSHA(pr.HeadSHA)))
			continue
		}
		t.approvers = append(t.approvers, d.user)
	}
	return t
}

func permissionOf(pr PullRequest, user string) Permission {
	if p, ok := pr.Permissions[user]; ok {
		return p
	}
	for login, p := range pr.Permissions {
		if strings.EqualFold(login, user) {
			return p
		}
	}
	return PermissionNone
}

func shortSHA(sha string) string {
	if sha == "" {
		return "unknown"
	}
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

// requiredApprovals is the tier's count raised by every touched critical path.
func requiredApprovals(cfg *Config, tr TierRules, facts fileFacts) (int, string) {
	n, why := tr.Approvals, ""
	for _, i := range facts.critical {
		cp := cfg.CriticalPaths[i]
		if cp.Approvals > n {
			n, why = cp.Approvals, fmt.Sprintf(" (critical path %q)", cp.Name)
		}
	}
	return n, why
}

func approvalsGate(cfg *Config, tr TierRules, tier Tier, pr PullRequest, facts fileFacts, t reviewTally) Gate {
	g := Gate{Name: GateApprovals}
	need, why := requiredApprovals(cfg, tr, facts)
	if pr.Local {
		if need == 0 {
			g.Status, g.Reason = StatusNotRequired, fmt.Sprintf("no approvals required for %s", tier)
			return g
		}
		g.Status, g.Reason = StatusNotChecked, fmt.Sprintf("%d approval(s) required%s; reviews are checked on GitHub", need, why)
		return g
	}
	var notes []string
	if len(t.notCounted) > 0 {
		notes = append(notes, "not counted: "+strings.Join(t.notCounted, ", "))
	}
	switch {
	case len(t.blockers) > 0:
		g.Status = StatusFail
		g.Reason = fmt.Sprintf("changes requested by %s", strings.Join(t.blockers, ", "))
	case need == 0:
		g.Status, g.Reason = StatusNotRequired, fmt.Sprintf("no approvals required for %s", tier)
		return g
	case len(t.approvers) >= need:
		g.Status = StatusPass
		g.Reason = fmt.Sprintf("%d of %d approvals%s: %s", len(t.approvers), need, why, strings.Join(t.approvers, ", "))
	default:
		g.Status = StatusFail
		g.Reason = fmt.Sprintf("%d of %d approvals%s", len(t.approvers), need, why)
		if len(t.approvers) > 0 {
			g.Reason += ": " + strings.Join(t.approvers, ", ")
		}
	}
	if len(notes) > 0 {
		g.Reason += "; " + strings.Join(notes, "; ")
	}
	return g
}

// teamGate needs one counted approval from a member of one of the critical
// path's teams. A team whose membership the caller did not supply fails
// closed rather than being treated as empty.
func teamGate(cp CriticalPath, pr PullRequest, t reviewTally) Gate {
	g := Gate{Name: GateCriticalPrefix + cp.Name}
	teams := strings.Join(cp.Teams, ", ")
	if pr.Local {
		g.Status, g.Reason = StatusNotChecked, fmt.Sprintf("needs an approval from a member of %s; reviews are checked on GitHub", teams)
		return g
	}
	var unknown []string
	for _, team := range cp.Teams {
		members, ok := pr.TeamMembers[team]
		if !ok {
			unknown = append(unknown, team)
			continue
		}
		for _, a := range t.approvers {
			for _, m := range members {
				if strings.EqualFold(a, m) {
					g.Status, g.Reason = StatusPass, fmt.Sprintf("approved by %s of %s", a, team)
					return g
				}
			}
		}
	}
	g.Status = StatusFail
	g.Reason = fmt.Sprintf("needs an approval from a member of %s", teams)
	if len(unknown) > 0 {
		sort.Strings(unknown)
		g.Reason += fmt.Sprintf("; membership of %s could not be checked", strings.Join(unknown, ", "))
	}
	return g
}
