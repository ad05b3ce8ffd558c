package rules

import (
	"fmt"
	"testing"
)

// benchConfig has 100 globs across paths and critical paths, in every shape
// Globs compiles (extension, suffix, prefix, exact, general).
func benchConfig(b *testing.B) *Config {
	cfg := exampleConfig()
	var source, tests, docs []string
	for _, ext := range []string{"go", "ts", "tsx", "js", "py", "rb", "java", "kt", "rs", "c", "h", "cc", "cpp", "cs", "swift", "scala", "php", "sql", "proto", "sh"} {
		source = append(source, "**/*."+ext)
	}
	for i, p := range []string{"**/*_test.go", "**/*.test.ts", "**/*.spec.ts", "tests/**", "**/test_*.py", "**/*_spec.rb", "**/testdata/**",
		"src/test/**", "**/*Test.java", "**/*Tests.cs", "e2e/**", "**/__tests__/**", "**/*.test.js", "**/*.spec.js", "it/**",
		"**/conftest.py", "integration/**", "**/*_test.rs", "benches/**", "fixtures/**"} {
		_ = i
		tests = append(tests, p)
	}
	docs = []string{"docs/**", "**/*.md", "**/*.rst", "**/*.adoc", "CHANGELOG", "README", "**/docs/**", "site/**", "**/*.txt", "man/**"}
	cfg.Paths = Paths{Source: mustGlobs(b, source), Tests: mustGlobs(b, tests), Docs: mustGlobs(b, docs)}
	cfg.CriticalPaths = nil
	for i := range 10 {
		cfg.CriticalPaths = append(cfg.CriticalPaths, CriticalPath{
			Name: fmt.Sprintf("area%d", i),
			Paths: mustGlobs(b, []string{
				fmt.Sprintf("area%d/**", i), fmt.Sprintf("services/area%d/*/config.yaml", i),
				fmt.Sprintf("**/area%d_*.go", i), fmt.Sprintf("lib/{area%d,core%d}/**", i, i), fmt.Sprintf("area%d.lock", i),
			}),
			MinTier: TierPlatform, Approvals: 2, Teams: []string{fmt.Sprintf("team%d", i)},
		})
	}
	return cfg
}

func mustGlobs(b *testing.B, p []string) Globs {
	g, err := CompileGlobs(p)
	if err != nil {
		b.Fatal(err)
	}
	return g
}

// benchPR is a 3,000-file change spread over many directories and kinds.
func benchPR() PullRequest {
	pr := basePR()
	exts := []string{"go", "ts", "md", "json", "py", "yaml", "png", "proto"}
	for i := range 3000 {
		p := fmt.Sprintf("services/svc%d/internal/pkg%d/file%d.%s", i%40, i%17, i, exts[i%len(exts)])
		if i%97 == 0 {
			p = fmt.Sprintf("services/svc%d/internal/file%d_test.go", i%40, i)
		}
		pr.Files = append(pr.Files, ChangedFile{Path: p, Status: FileModified, Additions: 3, Deletions: 1})
	}
	pr.Files[2999].Path = "area7/billing/ledger.go"
	pr.Labels = labels("tier/feature", "tiergate/skip-docs@carol")
	pr.Reviews = []Review{approve("alice"), approve("bob"), approve("carol")}
	pr.TeamMembers = map[string][]string{"team7": {"carol"}}
	return pr
}

// BenchmarkEvaluate is the engine's performance target: a 3,000-file change
// against 100 globs in under 5 ms and 2,000 allocations on one core.
func BenchmarkEvaluate(b *testing.B) {
	cfg := benchConfig(b)
	pr := benchPR()
	if n := len(cfg.Paths.Source.Patterns()) + len(cfg.Paths.Tests.Patterns()) + len(cfg.Paths.Docs.Patterns()) + 5*len(cfg.CriticalPaths); n != 100 {
		b.Fatalf("benchmark config has %d globs, want 100", n)
	}
	if r := Evaluate(cfg, pr); r.Tier != TierPlatform {
		b.Fatalf("benchmark PR should escalate to platform, got %s", r.Tier)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Evaluate(cfg, pr)
	}
}
