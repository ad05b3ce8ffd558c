package rules

import (
	"sort"
	"strings"
)

// reviewTally is what the reviews add up to under the approval policy.
type reviewTally struct {
	approvers []string        // counted approvals, in review order
	blockers  []string        // counted reviewers whose latest decision requests changes
	outcomes  []ReviewOutcome // every reviewer's latest decision, judged
}

// decision is a reviewer's latest decisive review.
type decision struct {
	user   string
	bot    bool
	state  ReviewState
	commit string
}

// latestDecisions takes each reviewer's latest decisive review (APPROVED,
// CHANGES_REQUESTED or DISMISSED; COMMENTED and PENDING change nothing), in
// the order reviewers first decided, logins compared without case. A
// dismissed review leaves its reviewer without a decision.
func latestDecisions(pr PullRequest) []decision {
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
	out := make([]decision, 0, len(order))
	for _, key := range order {
		if d := latest[key]; d.state != ReviewDismissed {
			out = append(out, *d)
		}
	}
	return out
}

// excluded says a decision never counts whatever the reviewer's
// permission: the author's own, or a bot's.
func (d decision) excluded(pr PullRequest) bool {
	return strings.EqualFold(d.user, pr.Author) || isBot(d.user, d.bot)
}

// tallyReviews judges each reviewer's latest decision: a counted or kept
// approval, a counted change request, a stale approval or one that does
// not count, with the reason.
func tallyReviews(cfg *Config, pr PullRequest) reviewTally {
	var t reviewTally
	for _, d := range latestDecisions(pr) {
		out := ReviewOutcome{Login: d.user, Commit: d.commit}
		switch {
		case strings.EqualFold(d.user, pr.Author):
			out.Status, out.Reason = ReviewNotCounted, msgf("the PR author")
		case isBot(d.user, d.bot):
			out.Status, out.Reason = ReviewNotCounted, msgf("a bot")
		case permissionOf(pr, d.user) < cfg.Approvals.MinPermission:
			out.Status, out.Reason = ReviewNotCounted, msgf("has %s permission, needs %s", permissionOf(pr, d.user), cfg.Approvals.MinPermission)
		case d.state == ReviewChangesRequested:
			// A change request stands until its author approves or it is
			// dismissed, whatever commit it was made on.
			out.Status = ReviewBlocking
			t.blockers = append(t.blockers, d.user)
		default:
			out.Status, out.Reason, out.Change = judgeCommit(cfg, pr, d.commit)
			if out.Status != ReviewStale {
				t.approvers = append(t.approvers, d.user)
			}
		}
		if out.Status == ReviewNotCounted && d.state != ReviewApproved {
			continue // an uncounted change request is not worth listing
		}
		t.outcomes = append(t.outcomes, out)
	}
	return t
}

// judgeCommit decides what an approval given on commit is worth at the
// head: counted when given on the head (or fresh_only is off); otherwise,
// under keep_on_same_diff, kept when the pull request's change at commit is
// its change at the head, else stale with the reason. The comparison is
// returned when one was called for.
func judgeCommit(cfg *Config, pr PullRequest, commit string) (ReviewStatus, Message, *Comparison) {
	if !cfg.Approvals.FreshOnly || commit == pr.HeadSHA {
		return ReviewCounted, Message{}, nil
	}
	stale := msgf("approved %s, not the head %s", shortSHA(commit), shortSHA(pr.HeadSHA))
	if !cfg.Approvals.KeepOnSameDiff {
		return ReviewStale, stale, nil
	}
	c := compareAt(pr, commit)
	if c.Outcome == ChangeSame {
		return ReviewKept, msgf("approved %s, same change as the head", shortSHA(commit)), &c
	}
	return ReviewStale, stale.append(msgf("; %s", c.Reason)), &c
}

// compareAt compares the change at commit with the change at the head. A
// change the caller did not supply was not compared, so it is not the same.
func compareAt(pr PullRequest, commit string) Comparison {
	approved, haveApproved := pr.Patches[commit]
	head, haveHead := pr.Patches[pr.HeadSHA]
	switch {
	case commit == "":
		return Comparison{Outcome: ChangeUnknown, Reason: msgf("the commit it was given on is unknown")}
	case !haveApproved:
		return Comparison{Outcome: ChangeUnknown, Reason: msgf("its change was not compared")}
	case !haveHead:
		return Comparison{Outcome: ChangeUnknown, Reason: msgf("the head's change was not compared")}
	}
	return ComparePatches(approved, head)
}

