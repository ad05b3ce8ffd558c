package rules

import (
	"strings"
	"time"
)

// RequiredCheck is a required check and what required it.
type RequiredCheck struct {
	CheckRequirement
	// RequiredBy is the touched critical path that added it; "" for the
	// tier's own.
	RequiredBy string
}

// RequiredChecks returns the CI checks pr must pass under cfg: its tier's,
// then those of every critical path it touches, each once. The App asks
// this before reading check runs and statuses, so it reads them only when
// some are required, and a merge queue commit gets its pull request's.
func RequiredChecks(cfg *Config, pr PullRequest) []RequiredCheck {
	facts := classifyFiles(cfg, pr)
	tier, _, _ := decideTier(cfg, pr, facts)
	return requiredChecks(cfg, tier, facts)
}

func requiredChecks(cfg *Config, tier Tier, facts fileFacts) []RequiredCheck {
	var out []RequiredCheck
	add := func(r CheckRequirement, by string) {
		for _, have := range out {
			if have.CheckRequirement == r {
				return
			}
		}
		out = append(out, RequiredCheck{CheckRequirement: r, RequiredBy: by})
	}
	for _, r := range cfg.Tiers[tier].Checks {
		add(r, "")
	}
	for _, i := range facts.critical {
		for _, r := range cfg.CriticalPaths[i].Checks {
			add(r, cfg.CriticalPaths[i].Name)
		}
	}
	return out
}

// ChecksGate decides the checks gate for required checks against what
// GitHub reports on a commit: every required check must have completed
// with a conclusion that satisfies it. One that is queued, running or not
// yet reported keeps the gate pending until firstSeen plus checks.timeout,
// then fails it; a failure fails it at once. The App uses it directly for
// a merge queue commit, whose required checks are those of the pull request
// it adds.
//
// The warnings name globs that could not be decided within the glob
// budget (such a glob counts as matching, the strict way).
func ChecksGate(cfg *Config, tier Tier, required []RequiredCheck, checks []CheckResult, firstSeen, now time.Time) (Gate, []Message) {
	j := globJudge{steps: EvaluateGlobSteps}
	g := checksGate(cfg, tier, required, checks, firstSeen, now, &j)
	return g, j.warnings
}

// checksGlobList names required checks' globs in the glob judge's warnings.
const checksGlobList = "required checks"

func checksGate(cfg *Config, tier Tier, required []RequiredCheck, checks []CheckResult, firstSeen, now time.Time, j *globJudge) Gate {
	g := Gate{Name: GateChecks}
	if len(required) == 0 {
		g.Status, g.Reason = StatusNotRequired, msgf("no CI checks are required for %s", tier)
		return g
	}
	if firstSeen.IsZero() || firstSeen.After(now) {
		firstSeen = now
	}
	fig := &CheckFigures{Timeout: cfg.Checks.Timeout, Skipped: cfg.Checks.Skipped, Deadline: firstSeen.Add(cfg.Checks.Timeout)}
	g.Checks = fig
	timedOut := !now.Before(fig.Deadline)
	for _, r := range required {
		o := CheckOutcome{CheckRequirement: r.CheckRequirement, RequiredBy: r.RequiredBy}
		o.Matches = latestMatches(r.CheckRequirement, checks, j)
		o.State = checkState(o.Matches, cfg.Checks.Skipped, timedOut)
		fig.Required = append(fig.Required, o)
	}
	var failed, waiting, passed []CheckOutcome
	for _, o := range fig.Required {
		switch o.State {
		case CheckFailed, CheckTimedOut:
			failed = append(failed, o)
		case CheckRunning, CheckExpected:
			waiting = append(waiting, o)
		default:
			passed = append(passed, o)
		}
	}
	var parts []Message
	if len(failed) > 0 {
		parts = append(parts, msgf("failing: %s", outcomesMessage(failed, fig)))
	}
	if len(waiting) > 0 {
		parts = append(parts, msgf("waiting for %s until %s", outcomesMessage(waiting, fig), words(fig.Deadline.UTC().Format(deadlineLayout))))
	}
	if len(passed) > 0 {
		parts = append(parts, msgf("passed: %s", outcomesMessage(passed, fig)))
	}
	for i, p := range parts {
		if i > 0 {
			g.Reason = g.Reason.append(msgf("; "))
		}
		g.Reason = g.Reason.append(p)
	}
	switch {
	case len(failed) > 0:
		g.Status = StatusFail
	case len(waiting) > 0:
		g.Status = StatusPending
	default:
		g.Status = StatusPass
	}
	return g
}

// deadlineLayout writes the time a pending check runs out, in UTC.
const deadlineLayout = "2006-01-02 15:04 UTC"

