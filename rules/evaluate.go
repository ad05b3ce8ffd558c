package rules

import (
	"fmt"
	"strings"
)

// Evaluate classifies pr into a tier and checks that tier's gates against
// cfg. It is deterministic and does no I/O.
func Evaluate(cfg *Config, pr PullRequest) Result {
	facts := classifyFiles(cfg, pr)
	tier, tierReason := decideTier(cfg, pr, facts)
	tr := cfg.Tiers[tier]

	res := Result{
		Tier:       tier,
		TierReason: tierReason,
		Mode:       cfg.Mode,
		HeadSHA:    pr.HeadSHA,
		Warnings:   append(append([]string(nil), cfg.Warnings...), facts.warnings...),
	}
	if pr.FilesTruncated {
		res.Warnings = append(res.Warnings, truncationReason(pr)+"; gates that need the full list fail closed")
	}

	reviews := tallyReviews(cfg, pr)
	res.Gates = append(res.Gates,
		filesGate(GateTests, tr.Tests, tier, pr, facts.source, facts.tests, "test"),
		filesGate(GateDocs, tr.Docs, tier, pr, facts.source, facts.docs, "docs"),
		approvalsGate(cfg, tr, tier, pr, facts, reviews),
	)
	for _, i := range facts.critical {
		cp := cfg.CriticalPaths[i]
		if len(cp.Teams) > 0 {
			res.Gates = append(res.Gates, teamGate(cp, pr, reviews))
		}
	}
	res.Gates = append(res.Gates, sizeGate(tr, tier, pr))

	res.Overrides = applyOverrides(cfg, pr, res.Gates)
	res.Conclusion = conclude(cfg.Mode, res.Gates)
	return res
}

// ConfigFailure is the verdict for a pull request whose configuration could
// not be loaded: a failure that says what is wrong. The engine never falls
// back to defaults when a config file exists but is broken.
func ConfigFailure(err error) Result {
	// ConfigErrors renders one located error per line.
	var lines []string
	if err != nil {
		for _, l := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) == 0 {
		lines = []string{"configuration could not be loaded"}
	}
	reason := lines[0]
	if len(lines) > 1 {
		reason = fmt.Sprintf("%s (and %d more)", lines[0], len(lines)-1)
	}
	return Result{
		TierReason: "the configuration is broken, so no tier was decided",
		Conclusion: ConclusionFailure,
		Gates:      []Gate{{Name: GateConfig, Status: StatusFail, Reason: reason}},
		Errors:     lines,
	}
}

func conclude(mode Mode, gates []Gate) Conclusion {
	for _, g := range gates {
		if g.Status == StatusFail {
			if mode == ModeReport {
				return ConclusionNeutral
			}
			return ConclusionFailure
		}
	}
	return ConclusionSuccess
}

// fileSet counts matching files and keeps the first few names for reasons.
type fileSet struct {
	n     int
	names [3]string
}

func (s *fileSet) add(name string) {
	if s.n < len(s.names) {
		s.names[s.n] = name
	}
	s.n++
}

// String lists the kept names and how many more there are.
func (s fileSet) String() string {
	k := min(s.n, len(s.names))
	out := strings.Join(s.names[:k], ", ")
	if s.n > k {
		out += fmt.Sprintf(" and %d more", s.n-k)
	}
	return out
}

type fileFacts struct {
	source, tests, docs fileSet
	critical            []int    // indexes into cfg.CriticalPaths of touched paths
	criticalFile        []string // first touching file, parallel to critical
	warnings            []string // globs that could not be decided
}

// classifyFiles sorts changed files in one pass. A file counts as source
// only if it is not also a test or docs file, so touching a test never
// demands tests of itself. Removed files never count as source, tests or
// docs (deleting code needs no test; deleting a test is not a test), but they
// do touch critical paths. When the list is truncated, every critical path
// counts as touched; one no listed file touches has criticalFile "".
//
// Glob matching runs under a step budget (EvaluateGlobSteps). A file a glob
// cannot decide within it is judged the strict way: it touches the critical
// path, is source, and is neither a test nor docs; so an undecidable glob can
// only add gates, never wave a change through.
func classifyFiles(cfg *Config, pr PullRequest) fileFacts {
	var f fileFacts
	j := globJudge{steps: EvaluateGlobSteps}
	var touched []bool
	if len(cfg.CriticalPaths) > 0 {
		touched = make([]bool, len(cfg.CriticalPaths))
		f.criticalFile = make([]string, len(cfg.CriticalPaths))
	}
	for _, file := range pr.Files {
		for i := range cfg.CriticalPaths {
			if touched[i] {
				continue
			}
			cp := &cfg.CriticalPaths[i]
			if j.match(cp.Paths, file.Path, cp.Name, true, true) || (file.PreviousPath != "" && j.match(cp.Paths, file.PreviousPath, cp.Name, true, true)) {
				touched[i] = true
				f.criticalFile[i] = file.Path
			}
		}
		if file.Status == FileRemoved {
			continue
		}
		isTest := j.match(cfg.Paths.Tests, file.Path, "paths.tests", false, false)
		isDoc := j.match(cfg.Paths.Docs, file.Path, "paths.docs", false, false)
		switch {
		case isTest:
			f.tests.add(file.Path)
		case isDoc:
			f.docs.add(file.Path)
		case j.match(cfg.Paths.Source, file.Path, "paths.source", false, true):
			f.source.add(file.Path)
		}
		if isTest && isDoc {
			f.docs.add(file.Path)
		}
	}
	for i, t := range touched {
		if t || pr.FilesTruncated {
			touched[i] = true
			f.critical = append(f.critical, i)
		}
	}
	compact := f.criticalFile[:0]
	for i, t := range touched {
		if t {
			compact = append(compact, f.criticalFile[i])
		}
	}
	f.criticalFile = compact
	f.warnings = j.warnings
	return f
}

