package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// applyOverrides checks every override label on the pull request and turns
// the failing gates it covers into overridden. Gates that pass, are not
// required or are not checked keep their status: an override excuses a
// failure, it does not invent one. The config gate can never be overridden.
func applyOverrides(cfg *Config, pr PullRequest, gates []Gate) []Override {
	keys := make([]string, 0, len(cfg.Overrides.Labels))
	for k := range cfg.Overrides.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic output; "all" sorts first

	var out []Override
	for _, key := range keys {
		label := cfg.Overrides.Labels[key]
		l, ok := findLabel(pr.Labels, label)
		if !ok {
			continue
		}
		o := Override{Gate: key, Label: l.Name, By: l.AppliedBy}
		o.Accepted, o.Reason = judgeOverride(cfg.Overrides, pr, l)
		if o.Accepted {
			for i := range gates {
				if gates[i].Status == StatusFail && overrideCovers(key, gates[i].Name) {
					gates[i].Status = StatusOverridden
					gates[i].Reason = fmt.Sprintf("overridden by %s with %q: %s", who(l.AppliedBy), l.Name, gates[i].Reason)
				}
			}
		}
		out = append(out, o)
	}
	return out
}

func findLabel(labels []Label, name string) (Label, bool) {
	for _, l := range labels {
		if strings.EqualFold(l.Name, name) {
			return l, true
		}
	}
	return Label{}, false
}

func overrideCovers(key, gate string) bool {
	if gate == GateConfig {
		return false
	}
	return key == OverrideAll || key == gate
}

func who(login string) string {
	if login == "" {
		return "someone"
	}
	return "@" + login
}

// judgeOverride decides whether the person who most recently applied the
// label may override: enough permission, and not the author unless allowed.
func judgeOverride(p OverridePolicy, pr PullRequest, l Label) (bool, string) {
	if pr.Local {
		return true, "taken at face value locally; who applied it is checked on GitHub"
	}
	if l.AppliedBy == "" {
		return false, "ignored: could not tell who applied the label"
	}
	if !p.AllowAuthor && strings.EqualFold(l.AppliedBy, pr.Author) {
		return false, fmt.Sprintf("ignored: applied by %s, the PR author, who cannot override their own PR", who(l.AppliedBy))
	}
	if l.AppliedByBot || strings.HasSuffix(strings.ToLower(l.AppliedBy), "[bot]") {
		// A bot's authority is its App's installation, which the collaborator
		// permission does not describe: only a listed bot may override.
		if !slices.ContainsFunc(p.AllowBots, func(b string) bool { return strings.EqualFold(b, l.AppliedBy) }) {
			return false, fmt.Sprintf("ignored: applied by %s, a bot account not listed in overrides.allow_bots", who(l.AppliedBy))
		}
		return true, fmt.Sprintf("accepted: applied by %s, a bot listed in overrides.allow_bots", who(l.AppliedBy))
	}
	if perm := permissionOf(pr, l.AppliedBy); perm < p.MinPermission {
		return false, fmt.Sprintf("ignored: %s has %s permission; overrides need %s", who(l.AppliedBy), perm, p.MinPermission)
	}
	return true, fmt.Sprintf("accepted: applied by %s", who(l.AppliedBy))
}
