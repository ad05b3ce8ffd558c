package rules

import (
	"slices"
	"sort"
	"strings"
)

// applyOverrides checks every override label on the pull request and turns
// the failing gates it covers into overridden. Gates that pass, are not
// required or are not checked keep their status: an override excuses a
// failure, it does not invent one, and an accepted override that excused
// nothing says it was not needed. The config gate can never be overridden.
func applyOverrides(cfg *Config, pr PullRequest, gates []Gate) []Override {
	keys := make([]string, 0, len(cfg.Overrides.Labels))
	for k := range cfg.Overrides.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic output; "all" sorts first

	var out []Override
	for _, key := range keys {
		l, ok := findLabel(pr.Labels, cfg.Overrides.Labels[key])
		if !ok {
			continue
		}
		o := Override{Gate: key, Label: l.Name, By: l.AppliedBy}
		o.Accepted, o.Reason = judgeOverride(cfg.Overrides, pr, l)
		if o.Accepted {
			for i := range gates {
				if gates[i].Status == StatusFail && overrideCovers(key, gates[i].Name) {
					gates[i].Status = StatusOverridden
					if waitingForChecks(gates[i]) {
						// An override excuses the checks that failed, not
						// those still running within checks.timeout: the
						// verdict waits for them. One still running past
						// it has timed out, which is a failure (see
						// checkState), so the override excuses it.
						gates[i].Status = StatusPending
					}
					gates[i].Reason = msgf("overridden by %s with %q: %s", who(l.AppliedBy), labelName(l.Name), gates[i].Reason)
					o.Applied = append(o.Applied, gates[i].Name)
				}
			}
			if len(o.Applied) == 0 {
				o.Reason = o.Reason.append(msgf("; not needed: %s", notNeededReason(key, gates)))
			}
		}
		out = append(out, o)
	}
	return out
}

// notNeededReason says why an accepted override excused nothing.
func notNeededReason(key string, gates []Gate) Message {
	if key == OverrideAll {
		return msgf("no gate fails")
	}
	for _, g := range gates {
		if g.Name != key {
			continue
		}
		switch g.Status {
		case StatusNotRequired:
			return msgf("the %s gate is not required", words(key))
		case StatusNotChecked:
			return msgf("the %s gate is checked on GitHub", words(key))
		case StatusPending:
			return msgf("the %s gate has not failed; it waits for checks still running", words(key))
		default:
			return msgf("the %s gate does not fail", words(key))
		}
	}
	return msgf("no %s gate applies", words(key))
}

// waitingForChecks says a checks gate has required checks still running or
// not yet reported before their deadline; past it they are CheckTimedOut.
func waitingForChecks(g Gate) bool {
	if g.Checks == nil {
		return false
	}
	for _, o := range g.Checks.Required {
		if o.State == CheckRunning || o.State == CheckExpected {
			return true
		}
	}
	return false
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

// who names the person who applied a label, without an @: a verdict never
// pings anyone.
func who(login string) Message {
	if login == "" {
		return msgf("someone")
	}
	return msgf("%s", loginName(login))
}

// judgeOverride decides whether the person who most recently applied the
// label may override: enough permission, and not the author unless allowed.
func judgeOverride(p OverridePolicy, pr PullRequest, l Label) (bool, Message) {
	if pr.Local {
		return true, msgf("taken at face value locally; who applied it is checked on GitHub")
	}
	if accepted, why, decided := judgeApplier(p, pr, l); decided {
		return accepted, why
	}
	if perm := permissionOf(pr, l.AppliedBy); perm < p.MinPermission {
		return false, msgf("ignored: %s has %s permission; overrides need %s", who(l.AppliedBy), perm, p.MinPermission)
	}
	return true, msgf("accepted: applied by %s", who(l.AppliedBy))
}

// judgeApplier decides an override label by who applied it, where that
// alone decides (unknown, the author, a bot); otherwise decided is false
// and the applier's permission decides.
func judgeApplier(p OverridePolicy, pr PullRequest, l Label) (accepted bool, why Message, decided bool) {
	if l.AppliedBy == "" {
		return false, msgf("ignored: could not tell who applied the label"), true
	}
	if !p.AllowAuthor && strings.EqualFold(l.AppliedBy, pr.Author) {
		return false, msgf("ignored: applied by %s, the PR author, who cannot override their own PR", who(l.AppliedBy)), true
	}
	if isBot(l.AppliedBy, l.AppliedByBot) {
		// A bot's authority is its App's installation, which the collaborator
		// permission does not describe: only a listed bot may override.
		if !slices.ContainsFunc(p.AllowBots, func(b string) bool { return strings.EqualFold(b, l.AppliedBy) }) {
			return false, msgf("ignored: applied by %s, a bot account not listed in overrides.allow_bots", who(l.AppliedBy)), true
		}
		return true, msgf("accepted: applied by %s, a bot listed in overrides.allow_bots", who(l.AppliedBy)), true
	}
	return false, Message{}, false
}
