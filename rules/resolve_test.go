package rules

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustParse(t *testing.T, name, data string) *File {
	t.Helper()
	f, err := Parse(name, []byte(data))
	if err != nil {
		t.Fatalf("Parse(%s) = %v", name, err)
	}
	return f
}

// withDefaults returns Default() changed by edit, for expected values.
func withDefaults(edit func(c *Config)) *Config {
	c := Default()
	edit(c)
	return c
}

func setTier(c *Config, t Tier, edit func(r *TierRules)) {
	r := c.Tiers[t]
	edit(&r)
	c.Tiers[t] = r
}

func TestResolveLayering(t *testing.T) {
	payments := "version: 1\ncritical_paths:\n  - name: payments\n    paths: [payments/**]\n    min_tier: platform\n    approvals: 2\n    teams: [pay]\n"
	tests := []struct {
		name      string
		org, repo string // "" means no file
		want      *Config
	}{
		{
			name: "no files is the defaults",
			want: Default(),
		},
		{
			name: "org only, one field of one tier",
			org:  "version: 1\ntiers:\n  platform:\n    require: {approvals: 3}\n",
			want: withDefaults(func(c *Config) {
				setTier(c, TierPlatform, func(r *TierRules) { r.Approvals = 3 })
				c.Sources = []string{"org"}
			}),
		},
		{
			name: "repo only",
			repo: "version: 1\nmode: report\ndefault_tier: experiment\n",
			want: withDefaults(func(c *Config) {
				c.Mode, c.DefaultTier = ModeReport, TierExperiment
				c.Sources = []string{"repo"}
			}),
		},
		{
			name: "both, merged per tier and per field",
			org:  "version: 1\nmode: report\ntiers:\n  feature:\n    labels: [f]\n    require: {tests: false}\n",
			repo: "version: 1\nmode: enforce\ntiers:\n  feature:\n    require: {approvals: 2}\n  experiment:\n    require: {docs: true}\n",
			want: withDefaults(func(c *Config) {
				setTier(c, TierFeature, func(r *TierRules) { r.Labels, r.Tests, r.Approvals = []string{"f"}, false, 2 })
				setTier(c, TierExperiment, func(r *TierRules) { r.Docs = true })
				c.Sources = []string{"org", "repo"}
			}),
		},
		{
			name: "lists replace as a whole",
			org:  "version: 1\npaths:\n  source: [a/**, b/**]\n  docs: [d/**]\n",
			repo: "version: 1\npaths:\n  source: [c/**]\n",
			want: withDefaults(func(c *Config) {
				c.Paths.Source = MustCompileGlobs("c/**")
				c.Paths.Docs = MustCompileGlobs("d/**")
				c.Sources = []string{"org", "repo"}
			}),
		},
		{
			name: "override labels: set, removed with an empty string",
			org:  "version: 1\noverrides:\n  labels: {max_changed_lines: big-ok, all: \"\"}\n  allow_author: true\n",
			want: withDefaults(func(c *Config) {
				c.Overrides.Labels[GateMaxChangedLines] = "big-ok"
				delete(c.Overrides.Labels, OverrideAll)
				c.Overrides.AllowAuthor = true
				c.Sources = []string{"org"}
			}),
		},
		{
			name: "critical paths merge by name, new names appended",
			org:  payments,
			repo: "version: 1\ncritical_paths:\n  - name: auth\n    paths: [auth/**]\n  - name: payments\n    approvals: 3\n",
			want: withDefaults(func(c *Config) {
				c.CriticalPaths = []CriticalPath{
					{Name: "payments", Paths: MustCompileGlobs("payments/**"), MinTier: TierPlatform, Approvals: 3, Teams: []string{"pay"}},
					{Name: "auth", Paths: MustCompileGlobs("auth/**")},
				}
				c.Sources = []string{"org", "repo"}
			}),
		},
		{
			name: "critical path lists replace field by field",
			org:  payments,
			repo: "version: 1\ncritical_paths:\n  - name: payments\n    paths: [pay/**]\n    teams: []\n",
			want: withDefaults(func(c *Config) {
				c.CriticalPaths = []CriticalPath{{Name: "payments", Paths: MustCompileGlobs("pay/**"), MinTier: TierPlatform, Approvals: 2}}
				c.Sources = []string{"org", "repo"}
			}),
		},
		{
			name: "repo_overrides in a repo file is ignored with a warning",
			org:  "version: 1\nrepo_overrides: any\n",
			repo: "version: 1\nmode: report\nrepo_overrides: tighten_only\n",
			want: withDefaults(func(c *Config) {
				c.Mode = ModeReport
				c.Warnings = []string{"repo:3: ignored: repo_overrides only applies in the org config"}
				c.Sources = []string{"org", "repo"}
			}),
		},
		{
			name: "repo_overrides in the org file is kept",
			org:  "version: 1\nrepo_overrides: tighten_only\n",
			want: withDefaults(func(c *Config) {
				c.RepoOverrides = RepoOverridesTightenOnly
				c.Sources = []string{"org"}
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var org, repo *File
			if tt.org != "" {
				org = mustParse(t, "org", tt.org)
			}
			if tt.repo != "" {
				repo = mustParse(t, "repo", tt.repo)
			}
			got, err := Resolve(org, repo)
			if err != nil {
				t.Fatalf("Resolve = %v", err)
			}
			if diff := cmp.Diff(tt.want, got, configCmp); diff != "" {
				t.Errorf("Resolve mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResolveEveryKey sets every key to a non-default value, so a key the
// table knows but Resolve does not wire up fails here.
func TestResolveEveryKey(t *testing.T) {
	for _, k := range leafKeys() {
		if newBuilder().fields[k.path] == nil && k.path != "version" {
			t.Errorf("key %s has no field in the builder", k.path)
		}
	}
	f := mustParse(t, "all.yml", `version: 1
default_tier: platform
tiers:
  experiment:
    labels: [e1, e2]
    require: {tests: true, docs: true, approvals: 1, max_changed_lines: 10}
  feature:
    labels: [f1]
    require: {tests: false, docs: true, approvals: 3, max_changed_lines: 20}
  platform:
    labels: []
    require: {tests: false, docs: false, approvals: 4, max_changed_lines: 0, checks: [build, {name: "e2e/*", app: github-actions}, {name: ci/lint, status_creator: ci-bot}]}
paths:
  source: [src/**]
  tests: [test/**]
  docs: [doc/**]
critical_paths:
  - {name: db, paths: [db/**], min_tier: feature, approvals: 5, teams: [dba, sre], checks: [db-migrations]}
approvals: {fresh_only: false, keep_on_same_diff: false, min_permission: admin}
checks: {timeout: 45m, skipped: pass}
overrides:
  labels: {tests: t, docs: d, approvals: a, max_changed_lines: m, checks: c, all: ""}
  min_permission: triage
  allow_author: true
mode: report
repo_overrides: tighten_only
`)
	got, err := Resolve(f, nil)
	if err != nil {
		t.Fatalf("Resolve = %v", err)
	}
	want := &Config{
		DefaultTier: TierPlatform,
		Tiers: map[Tier]TierRules{
			TierExperiment: {Labels: []string{"e1", "e2"}, Tests: true, Docs: true, Approvals: 1, MaxChangedLines: 10},
			TierFeature:    {Labels: []string{"f1"}, Docs: true, Approvals: 3, MaxChangedLines: 20},
			TierPlatform: {Labels: []string{}, Approvals: 4, Checks: []CheckRequirement{
				{Name: "build"}, {Name: "e2e/*", App: "github-actions"}, {Name: "ci/lint", StatusCreator: "ci-bot"}}},
		},
		Paths: Paths{Source: MustCompileGlobs("src/**"), Tests: MustCompileGlobs("test/**"), Docs: MustCompileGlobs("doc/**")},
		CriticalPaths: []CriticalPath{{Name: "db", Paths: MustCompileGlobs("db/**"), MinTier: TierFeature, Approvals: 5, Teams: []string{"dba", "sre"},
			Checks: []CheckRequirement{{Name: "db-migrations"}}}},
		Approvals: ApprovalPolicy{FreshOnly: false, MinPermission: PermissionAdmin},
		Checks:    ChecksPolicy{Timeout: 45 * time.Minute, Skipped: SkippedPass},
		Overrides: OverridePolicy{
			Labels:        map[string]string{GateTests: "t", GateDocs: "d", GateApprovals: "a", GateMaxChangedLines: "m", GateChecks: "c"},
			MinPermission: PermissionTriage,
			AllowAuthor:   true,
		},
		Mode:          ModeReport,
		RepoOverrides: RepoOverridesTightenOnly,
		Sources:       []string{"all.yml"},
	}
	if diff := cmp.Diff(want, got, configCmp); diff != "" {
		t.Errorf("Resolve(every key) mismatch (-want +got):\n%s", diff)
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		name      string
		org, repo string
		want      ConfigErrors
	}{
		{
			name: "new critical path without paths in the org file",
			org:  "version: 1\ncritical_paths:\n  - name: db\n    approvals: 2\n",
			want: ConfigErrors{{File: "org", Line: 3, Column: 5, Message: `critical_paths "db" has no paths`}},
		},
		{
			name: "new critical path without paths in the repo file",
			org:  "version: 1\ncritical_paths:\n  - {name: db, paths: [db/**]}\n",
			repo: "version: 1\ncritical_paths:\n  - name: db\n    approvals: 3\n  - name: auth\n    teams: [sec]\n",
			want: ConfigErrors{{File: "repo", Line: 5, Column: 5, Message: `critical_paths "auth" has no paths`}},
		},
		{
			name: "a label in two tiers across files points at the repo file",
			org:  "version: 1\ntiers:\n  feature: {labels: [x]}\n",
			repo: "version: 1\ntiers:\n  experiment: {labels: [x]}\n",
			want: ConfigErrors{{File: "repo", Line: 3, Column: 25, Message: `tiers.experiment.labels: label "x" already selects tier feature (tiers.feature.labels at org:3:22)`}},
		},
		{
			name: "a label taken from a default tier",
			repo: "version: 1\ntiers:\n  platform: {labels: [tier/feature]}\n",
			want: ConfigErrors{{File: "repo", Line: 3, Column: 23, Message: `tiers.platform.labels: label "tier/feature" already selects tier feature (tiers.feature.labels in the built-in defaults)`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var org, repo *File
			if tt.org != "" {
				org = mustParse(t, "org", tt.org)
			}
			if tt.repo != "" {
				repo = mustParse(t, "repo", tt.repo)
			}
			cfg, err := Resolve(org, repo)
			if cfg != nil {
				t.Errorf("Resolve returned a config along with an error")
			}
			var got ConfigErrors
			if !errors.As(err, &got) {
				t.Fatalf("Resolve = %v, want ConfigErrors", err)
			}
			for _, e := range got {
				if e.Hint == "" {
					t.Errorf("error %q has no hint", e.Error())
				}
			}
			if diff := cmp.Diff(tt.want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Hint" }, cmp.Ignore())); diff != "" {
				t.Errorf("Resolve errors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestResolveSharesNothing checks a Config does not alias its File's lists.
func TestResolveSharesNothing(t *testing.T) {
	f := mustParse(t, "org", "version: 1\ntiers:\n  feature: {labels: [a]}\n")
	c1, err1 := Resolve(f, nil)
	c2, err2 := Resolve(f, nil)
	if err1 != nil || err2 != nil {
		t.Fatalf("Resolve = %v, %v", err1, err2)
	}
	c1.Tiers[TierFeature].Labels[0] = "changed"
	if got := c2.Tiers[TierFeature].Labels[0]; got != "a" {
		t.Errorf("second Resolve sees label %q, want %q", got, "a")
	}
}
