package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// tightOrg is the example with tighten_only and a second critical path that
// names no teams.
func tightOrg(t *testing.T) *File {
	t.Helper()
	data := strings.Replace(string(readExample(t)), "repo_overrides: any", "repo_overrides: tighten_only", 1)
	data = strings.Replace(data, "approvals:\n  fresh_only", "  - name: audit\n    paths: [\"audit/**\"]\n    min_tier: feature\napprovals:\n  fresh_only", 1)
	return mustParse(t, "acme/.github tiergate.yml", data)
}

func TestResolveTightenOnly(t *testing.T) {
	const suffix = " (repo_overrides: tighten_only)"
	tests := []struct {
		name string
		repo string // after "version: 1\n", so the first key is on line 2
		warn string // "" when the key applies
		edit func(c *Config)
	}{
		// Loosening: ignored with a warning.
		{"require flag true to false", "tiers:\n  feature:\n    require: {tests: false}\n",
			"4: tiers.feature.require.tests: false ignored, the org requires true", nil},
		{"fewer approvals", "tiers:\n  platform:\n    require:\n      approvals: 1\n",
			"5: tiers.platform.require.approvals: 1 ignored, the org requires at least 2", nil},
		{"larger size limit", "tiers:\n  platform:\n    require: {max_changed_lines: 1000}\n",
			"4: tiers.platform.require.max_changed_lines: 1000 ignored, the org requires at most 800", nil},
		{"size limit removed", "tiers:\n  platform:\n    require: {max_changed_lines: 0}\n",
			"4: tiers.platform.require.max_changed_lines: 0 ignored, the org requires at most 800", nil},
		{"lower default tier", "default_tier: experiment\n",
			"2: default_tier: experiment ignored, the org requires at least feature", nil},
		{"enforce to report", "mode: report\n",
			"2: mode: report ignored, the org requires enforce", nil},
		{"stale approvals", "approvals: {fresh_only: false}\n",
			"2: approvals.fresh_only: false ignored, the org requires true", nil},
		{"lower reviewer permission", "approvals: {min_permission: triage}\n",
			"2: approvals.min_permission: triage ignored, the org requires at least write", nil},
		{"lower override permission", "overrides: {min_permission: write}\n",
			"2: overrides.min_permission: write ignored, the org requires at least maintain", nil},
		{"author may override", "overrides: {allow_author: true}\n",
			"2: overrides.allow_author: true ignored, the org requires false", nil},
		{"source globs removed", "paths:\n  source: [\"**/*.go\", \"**/*.rs\"]\n",
			`3: paths.source: ["**/*.go", "**/*.rs"] ignored, the org requires it to keep ["**/*.ts", "**/*.py"]`, nil},
		{"test globs added", "paths:\n  tests: [\"**/*_test.go\", \"**/*\"]\n",
			`3: paths.tests: ["**/*_test.go", "**/*"] ignored, the org requires it to stay within ["**/*_test.go", "**/*.test.ts", "tests/**", "**/test_*.py"]`, nil},
		{"docs globs added", "paths:\n  docs: [\"**\"]\n",
			`3: paths.docs: ["**"] ignored, the org requires it to stay within ["docs/**", "**/*.md"]`, nil},
		{"critical path lower tier", "critical_paths:\n  - name: payments\n    min_tier: feature\n",
			"4: critical_paths[payments].min_tier: feature ignored, the org requires at least platform", nil},
		{"critical path fewer approvals", "critical_paths:\n  - name: payments\n    approvals: 1\n",
			"4: critical_paths[payments].approvals: 1 ignored, the org requires at least 2", nil},
		{"critical path other teams", "critical_paths:\n  - name: payments\n    teams: [\"payments-owners\", \"anyone\"]\n",
			`4: critical_paths[payments].teams: ["payments-owners", "anyone"] ignored, the org requires exactly ["payments-owners"]`, nil},
		{"critical path fewer paths", "critical_paths:\n  - name: payments\n    paths: [\"payments/**\"]\n",
			`4: critical_paths[payments].paths: ["payments/**"] ignored, the org requires it to keep ["billing/**"]`, nil},

		// Tightening and neutral changes: applied.
		{"require flag false to true", "tiers:\n  experiment:\n    require: {tests: true, docs: true}\n", "",
			func(c *Config) { setTier(c, TierExperiment, func(r *TierRules) { r.Tests, r.Docs = true, true }) }},
		{"more approvals", "tiers:\n  platform:\n    require: {approvals: 3}\n", "",
			func(c *Config) { setTier(c, TierPlatform, func(r *TierRules) { r.Approvals = 3 }) }},
		{"smaller size limit", "tiers:\n  platform:\n    require: {max_changed_lines: 500}\n", "",
			func(c *Config) { setTier(c, TierPlatform, func(r *TierRules) { r.MaxChangedLines = 500 }) }},
		{"size limit where the org had none", "tiers:\n  feature:\n    require: {max_changed_lines: 2000}\n", "",
			func(c *Config) { setTier(c, TierFeature, func(r *TierRules) { r.MaxChangedLines = 2000 }) }},
		{"higher default tier", "default_tier: platform\n", "", func(c *Config) { c.DefaultTier = TierPlatform }},
		{"higher permissions", "approvals: {min_permission: maintain}\noverrides: {min_permission: admin}\n", "",
			func(c *Config) {
				c.Approvals.MinPermission, c.Overrides.MinPermission = PermissionMaintain, PermissionAdmin
			}},
		{"approvals of the same change no longer kept", "approvals: {keep_on_same_diff: false}\n", "",
			func(c *Config) { c.Approvals.KeepOnSameDiff = false }},
		{"same values", "mode: enforce\napprovals: {fresh_only: true}\noverrides: {allow_author: false}\n", "", func(c *Config) {}},
		{"more source globs", "paths:\n  source: [\"**/*.go\", \"**/*.ts\", \"**/*.py\", \"**/*.rs\"]\n", "",
			func(c *Config) { c.Paths.Source = MustCompileGlobs("**/*.go", "**/*.ts", "**/*.py", "**/*.rs") }},
		{"fewer test and docs globs", "paths:\n  tests: [\"**/*_test.go\"]\n  docs: [\"docs/**\"]\n", "",
			func(c *Config) {
				c.Paths.Tests, c.Paths.Docs = MustCompileGlobs("**/*_test.go"), MustCompileGlobs("docs/**")
			}},
		{"tier labels and override labels change", "tiers:\n  feature: {labels: [feat]}\noverrides:\n  labels: {all: break-glass}\n", "",
			func(c *Config) {
				setTier(c, TierFeature, func(r *TierRules) { r.Labels = []string{"feat"} })
				c.Overrides.Labels[OverrideAll] = "break-glass"
			}},
		{"critical path raised", "critical_paths:\n  - name: payments\n    approvals: 3\n    paths: [\"payments/**\", \"billing/**\", \"ledger/**\"]\n", "",
			func(c *Config) {
				c.CriticalPaths[0].Approvals = 3
				c.CriticalPaths[0].Paths = MustCompileGlobs("payments/**", "billing/**", "ledger/**")
			}},
		{"teams where the org had none", "critical_paths:\n  - name: audit\n    teams: [auditors]\n    min_tier: platform\n", "",
			func(c *Config) {
				c.CriticalPaths[1].Teams, c.CriticalPaths[1].MinTier = []string{"auditors"}, TierPlatform
			}},
		{"new critical path is free", "critical_paths:\n  - name: infra\n    paths: [\"infra/**\"]\n    approvals: 0\n", "",
			func(c *Config) {
				c.CriticalPaths = append(c.CriticalPaths, CriticalPath{Name: "infra", Paths: MustCompileGlobs("infra/**")})
			}},
		{"loose and tight keys in one tier", "tiers:\n  platform:\n    require: {approvals: 1, docs: true, max_changed_lines: 300}\n",
			"4: tiers.platform.require.approvals: 1 ignored, the org requires at least 2",
			func(c *Config) { setTier(c, TierPlatform, func(r *TierRules) { r.MaxChangedLines = 300 }) }},
	}
	org := tightOrg(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := Resolve(org, nil)
			if err != nil {
				t.Fatalf("Resolve(org, nil) = %v", err)
			}
			if tt.edit != nil {
				tt.edit(want)
			}
			const repoName = "acme/api .github/tiergate.yml"
			want.Sources = append(want.Sources, repoName)
			if tt.warn != "" {
				want.Warnings = []string{repoName + ":" + tt.warn + suffix}
			}
			got, err := Resolve(org, mustParse(t, repoName, "version: 1\n"+tt.repo))
			if err != nil {
				t.Fatalf("Resolve = %v", err)
			}
			if diff := cmp.Diff(want, got, configCmp); diff != "" {
				t.Errorf("Resolve(tighten_only org, repo) mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResolveTightenOnlyFloorIsDefaults checks that a key the org file does
// not set is held at the built-in default.
func TestResolveTightenOnlyFloorIsDefaults(t *testing.T) {
	org := mustParse(t, "org", "version: 1\nrepo_overrides: tighten_only\n")
	repo := mustParse(t, "repo", "version: 1\ntiers:\n  feature:\n    require: {approvals: 0}\n")
	got, err := Resolve(org, repo)
	if err != nil {
		t.Fatalf("Resolve = %v", err)
	}
	want := []string{"repo:4: tiers.feature.require.approvals: 0 ignored, the org requires at least 1 (repo_overrides: tighten_only)"}
	if diff := cmp.Diff(want, got.Warnings); diff != "" {
		t.Errorf("Resolve warnings mismatch (-want +got):\n%s", diff)
	}
	if got.Tiers[TierFeature].Approvals != 1 {
		t.Errorf("feature approvals = %d, want 1", got.Tiers[TierFeature].Approvals)
	}
}

// TestResolveTightenKeepOnSameDiff: keeping approvals across a rebase is the
// looser value, so under tighten_only a repo may turn it off but not on.
func TestResolveTightenKeepOnSameDiff(t *testing.T) {
	tests := []struct {
		name     string
		org      string
		repo     string
		want     bool
		warnings []string
	}{
		{"org keeps, repo stops keeping", "true", "false", false, nil},
		{"org stops keeping, repo keeps: ignored", "false", "true", false,
			[]string{"repo:2: approvals.keep_on_same_diff: true ignored, the org requires false (repo_overrides: tighten_only)"}},
		{"org stops keeping, repo agrees", "false", "false", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			org := mustParse(t, "org", "version: 1\nrepo_overrides: tighten_only\napprovals: {keep_on_same_diff: "+tt.org+"}\n")
			repo := mustParse(t, "repo", "version: 1\napprovals: {keep_on_same_diff: "+tt.repo+"}\n")
			got, err := Resolve(org, repo)
			if err != nil {
				t.Fatalf("Resolve = %v", err)
			}
			if got.Approvals.KeepOnSameDiff != tt.want {
				t.Errorf("Resolve(org %s, repo %s).Approvals.KeepOnSameDiff = %v, want %v", tt.org, tt.repo, got.Approvals.KeepOnSameDiff, tt.want)
			}
			if diff := cmp.Diff(tt.warnings, got.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResolveTightenOnlyChecks: a repository may require more checks, bind
// them to a source, wait less and refuse skipped checks, never the reverse.
func TestResolveTightenOnlyChecks(t *testing.T) {
	const suffix = " (repo_overrides: tighten_only)"
	org := mustParse(t, "org", `version: 1
repo_overrides: tighten_only
tiers:
  platform:
    require:
      checks: [build, {name: "security/*", app: github-actions}]
critical_paths:
  - name: payments
    paths: ["payments/**"]
    checks: [payments-suite]
checks: {timeout: 1h, skipped: fail}
`)
	platform := func(c *Config, rs ...CheckRequirement) {
		setTier(c, TierPlatform, func(r *TierRules) { r.Checks = rs })
	}
	build, scan := CheckRequirement{Name: "build"}, CheckRequirement{Name: "security/*", App: "github-actions"}
	tests := []struct {
		name string
		repo string
		warn string
		edit func(c *Config)
	}{
		{"a tier check dropped", "tiers:\n  platform:\n    require:\n      checks: [build]\n",
			`5: tiers.platform.require.checks: ["build"] ignored, the org requires it to keep [{name: "security/*", app: "github-actions"}]`, nil},
		{"a binding removed", "tiers:\n  platform:\n    require:\n      checks: [build, \"security/*\"]\n",
			`5: tiers.platform.require.checks: ["build", "security/*"] ignored, the org requires it to keep [{name: "security/*", app: "github-actions"}]`, nil},
		{"bound to another app", "tiers:\n  platform:\n    require:\n      checks: [build, {name: \"security/*\", app: circleci}]\n",
			`5: tiers.platform.require.checks: ["build", {name: "security/*", app: "circleci"}] ignored, the org requires it to keep [{name: "security/*", app: "github-actions"}]`, nil},
		{"a critical path check dropped", "critical_paths:\n  - name: payments\n    checks: []\n",
			`4: critical_paths[payments].checks: [] ignored, the org requires it to keep ["payments-suite"]`, nil},
		{"longer timeout", "checks: {timeout: 3h}\n", "2: checks.timeout: 3h ignored, the org requires at most 1h", nil},
		{"skipped passes", "checks: {skipped: pass}\n", "2: checks.skipped: pass ignored, the org requires fail", nil},

		{"more checks, one bound", "tiers:\n  platform:\n    require:\n      checks: [{name: build, app: github-actions}, \"security/*\", {name: \"security/*\", app: github-actions}, lint]\n", "",
			func(c *Config) {
				platform(c, CheckRequirement{Name: "build", App: "github-actions"}, CheckRequirement{Name: "security/*"}, scan, CheckRequirement{Name: "lint"})
			}},
		{"checks where the org had none", "tiers:\n  feature:\n    require: {checks: [build]}\n", "",
			func(c *Config) { setTier(c, TierFeature, func(r *TierRules) { r.Checks = []CheckRequirement{build} }) }},
		{"a critical path check added", "critical_paths:\n  - name: payments\n    checks: [payments-suite, {name: ledger, status_creator: ci-bot}]\n", "",
			func(c *Config) {
				c.CriticalPaths[0].Checks = []CheckRequirement{{Name: "payments-suite"}, {Name: "ledger", StatusCreator: "ci-bot"}}
			}},
		{"shorter timeout", "checks: {timeout: 30m}\n", "", func(c *Config) { c.Checks.Timeout = 30 * time.Minute }},
		{"the override label", "overrides:\n  labels: {checks: ci-broken}\n", "", func(c *Config) { c.Overrides.Labels[GateChecks] = "ci-broken" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := Resolve(org, nil)
			if err != nil {
				t.Fatalf("Resolve(org, nil) = %v", err)
			}
			if tt.edit != nil {
				tt.edit(want)
			}
			want.Sources = append(want.Sources, "repo")
			if tt.warn != "" {
				want.Warnings = []string{"repo:" + tt.warn + suffix}
			}
			got, err := Resolve(org, mustParse(t, "repo", "version: 1\n"+tt.repo))
			if err != nil {
				t.Fatalf("Resolve = %v", err)
			}
			if diff := cmp.Diff(want, got, configCmp); diff != "" {
				t.Errorf("Resolve(tighten_only org, repo) mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
