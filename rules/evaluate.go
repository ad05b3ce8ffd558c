package rules

import (
	"slices"
	"strings"
)

// Evaluate classifies pr into a tier and checks that tier's gates against
// cfg. It is deterministic and does no I/O.
func Evaluate(cfg *Config, pr PullRequest) Result {
	facts := classifyFiles(cfg, pr)
	tier, tierReason, used := decideTier(cfg, pr, facts)
	tr := cfg.Tiers[tier]

	res := Result{
		Tier:          tier,
		TierReason:    tierReason,
		Mode:          cfg.Mode,
		HeadSHA:       pr.HeadSHA,
		Change:        changeOf(pr),
		CriticalPaths: facts.touched(cfg),
	}
	for _, w := range cfg.Warnings {
		res.Warnings = append(res.Warnings, messageOf(w))
	}
	res.Warnings = append(res.Warnings, facts.warnings...)
	if pr.FilesTruncated {
		res.Warnings = append(res.Warnings, msgf("%s; gates that need the full list fail closed", truncationReason(pr)))
	}
	if len(pr.Files) == 0 && !pr.FilesTruncated {
		res.Warnings = append(res.Warnings, msgf("the change is empty: no file differs between the merge base and the head, so there was nothing to check"))
	}
	res.Warnings = append(res.Warnings, labelTypos(cfg, pr)...)

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
	required := requiredChecks(cfg, tier, facts)
	if pr.Local {
		res.Gates = append(res.Gates, localChecksGate(cfg, tier, required))
	} else {
		j := globJudge{steps: EvaluateGlobSteps}
		res.Gates = append(res.Gates, checksGate(cfg, tier, required, pr.Checks, pr.FirstSeen, pr.Now, &j))
		res.Warnings = append(res.Warnings, j.warnings...)
	}

	res.Overrides = applyOverrides(cfg, pr, res.Gates)
	for _, o := range res.Overrides {
		used = append(used, UsedLabel{Name: o.Label, AppliedBy: o.By, Override: o.Gate})
	}
	res.Labels = used
	res.Conclusion = Conclude(cfg.Mode, res.Gates)
	return res
}

func changeOf(pr PullRequest) Change {
	c := Change{
		Files:       len(pr.Files),
		FilesListed: len(pr.Files),
		Truncated:   pr.FilesTruncated,
		Additions:   pr.Additions,
		Deletions:   pr.Deletions,
	}
	if pr.ChangedFiles > c.Files {
		c.Files = pr.ChangedFiles
	}
	if c.Additions == 0 && c.Deletions == 0 {
		for _, f := range pr.Files {
			c.Additions += f.Additions
			c.Deletions += f.Deletions
		}
	}
	return c
}

// labelTypos warns about labels one or two edits away from a tier or
// override label: a typo would otherwise be ignored without a word.
func labelTypos(cfg *Config, pr PullRequest) []Message {
	var known []string
	for _, t := range allTiers {
		known = append(known, cfg.Tiers[t].Labels...)
	}
	for _, l := range cfg.Overrides.Labels {
		if l != "" {
			known = append(known, l)
		}
	}
	lower := make([]string, len(known))
	for i, k := range known {
		lower[i] = strings.ToLower(k)
	}
	var out []Message
	for _, l := range pr.Labels {
		name := strings.ToLower(l.Name)
		if len(name) < 4 || slices.Contains(lower, name) {
			continue
		}
		if near := nearest(name, lower); near != "" {
			suggestion := known[slices.Index(lower, near)]
			out = append(out, msgf("label %q is not a tier or override label; did you mean %q?", labelName(l.Name), labelName(suggestion)))
		}
	}
	return out
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
	reason := messageOf(lines[0])
	if len(lines) > 1 {
		reason = reason.append(msgf(" (and %d more)", len(lines)-1))
	}
	res := Result{
		TierReason: msgf("the configuration is broken, so no tier was decided"),
		Conclusion: ConclusionFailure,
		Gates:      []Gate{{Name: GateConfig, Status: StatusFail, Reason: reason}},
	}
	for _, l := range lines {
		res.Errors = append(res.Errors, messageOf(l))
	}
	return res
}

