package deploy

import (
	"testing"

	"github.com/tiergate/tiergate/rules"
)

// TestExampleOrgConfig checks the example the README points org admins to:
// it must parse, resolve, and mean what its comments say.
func TestExampleOrgConfig(t *testing.T) {
	const name = "examples/org-config/.github/tiergate.yml"
	f, err := rules.Parse(name, read(t, name))
	if err != nil {
		t.Fatalf("rules.Parse(%s) = %v", name, err)
	}
	cfg, err := rules.Resolve(f, nil)
	if err != nil {
		t.Fatalf("rules.Resolve(%s, nil) = %v", name, err)
	}
	if len(cfg.Warnings) > 0 {
		t.Errorf("Resolve warnings = %q, want none", cfg.Warnings)
	}
	if cfg.RepoOverrides != rules.RepoOverridesTightenOnly {
		t.Errorf("RepoOverrides = %v, want tighten_only", cfg.RepoOverrides)
	}
	if cfg.Mode != rules.ModeEnforce {
		t.Errorf("Mode = %v, want enforce", cfg.Mode)
	}
	if len(cfg.CriticalPaths) != 1 {
		t.Fatalf("CriticalPaths = %d entries, want 1", len(cfg.CriticalPaths))
	}
	cp := cfg.CriticalPaths[0]
	if cp.MinTier != rules.TierPlatform || len(cp.Teams) == 0 || cp.Approvals < 1 {
		t.Errorf("critical path %s: min tier %v, teams %v, approvals %d; want platform, a team, approvals", cp.Name, cp.MinTier, cp.Teams, cp.Approvals)
	}
	for _, p := range []string{"deploy/kubernetes/base/deployment.yaml", ".github/workflows/ci.yml", "cmd/x/Dockerfile"} {
		if !cp.Paths.Match(p) {
			t.Errorf("critical path %s does not match %s", cp.Name, p)
		}
	}

	// A repo file that loosens the org must be ignored with a warning.
	repo, err := rules.Parse("repo/.github/tiergate.yml", []byte("version: 1\ntiers:\n  platform:\n    require: {approvals: 1}\n"))
	if err != nil {
		t.Fatalf("rules.Parse(repo) = %v", err)
	}
	merged, err := rules.Resolve(f, repo)
	if err != nil {
		t.Fatalf("rules.Resolve(org, repo) = %v", err)
	}
	if got := merged.Tiers[rules.TierPlatform].Approvals; got != 2 {
		t.Errorf("platform approvals after a loosening repo file = %d, want the org's 2 (tighten_only)", got)
	}
	if len(merged.Warnings) == 0 {
		t.Error("a loosening repo file under tighten_only gave no warning")
	}
}