// localChecksGate is the checks gate off GitHub: CI is not visible, so the
// gate lists what GitHub would require and counts for nothing.
func localChecksGate(cfg *Config, tier Tier, required []RequiredCheck) Gate {
	g := Gate{Name: GateChecks}
	if len(required) == 0 {
		g.Status, g.Reason = StatusNotRequired, msgf("no CI checks are required for %s", tier)
		return g
	}
	fig := &CheckFigures{Timeout: cfg.Checks.Timeout, Skipped: cfg.Checks.Skipped}
	for _, r := range required {
		fig.Required = append(fig.Required, CheckOutcome{CheckRequirement: r.CheckRequirement, RequiredBy: r.RequiredBy, State: CheckNotChecked})
	}
	g.Status, g.Checks = StatusNotChecked, fig
	g.Reason = msgf("checked on GitHub: requires %s", outcomesMessage(fig.Required, fig))
	return g
}

// latestMatches returns the checks that match r (name or glob, and source
// binding), the latest of each: for each kind (check run or commit
// status), source (the App, or the status's creator) and name, the one
// started last, then completed last, then listed last. A re-run replaces
// the run it re-runs, but nothing from another source does: like GitHub,
// which requires both a check run and a status that share a required name
// (and lists the latest run per App), every source that reports a matching
// name has to pass, so a newer "build" from one source cannot hide a
// failing or running "build" from another. Undecidable globs count as
// matching, so a name they might cover has to pass too.
func latestMatches(r CheckRequirement, checks []CheckResult, j *globJudge) []CheckResult {
	var glob Globs
	isGlob := r.IsGlob()
	if isGlob {
		var err error
		if glob, err = CompileGlobs([]string{r.Name}); err != nil {
			// Validated when the config was parsed; a pattern that still
			// does not compile matches nothing, so the check never passes.
			return nil
		}
	}
	var out []CheckResult
	for _, c := range checks {
		if !sourceMatches(r, c) {
			continue
		}
		if isGlob {
			if !j.match(glob, c.Name, checksGlobList, false, true) {
				continue
			}
		} else if c.Name != r.Name {
			continue
		}
		i := indexOfReport(out, c)
		switch {
		case i < 0:
			out = append(out, c)
		case !later(out[i], c):
			out[i] = c
		}
	}
	return out
}

// indexOfReport finds the check in cs that c would re-run: the same kind,
// source and name.
func indexOfReport(cs []CheckResult, c CheckResult) int {
	for i, have := range cs {
		if have.Kind == c.Kind && strings.EqualFold(have.Source, c.Source) && have.Name == c.Name {
			return i
		}
	}
	return -1
}

// later says a is newer than b; on a tie b, listed after a, wins.
func later(a, b CheckResult) bool {
	if !a.StartedAt.Equal(b.StartedAt) {
		return a.StartedAt.After(b.StartedAt)
	}
	return a.CompletedAt.After(b.CompletedAt)
}

// sourceMatches applies a requirement's binding: an App binds it to check
// runs from that App, a status creator to statuses from that account.
func sourceMatches(r CheckRequirement, c CheckResult) bool {
	switch {
	case r.App != "":
		return c.Kind == CheckRun && strings.EqualFold(c.Source, r.App)
	case r.StatusCreator != "":
		return c.Kind == CommitStatus && strings.EqualFold(c.Source, r.StatusCreator)
	}
	return true
}

// checkState is a required check's state from its matches.
func checkState(matches []CheckResult, skipped SkippedPolicy, timedOut bool) CheckState {
	if len(matches) == 0 {
		if timedOut {
			return CheckTimedOut
		}
		return CheckExpected
	}
	running := false
	for _, c := range matches {
		switch {
		case c.Status != CheckCompleted:
			running = true
		case !satisfies(c.Conclusion, skipped):
			return CheckFailed
		}
	}
	switch {
	case running && timedOut:
		return CheckTimedOut
	case running:
		return CheckRunning
	}
	return CheckPassed
}

func satisfies(c CheckConclusion, skipped SkippedPolicy) bool {
	switch c {
	case CheckSuccess:
		return true
	case CheckSkipped, CheckNeutral:
		return skipped == SkippedPass
	}
	return false
}

// ChecksDeadline returns when a pending verdict must be looked at again
// without waiting for an event: the moment its incomplete required checks
// run out of time. ok is false when no required check is pending.
func (r Result) ChecksDeadline() (time.Time, bool) {
	for _, g := range r.Gates {
		if g.Name == GateChecks && g.Status == StatusPending && g.Checks != nil && !g.Checks.Deadline.IsZero() {
			return g.Checks.Deadline, true
		}
	}
	return time.Time{}, false
}