// Conclude is the verdict of gates in mode: a failing gate concludes at
// once, so the author learns now rather than after CI; otherwise a pending
// gate keeps the verdict open. Report mode never blocks, so there both
// conclude neutral. The App uses it for a merge queue commit's checks.
func Conclude(mode Mode, gates []Gate) Conclusion {
	pending := false
	for _, g := range gates {
		switch g.Status {
		case StatusFail:
			if mode == ModeReport {
				return ConclusionNeutral
			}
			return ConclusionFailure
		case StatusPending:
			pending = true
		}
	}
	switch {
	case pending && mode == ModeReport:
		return ConclusionNeutral
	case pending:
		return ConclusionPending
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

// message lists the kept names and how many more there are.
func (s fileSet) message() Message {
	k := min(s.n, len(s.names))
	paths := make([]pathValue, k)
	for i := range paths {
		paths[i] = filePath(s.names[i])
	}
	return joinValues(paths, s.n, k)
}

type fileFacts struct {
	source, tests, docs fileSet
	critical            []int            // indexes into cfg.CriticalPaths of touched paths
	touching            [][]TouchingFile // per critical path: the first touching files
	touchingTotal       []int            // per critical path: how many files touch it
	warnings            []Message        // globs that could not be decided
	truncated           bool
}

// touched lists the touched critical paths with their files.
func (f fileFacts) touched(cfg *Config) []TouchedPath {
	var out []TouchedPath
	for _, i := range f.critical {
		cp := cfg.CriticalPaths[i]
		out = append(out, TouchedPath{
			Name:       cp.Name,
			MinTier:    cp.MinTier,
			Files:      f.touching[i],
			FilesTotal: f.touchingTotal[i],
			Unlisted:   f.truncated,
		})
	}
	return out
}

// firstTouching is the file named in reasons for critical path i, or false
// when none is listed (a truncated list).
func (f fileFacts) firstTouching(i int) (TouchingFile, bool) {
	if len(f.touching[i]) == 0 {
		return TouchingFile{}, false
	}
	return f.touching[i][0], true
}

// classifyFiles sorts changed files in one pass. A file counts as source
// only if it is not also a test or docs file, so touching a test never
// demands tests of itself. Removed files never count as source, tests or
// docs (deleting code needs no test; deleting a test is not a test), but they
// do touch critical paths, as does a file renamed into or out of one. When
// the list is truncated, every critical path counts as touched.
//
// Glob matching runs under a step budget (EvaluateGlobSteps). A file a glob
// cannot decide within it is judged the strict way: it touches the critical
// path, is source, and is neither a test nor docs; so an undecidable glob can
// only add gates, never wave a change through.
func classifyFiles(cfg *Config, pr PullRequest) fileFacts {
	f := fileFacts{truncated: pr.FilesTruncated}
	j := globJudge{steps: EvaluateGlobSteps}
	f.touching = make([][]TouchingFile, len(cfg.CriticalPaths))
	f.touchingTotal = make([]int, len(cfg.CriticalPaths))
	for _, file := range pr.Files {
		for i := range cfg.CriticalPaths {
			cp := &cfg.CriticalPaths[i]
			byNew := j.match(cp.Paths, file.Path, cp.Name, true, true)
			byOld := file.PreviousPath != "" && file.PreviousPath != file.Path && j.match(cp.Paths, file.PreviousPath, cp.Name, true, true)
			if !byNew && !byOld {
				continue
			}
			f.touchingTotal[i]++
			if len(f.touching[i]) < MaxTouchingFiles {
				f.touching[i] = append(f.touching[i], TouchingFile{Path: file.Path, PreviousPath: file.PreviousPath, ByPreviousPath: !byNew})
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
	for i, n := range f.touchingTotal {
		if n > 0 || pr.FilesTruncated {
			f.critical = append(f.critical, i)
		}
	}
	f.warnings = j.warnings
	return f
}

// touchingMessage names a file that touches a critical path; a rename is
// named by the side that matched.
func touchingMessage(t TouchingFile) Message {
	switch {
	case t.ByPreviousPath:
		return msgf("%s (renamed to %s)", filePath(t.PreviousPath), filePath(t.Path))
	case t.PreviousPath != "" && t.PreviousPath != t.Path:
		return msgf("%s (renamed from %s)", filePath(t.Path), filePath(t.PreviousPath))
	}
	return msgf("%s", filePath(t.Path))
}

// decideTier picks the strictest tier among the PR's tier labels (else the
// default), then raises it to every touched critical path's min_tier. It
// also returns the tier labels it saw.
func decideTier(cfg *Config, pr PullRequest, facts fileFacts) (Tier, Message, []UsedLabel) {
	tier := TierNone
	var used []UsedLabel
	decided := -1
	for _, l := range pr.Labels {
		t := tierOfLabel(cfg, l.Name)
		if t == TierNone {
			continue
		}
		used = append(used, UsedLabel{Name: l.Name, AppliedBy: l.AppliedBy, Tier: t})
		if t > tier {
			tier, decided = t, len(used)-1
		}
	}
	var reason Message
	switch {
	case tier == TierNone:
		tier = cfg.DefaultTier
		reason = msgf("no tier label, so the default tier %s applies", tier)
	case len(used) > 1:
		used[decided].Decided = true
		var others Message
		for k, u := range used {
			if k == decided {
				continue
			}
			sep := ", "
			if others.IsZero() {
				sep = ""
			}
			others = others.append(msgf("%s%q", words(sep), labelName(u.Name)))
		}
		reason = msgf("label %q (the strictest of %q and %s)", labelName(used[decided].Name), labelName(used[decided].Name), others)
	default:
		used[decided].Decided = true
		reason = msgf("label %q", labelName(used[decided].Name))
	}
	for _, i := range facts.critical {
		cp := cfg.CriticalPaths[i]
		if cp.MinTier > tier {
			if file, ok := facts.firstTouching(i); ok {
				reason = reason.append(msgf("; raised from %s to %s because %s touches critical path %q", tier, cp.MinTier, touchingMessage(file), cp.Name))
			} else {
				reason = reason.append(msgf("; raised from %s to %s for critical path %q because %s", tier, cp.MinTier, cp.Name, truncationReason(pr)))
			}
			tier = cp.MinTier
		}
	}
	return tier, reason, used
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

// filesGate is the tests or docs gate: source changes need a matching
// change of the given kind.
func filesGate(name string, required bool, tier Tier, pr PullRequest, source, matched fileSet, kind string) Gate {
	g := Gate{Name: name, Files: &FileFigures{Source: source.n, Matched: matched.n}}
	switch {
	case !required:
		g.Status, g.Reason = StatusNotRequired, msgf("%s changes are not required for %s", words(kind), tier)
	case source.n == 0 && pr.FilesTruncated:
		g.Status, g.Reason = StatusFail, msgf("no source file among the files GitHub lists, but the list is incomplete, so this cannot be confirmed")
	case source.n == 0 && len(pr.Files) == 0:
		g.Status, g.Reason = StatusPass, msgf("nothing changed")
	case source.n == 0:
		g.Status, g.Reason = StatusPass, msgf("no source files changed")
	case matched.n > 0:
		g.Status, g.Reason = StatusPass, msgf("%s changes: %s", words(kind), matched.message())
	default:
		g.Status, g.Reason = StatusFail, msgf("source changed (%s) but no %s file did", source.message(), words(kind))
	}
	return g
}

func sizeGate(tr TierRules, tier Tier, pr PullRequest) Gate {
	g := Gate{Name: GateMaxChangedLines}
	lines, exact := pr.Additions+pr.Deletions, true
	if lines == 0 {
		for _, f := range pr.Files {
			lines += f.Additions + f.Deletions
		}
		exact = !pr.FilesTruncated
	}
	g.Size = &SizeFigures{Limit: tr.MaxChangedLines, ChangedLines: lines, Exact: exact}
	changed := msgf("%s %s changed", words(thousands(lines)), words(plural(lines, "line", "lines")))
	if tr.MaxChangedLines <= 0 {
		g.Status, g.Reason = StatusNotRequired, msgf("no size limit for %s", tier)
		return g
	}
	limit := words(thousands(tr.MaxChangedLines))
	switch {
	case lines > tr.MaxChangedLines:
		g.Status, g.Reason = StatusFail, msgf("%s, over the limit of %s for %s; split the change", changed, limit, tier)
	case !exact:
		g.Status, g.Reason = StatusFail, msgf("at least %s, but the file list is incomplete, so the limit of %s cannot be confirmed", changed, limit)
	default:
		g.Status, g.Reason = StatusPass, msgf("%s, within the limit of %s", changed, limit)
	}
	return g
}
