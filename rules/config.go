package rules

// Config is the effective configuration for one repository: built-in
// defaults, refined by the org file, refined by the repo file. It is
// immutable once built and safe to share between goroutines.
type Config struct {
	DefaultTier   Tier
	Tiers         map[Tier]TierRules // always holds every tier
	Paths         Paths
	CriticalPaths []CriticalPath
	Approvals     ApprovalPolicy
	Checks        ChecksPolicy
	Overrides     OverridePolicy
	Mode          Mode
	RepoOverrides RepoOverrides
	// Warnings are things a maintainer should see but that do not break the
	// config, such as a repo key ignored under tighten_only.
	Warnings []string
	// Sources names the files this config was built from, most general
	// first; empty when only built-in defaults apply.
	Sources []string
}

// TierRules is one tier's checklist.
type TierRules struct {
	Labels          []string
	Tests           bool
	Docs            bool
	Approvals       int
	MaxChangedLines int // 0: no limit
	// Checks are the CI checks the tier requires on the head commit.
	Checks []CheckRequirement
}

// Paths classifies changed files.
type Paths struct {
	Source Globs // changes here need tests (and docs where required)
	Tests  Globs
	Docs   Globs
}

// CriticalPath is a set of paths whose changes raise the bar.
type CriticalPath struct {
	Name      string
	Paths     Globs
	MinTier   Tier // TierNone: does not raise the tier
	Approvals int
	Teams     []string // org team slugs; one approval from a member is required
	// Checks are CI checks required, on top of the tier's, when the path
	// is touched.
	Checks []CheckRequirement
}

// ApprovalPolicy says which approvals count.
type ApprovalPolicy struct {
	FreshOnly bool
	// KeepOnSameDiff keeps, under FreshOnly, an approval given on an
	// earlier commit when the pull request's change at that commit is the
	// change at the head (a rebase or a merge from the base that changed
	// nothing of it).
	KeepOnSameDiff bool
	MinPermission  Permission
}

// OverridePolicy says which labels override which gates and who may apply them.
type OverridePolicy struct {
	// Labels maps a gate name ("tests", "docs", "approvals",
	// "max_changed_lines", "checks", or "all" for every gate) to its
	// override label.
	Labels        map[string]string
	MinPermission Permission
	AllowAuthor   bool
	// AllowBots lists the bot accounts (e.g. "release-bot[bot]") whose
	// override labels count; any other bot's are ignored.
	AllowBots []string
}