// isBot says a login is a bot's: GitHub says so, or the login has the
// "[bot]" suffix GitHub gives App accounts.
func isBot(login string, flagged bool) bool {
	return flagged || strings.HasSuffix(strings.ToLower(login), "[bot]")
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

// requiredApprovals is the tier's count raised by every touched critical
// path, and the path that raised it ("" when none did).
func requiredApprovals(cfg *Config, tr TierRules, facts fileFacts) (int, string) {
	n, by := tr.Approvals, ""
	for _, i := range facts.critical {
		cp := cfg.CriticalPaths[i]
		if cp.Approvals > n {
			n, by = cp.Approvals, cp.Name
		}
	}
	return n, by
}

func approvalsGate(cfg *Config, tr TierRules, tier Tier, pr PullRequest, facts fileFacts, t reviewTally) Gate {
	need, by := requiredApprovals(cfg, tr, facts)
	fig := &ApprovalFigures{Required: need, RequiredBy: by}
	g := Gate{Name: GateApprovals, Approvals: fig}
	var why Message
	if by != "" {
		why = msgf(" (critical path %q)", by)
	}
	if pr.Local {
		if need == 0 {
			g.Status, g.Reason = StatusNotRequired, msgf("no approvals required for %s", tier)
			return g
		}
		g.Status, g.Reason = StatusNotChecked, msgf("%d %s required%s; reviews are checked on GitHub", need, words(plural(need, "approval", "approvals")), why)
		return g
	}
	fig.Checked = true
	fig.Counted = len(t.approvers)
	fig.Reviews = t.outcomes
	approvers := approversMessage(t)
	switch {
	case len(t.blockers) > 0:
		g.Status = StatusFail
		g.Reason = msgf("changes requested by %s", joinValues(logins(t.blockers), len(t.blockers), len(t.blockers)))
	case need == 0:
		g.Status, g.Reason = StatusNotRequired, msgf("no approvals required for %s", tier)
		return g
	case len(t.approvers) >= need:
		g.Status = StatusPass
		g.Reason = msgf("%d of %d %s%s: %s", len(t.approvers), need, words(plural(need, "approval", "approvals")), why, approvers)
	default:
		g.Status = StatusFail
		g.Reason = msgf("%d of %d %s%s", len(t.approvers), need, words(plural(need, "approval", "approvals")), why)
		if len(t.approvers) > 0 {
			g.Reason = g.Reason.append(msgf(": %s", approvers))
		}
	}
	var notCounted Message
	for _, o := range t.outcomes {
		if o.Status != ReviewNotCounted && o.Status != ReviewStale {
			continue
		}
		sep := ", "
		if notCounted.IsZero() {
			sep = ""
		}
		notCounted = notCounted.append(msgf("%s%s (%s)", words(sep), loginName(o.Login), o.Reason))
	}
	if !notCounted.IsZero() {
		g.Reason = g.Reason.append(msgf("; not counted: %s", notCounted))
	}
	return g
}

// approversMessage lists the counted approvers in review order; a kept
// approval says which commit it was given on.
func approversMessage(t reviewTally) Message {
	var m Message
	n := 0
	for _, o := range t.outcomes {
		if o.Status != ReviewCounted && o.Status != ReviewKept {
			continue
		}
		if n > 0 {
			m = m.append(msgf(", "))
		}
		m = m.append(msgf("%s", loginName(o.Login)))
		if o.Status == ReviewKept {
			m = m.append(msgf(" (kept: %s)", o.Reason))
		}
		n++
	}
	return m
}

func logins(names []string) []loginValue {
	out := make([]loginValue, len(names))
	for i, n := range names {
		out[i] = loginName(n)
	}
	return out
}

func teamSlugs(names []string) []teamValue {
	out := make([]teamValue, len(names))
	for i, n := range names {
		out[i] = teamSlug(n)
	}
	return out
}

// teamGate needs one counted approval from a member of one of the critical
// path's teams. A team whose membership the caller did not supply fails
// closed rather than being treated as empty.
func teamGate(cp CriticalPath, pr PullRequest, t reviewTally) Gate {
	fig := &TeamFigures{Path: cp.Name, Teams: append([]string(nil), cp.Teams...)}
	g := Gate{Name: GateCriticalPrefix + cp.Name, Team: fig}
	teams := joinValues(teamSlugs(cp.Teams), len(cp.Teams), len(cp.Teams))
	if pr.Local {
		g.Status, g.Reason = StatusNotChecked, msgf("needs an approval from a member of %s; reviews are checked on GitHub", teams)
		return g
	}
	for _, tm := range cp.Teams {
		members, ok := pr.TeamMembers[tm]
		if !ok {
			fig.Unknown = append(fig.Unknown, tm)
			continue
		}
		for _, a := range t.approvers {
			for _, m := range members {
				if strings.EqualFold(a, m) {
					fig.ApprovedBy, fig.Team, fig.Unknown = a, tm, nil
					g.Status, g.Reason = StatusPass, msgf("approved by %s of %s", loginName(a), teamSlug(tm))
					return g
				}
			}
		}
	}
	g.Status = StatusFail
	g.Reason = msgf("needs an approval from a member of %s", teams)
	if len(fig.Unknown) > 0 {
		sort.Strings(fig.Unknown)
		g.Reason = g.Reason.append(msgf("; membership of %s could not be checked", joinValues(teamSlugs(fig.Unknown), len(fig.Unknown), len(fig.Unknown))))
	}
	return g
}
