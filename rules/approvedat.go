package rules

// ApprovalCheck says whether an approval given on Commit would count at the
// pull request's head (tiergate check --approved-at).
type ApprovalCheck struct {
	Commit string
	// Status is counted (Commit is the head, or fresh_only is off), kept or
	// stale.
	Status ReviewStatus
	// Reason says why: for a stale approval, what differs or why the change
	// could not be compared.
	Reason Message
	// Change is the comparison made (nil when none was called for).
	Change *Comparison
}

// ApprovedAt judges an approval given on commit exactly as Evaluate judges
// the commit of every approval, leaving out who gave it: pr needs HeadSHA
// and, under keep_on_same_diff, Patches of the head and of commit.
func ApprovedAt(cfg *Config, pr PullRequest, commit string) ApprovalCheck {
	status, _, c := judgeCommit(cfg, pr, commit)
	ac := ApprovalCheck{Commit: commit, Status: status, Change: c}
	switch {
	case c != nil && status == ReviewStale:
		ac.Reason = c.Reason
	case c != nil:
		ac.Reason = msgf("same change as the head")
	case status == ReviewStale:
		ac.Reason = msgf("approvals.keep_on_same_diff is off, so only approvals of the head count")
	case commit == pr.HeadSHA:
		ac.Reason = msgf("given on the head")
	default:
		ac.Reason = msgf("approvals.fresh_only is off, so an approval of any commit counts")
	}
	return ac
}

// approvedAtMessage is the line text and Markdown print: "approval at
// abc1234: kept", with the reason in parentheses unless kept.
func approvedAtMessage(a ApprovalCheck) Message {
	m := msgf("approval at %s: %s", shortSHA(a.Commit), words(string(a.Status)))
	if a.Status != ReviewKept && !a.Reason.IsZero() {
		m = m.append(msgf(" (%s)", a.Reason))
	}
	return m
}
