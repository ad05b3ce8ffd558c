package rules

import (
	"slices"
	"sort"
	"strings"
)

// Needs is what the engine must still be told about a pull request to judge
// it under a config. The caller fetches exactly that, fills it into the
// PullRequest and asks again, until Needed answers nothing (IsZero). What
// is needed depends on what is known, so each answer is one stage, in the
// order the rules depend on each other: who applied the override labels;
// the permissions of the people whose reviews or labels a gate reads; the
// pull request's change at the commits of approvals given before the head;
// and the team memberships of the approvers that count.
type Needs struct {
	// Appliers asks who most recently applied each override label on the
	// pull request (set Label.AppliedBy, then PullRequest.AppliersKnown).
	Appliers bool
	// Permissions lists logins whose repository permission is needed; put
	// each in PullRequest.Permissions, PermissionNone when they have none.
	Permissions []string
	// Patches lists commits whose change (the diff from the merge base
	// with the base branch to the commit) is needed, the head first; put
	// each in PullRequest.Patches, with Unavailable set when it cannot be
	// had.
	Patches []string
	// Teams lists teams with the logins whose membership is needed; put
	// each team in PullRequest.TeamMembers with those logins that are
	// members, or leave it out when it cannot be read (its gate then fails
	// closed).
	Teams []TeamNeed
}

// TeamNeed is a team, as the config names it ("slug" or "org/slug"), and
// the logins whose membership of it is needed.
type TeamNeed struct {
	Team   string
	Logins []string
}

// IsZero says nothing more is needed.
func (n Needs) IsZero() bool {
	return !n.Appliers && len(n.Permissions) == 0 && len(n.Patches) == 0 && len(n.Teams) == 0
}

// Needed says what Evaluate still needs to know of pr under cfg, beyond the
// files, labels and reviews it always needs; see Needs. It asks only for
// what a gate of this pull request reads: nothing for a local evaluation,
// no reviewer's permission when no approval is required and nobody
// requests changes, no applier for a label that is not an override label,
// and no change at an old commit unless an approval given on it would
// count but for its commit.
func Needed(cfg *Config, pr PullRequest) Needs {
	if pr.Local {
		return Needs{}
	}
	facts := classifyFiles(cfg, pr)
	tier, _, _ := decideTier(cfg, pr, facts)
	required, _ := requiredApprovals(cfg, cfg.Tiers[tier], facts)
	var teams []string
	for _, i := range facts.critical {
		for _, tm := range cfg.CriticalPaths[i].Teams {
			if !slices.Contains(teams, tm) {
				teams = append(teams, tm)
			}
		}
	}
	approvalsMatter := required > 0 || len(teams) > 0

	overrides := overrideLabelsOn(cfg, pr)
	if len(overrides) > 0 && !pr.AppliersKnown {
		return Needs{Appliers: true}
	}

	decisions := latestDecisions(pr)
	var logins []string
	add := func(login string) {
		if !hasPermission(pr, login) && !slices.ContainsFunc(logins, func(l string) bool { return strings.EqualFold(l, login) }) {
			logins = append(logins, login)
		}
	}
	if cfg.Approvals.MinPermission > PermissionNone {
		for _, d := range decisions {
			// A change request blocks even where no approval is required.
			if !d.excluded(pr) && (d.state == ReviewChangesRequested || approvalsMatter) {
				add(d.user)
			}
		}
	}
	if cfg.Overrides.MinPermission > PermissionNone {
		for _, l := range overrides {
			if _, _, decided := judgeApplier(cfg.Overrides, pr, l); !decided {
				add(l.AppliedBy)
			}
		}
	}
	if len(logins) > 0 {
		return Needs{Permissions: logins}
	}

	if approvalsMatter && cfg.Approvals.FreshOnly && cfg.Approvals.KeepOnSameDiff {
		var commits []string
		for _, d := range decisions {
			old := d.commit != pr.HeadSHA && d.commit != ""
			if d.state == ReviewApproved && old && !d.excluded(pr) && permissionOf(pr, d.user) >= cfg.Approvals.MinPermission &&
				!slices.Contains(commits, d.commit) {
				commits = append(commits, d.commit)
			}
		}
		var missing []string
		if _, ok := pr.Patches[pr.HeadSHA]; len(commits) > 0 && !ok {
			missing = append(missing, pr.HeadSHA)
		}
		for _, c := range commits {
			if _, ok := pr.Patches[c]; !ok {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			return Needs{Patches: missing}
		}
	}

	var out []TeamNeed
	if len(teams) > 0 {
		approvers := tallyReviews(cfg, pr).approvers
		for _, tm := range teams {
			if _, known := pr.TeamMembers[tm]; !known {
				out = append(out, TeamNeed{Team: tm, Logins: slices.Clone(approvers)})
			}
		}
	}
	return Needs{Teams: out}
}

// overrideLabelsOn lists the pull request's labels that are override labels,
// in the order of their gate keys.
func overrideLabelsOn(cfg *Config, pr PullRequest) []Label {
	keys := make([]string, 0, len(cfg.Overrides.Labels))
	for k := range cfg.Overrides.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []Label
	for _, k := range keys {
		l, ok := findLabel(pr.Labels, cfg.Overrides.Labels[k])
		if ok && !slices.ContainsFunc(out, func(o Label) bool { return strings.EqualFold(o.Name, l.Name) }) {
			out = append(out, l)
		}
	}
	return out
}

// hasPermission says the caller supplied login's permission (any case).
func hasPermission(pr PullRequest, login string) bool {
	if _, ok := pr.Permissions[login]; ok {
		return true
	}
	for l := range pr.Permissions {
		if strings.EqualFold(l, login) {
			return true
		}
	}
	return false
}
