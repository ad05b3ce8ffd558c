package backtest

import (
	"cmp"
	"slices"
	"strings"

	"github.com/tiergate/tiergate/rules"
)

// verdictOf sorts a result: failed when a gate fails or the config is
// broken, whatever the mode (report mode would not block, but the question
// is what the gates say); passed with an override when an override label
// waived a failing gate; passed otherwise.
func verdictOf(r rules.Result) Verdict {
	if len(r.Errors) > 0 {
		return VerdictFail
	}
	v := VerdictPass
	pending := false
	for _, g := range r.Gates {
		switch g.Status {
		case rules.StatusFail:
			return VerdictFail
		case rules.StatusOverridden:
			v = VerdictOverride
		case rules.StatusPending:
			pending = true
		}
	}
	if pending {
		return VerdictPending
	}
	return v
}

// failing names the failing gates of r.
func failing(r rules.Result) []string {
	return gatesWith(r, rules.StatusFail)
}

func gatesWith(r rules.Result, s rules.Status) []string {
	var out []string
	for _, g := range r.Gates {
		if g.Status == s {
			out = append(out, g.Name)
		}
	}
	return out
}

// Summary is a report in figures.
type Summary struct {
	Total, Passed, Overridden, Failed, Errors int
	// Pending counts those waiting for a required CI check (VerdictPending).
	Pending int
	// ByGate counts the pull requests each gate failed, most first.
	ByGate []Count
	// ByTier counts per tier, strictest first: Failed of Total.
	ByTier []TierCount
	// CriticalPaths counts the pull requests touching each critical
	// path, and how many of those failed, most first.
	CriticalPaths []PathCount
	// Compared says a current config was compared; Differ counts the
	// pull requests it decides otherwise, of which PassToFail would now
	// fail (they passed, with or without an override, under the current
	// config), FailToPass would now pass, and TierChanged get another tier.
	Compared                                    bool
	Differ, PassToFail, FailToPass, TierChanged int
}

// Count is a name and how often.
type Count struct {
	Name string
	N    int
}

// TierCount is a tier's figures.
type TierCount struct {
	Tier          rules.Tier
	Total, Failed int
}

// PathCount is a critical path's figures.
type PathCount struct {
	Name            string
	Touched, Failed int
}

// Summarize counts the report.
func Summarize(rep *Report) Summary {
	s := Summary{Total: len(rep.Pulls), Compared: rep.Current != nil}
	gates := map[string]int{}
	tiers := map[rules.Tier]*TierCount{}
	paths := map[string]*PathCount{}
	for _, p := range rep.Pulls {
		switch p.Verdict {
		case VerdictPass:
			s.Passed++
		case VerdictOverride:
			s.Overridden++
		case VerdictFail:
			s.Failed++
		case VerdictPending:
			s.Pending++
		case VerdictError:
			s.Errors++
			continue
		}
		failed := p.Verdict == VerdictFail
		for _, g := range failing(p.Result) {
			gates[g]++
		}
		if len(p.Result.Errors) > 0 {
			gates[rules.GateConfig]++
		}
		if p.Result.Tier != rules.TierNone {
			tc := tiers[p.Result.Tier]
			if tc == nil {
				tc = &TierCount{Tier: p.Result.Tier}
				tiers[p.Result.Tier] = tc
			}
			tc.Total++
			if failed {
				tc.Failed++
			}
		}
		for _, cp := range p.Result.CriticalPaths {
			pc := paths[cp.Name]
			if pc == nil {
				pc = &PathCount{Name: cp.Name}
				paths[cp.Name] = pc
			}
			pc.Touched++
			if failed {
				pc.Failed++
			}
		}
		if p.Differs() {
			s.Differ++
			was, now := p.Current.Verdict, p.Verdict
			switch {
			case passed(was) && now == VerdictFail:
				s.PassToFail++
			case was == VerdictFail && passed(now):
				s.FailToPass++
			}
			if p.Current.Tier != p.Result.Tier {
				s.TierChanged++
			}
		}
	}
	for name, n := range gates {
		s.ByGate = append(s.ByGate, Count{Name: name, N: n})
	}
	slices.SortFunc(s.ByGate, func(a, b Count) int { return cmp.Or(cmp.Compare(b.N, a.N), strings.Compare(a.Name, b.Name)) })
	for _, t := range slices.Backward(rules.AllTiers()) {
		if tc := tiers[t]; tc != nil {
			s.ByTier = append(s.ByTier, *tc)
		}
	}
	for _, pc := range paths {
		s.CriticalPaths = append(s.CriticalPaths, *pc)
	}
	slices.SortFunc(s.CriticalPaths, func(a, b PathCount) int {
		return cmp.Or(cmp.Compare(b.Touched, a.Touched), strings.Compare(a.Name, b.Name))
	})
	return s
}

// passed says v is a pass, with or without an override.
func passed(v Verdict) bool { return v == VerdictPass || v == VerdictOverride }

// notes are what a reader must know to trust the figures.
func notes(state State, cfg, current *rules.Config) []rules.Message {
	var out []rules.Message
	switch state {
	case StateMerged:
		out = append(out, rules.Messagef("Each pull request is judged as it stood when it was merged: its final head, and the reviews and labels up to the merge. A review dismissed after the merge counts as dismissed: GitHub keeps only a review's latest state."))
	case StateClosed:
		out = append(out, rules.Messagef("Each pull request is judged as it stood when it was closed: its final head, and the reviews and labels up to then. A review dismissed later counts as dismissed: GitHub keeps only a review's latest state."))
	case StateOpen:
		out = append(out, rules.Messagef("Each pull request is judged as it stands now."))
	}
	out = append(out, rules.Messagef("Required CI checks are read on each pull request's final head as they stood then: a check completed later counts as still running, and a pull request waiting for one is pending, never a pass."))
	out = append(out, rules.Messagef("Permissions and team memberships are as they are now (read within the last hour), not as they were then: GitHub keeps no history of them."))
	if usesTeams(cfg) || usesTeams(current) {
		out = append(out, rules.Messagef("A team these credentials cannot see (a secret team, or a token without read access to the organization's members) counts as having no members, so its critical path's team gate fails closed."))
	}
	if cfg.Mode == rules.ModeReport {
		out = append(out, rules.Messagef("The config is in report mode: on GitHub, these failures would be reported without blocking a merge."))
	}
	for _, w := range cfg.Warnings {
		out = append(out, rules.Messagef("Config: %s", w))
	}
	return out
}

func usesTeams(cfg *rules.Config) bool {
	if cfg == nil {
		return false
	}
	for _, cp := range cfg.CriticalPaths {
		if len(cp.Teams) > 0 {
			return true
		}
	}
	return false
}