// decideTier picks the strictest tier among the PR's tier labels (else the
// default), then raises it to every touched critical path's min_tier.
func decideTier(cfg *Config, pr PullRequest, facts fileFacts) (Tier, string) {
	tier := TierNone
	var tierLabel string
	var others []string
	for _, l := range pr.Labels {
		t := tierOfLabel(cfg, l.Name)
		if t == TierNone {
			continue
		}
		switch {
		case t > tier:
			if tierLabel != "" {
				others = append(others, tierLabel)
			}
			tier, tierLabel = t, l.Name
		default:
			others = append(others, l.Name)
		}
	}
	var reason string
	switch {
	case tier == TierNone:
		tier = cfg.DefaultTier
		reason = fmt.Sprintf("no tier label, so the default tier %s applies", tier)
	case len(others) > 0:
		reason = fmt.Sprintf("label %q (the strictest of %q and %s)", tierLabel, tierLabel, quoteList(others))
	default:
		reason = fmt.Sprintf("label %q", tierLabel)
	}
	for k, i := range facts.critical {
		cp := cfg.CriticalPaths[i]
		if cp.MinTier > tier {
			if file := facts.criticalFile[k]; file != "" {
				reason += fmt.Sprintf("; raised from %s to %s because %s touches critical path %q", tier, cp.MinTier, file, cp.Name)
			} else {
				reason += fmt.Sprintf("; raised from %s to %s for critical path %q because %s", tier, cp.MinTier, cp.Name, truncationReason(pr))
			}
			tier = cp.MinTier
		}
	}
	return tier, reason
}

func tierOfLabel(cfg *Config, name string) Tier {
	for _, t := range allTiers {
		for _, l := range cfg.Tiers[t].Labels {
			if strings.EqualFold(l, name) {
				return t
			}
		}
	}
	return TierNone
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// filesGate is the tests or docs gate: source changes need a matching
// change of the given kind.
func filesGate(name string, required bool, tier Tier, pr PullRequest, source, matched fileSet, kind string) Gate {
	g := Gate{Name: name}
	switch {
	case !required:
		g.Status, g.Reason = StatusNotRequired, fmt.Sprintf("%s changes are not required for %s", kind, tier)
	case source.n == 0 && pr.FilesTruncated:
		g.Status, g.Reason = StatusFail, "no source file among the files GitHub lists, but the list is incomplete, so this cannot be confirmed"
	case source.n == 0:
		g.Status, g.Reason = StatusPass, "no source files changed"
	case matched.n > 0:
		g.Status, g.Reason = StatusPass, fmt.Sprintf("%s changes: %s", kind, matched)
	default:
		g.Status, g.Reason = StatusFail, fmt.Sprintf("source changed (%s) but no %s file did", source, kind)
	}
	return g
}

func sizeGate(tr TierRules, tier Tier, pr PullRequest) Gate {
	g := Gate{Name: GateMaxChangedLines}
	if tr.MaxChangedLines <= 0 {
		g.Status, g.Reason = StatusNotRequired, fmt.Sprintf("no size limit for %s", tier)
		return g
	}
	lines, exact := pr.Additions+pr.Deletions, true
	if lines == 0 {
		for _, f := range pr.Files {
			lines += f.Additions + f.Deletions
		}
		exact = !pr.FilesTruncated
	}
	switch {
	case lines > tr.MaxChangedLines:
		g.Status, g.Reason = StatusFail, fmt.Sprintf("%d lines changed, over the limit of %d for %s; split the change", lines, tr.MaxChangedLines, tier)
	case !exact:
		g.Status, g.Reason = StatusFail, fmt.Sprintf("at least %d lines changed, but the file list is incomplete, so the limit of %d cannot be confirmed", lines, tr.MaxChangedLines)
	default:
		g.Status, g.Reason = StatusPass, fmt.Sprintf("%d lines changed, within the limit of %d", lines, tr.MaxChangedLines)
	}
	return g
}
