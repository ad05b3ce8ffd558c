package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/rules"
)

// TestCheckConfigFromBase checks that a change cannot loosen the rules it is
// judged by: the head commit's config is ignored unless asked for.
func TestCheckConfigFromBase(t *testing.T) {
	t.Parallel()
	r := newCheckRepo(t, testdata(t, "tiergate.yml"))
	r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n", repoConfigPath, testdata(t, "loose.yml"))
	r.commit("loosen the config and skip the test")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantTest string
	}{
		{name: "base config by default", wantCode: 1, wantTest: "fail"},
		{name: "worktree config when asked", args: []string{"--config-from-worktree"}, wantTest: "not_required"},
		{name: "explicit config file", args: []string{"--config", filepath.Join("testdata", "loose.yml")}, wantTest: "not_required"},
		{name: "explicit strict config", args: []string{"--config", filepath.Join("testdata", "tiergate.yml")}, wantCode: 1, wantTest: "fail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"check", "--repo", r.dir, "--format", "json"}, tt.args...)
			got := tiergate(t, args...)
			if got.code != tt.wantCode {
				t.Fatalf("tiergate %v exit = %d, want %d\nstderr: %s", args, got.code, tt.wantCode, got.stderr)
			}
			if s := parseVerdict(t, got.stdout).statuses()["tests"]; s != tt.wantTest {
				t.Errorf("tiergate %v tests gate = %q, want %q", args, s, tt.wantTest)
			}
		})
	}
}

// TestCheckConfigFromWorktreeSubdir reads the working tree's config from the
// top of the repository even when --repo names a subdirectory.
func TestCheckConfigFromWorktreeSubdir(t *testing.T) {
	t.Parallel()
	r := newCheckRepo(t, testdata(t, "tiergate.yml"))
	r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n")
	r.commit("change")
	r.write(repoConfigPath, testdata(t, "loose.yml")) // uncommitted edit

	got := tiergate(t, "check", "--repo", filepath.Join(r.dir, "svc"), "--format", "json", "--config-from-worktree")
	if got.code != 0 {
		t.Fatalf("check exit = %d, want 0\nstdout: %s\nstderr: %s", got.code, got.stdout, got.stderr)
	}
}

func TestCheckBrokenConfig(t *testing.T) {
	tests := []struct {
		name       string
		format     string
		wantStdout bool // a failing verdict on stdout
	}{
		{name: "text", format: "text"},
		{name: "json", format: "json", wantStdout: true},
		{name: "markdown", format: "markdown", wantStdout: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCheckRepo(t, testdata(t, "broken.yml"))
			// The head fixes the config; the base's is still the one used.
			r.write(repoConfigPath, testdata(t, "tiergate.yml"), "docs/index.md", "# Docs\n\nMore.\n")
			r.commit("fix the config")

			got := tiergate(t, "check", "--repo", r.dir, "--format", tt.format)
			if got.code != 2 {
				t.Fatalf("check --format %s exit = %d, want 2\nstdout: %s\nstderr: %s", tt.format, got.code, got.stdout, got.stderr)
			}
			located := regexp.MustCompile(`(?m)^\.github/tiergate\.yml:\d+:\d+: .+ \(.+\)$`)
			if n := len(located.FindAllString(got.stderr, -1)); n != 2 {
				t.Errorf("check --format %s stderr has %d located errors, want 2:\n%s", tt.format, n, got.stderr)
			}
			if !strings.Contains(got.stderr, "--config-from-worktree") {
				t.Errorf("check --format %s stderr = %q, want a hint that the config came from the base", tt.format, got.stderr)
			}
			switch {
			case !tt.wantStdout && got.stdout != "":
				t.Errorf("check --format %s stdout = %q, want nothing", tt.format, got.stdout)
			case tt.wantStdout && !strings.Contains(got.stdout, "galactic"):
				t.Errorf("check --format %s stdout = %q, want a failing verdict naming the error", tt.format, got.stdout)
			}
			if tt.format == "json" {
				v := parseVerdict(t, got.stdout)
				if v.Conclusion != "failure" || v.statuses()[rules.GateConfig] != "fail" {
					t.Errorf("check --format json = conclusion %q, gates %v, want failure with a failing config gate", v.Conclusion, v.statuses())
				}
			}
		})
	}
}

// TestCheckDefaultConfig uses the built-in defaults when the base has no
// config file.
func TestCheckDefaultConfig(t *testing.T) {
	t.Parallel()
	r := newCheckRepo(t, "")
	r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n")
	r.commit("change")

	got := tiergate(t, "check", "--repo", r.dir, "--format", "json")
	v := parseVerdict(t, got.stdout)
	if want := rules.Default().DefaultTier.String(); v.Tier != want {
		t.Errorf("check tier = %q, want the default tier %q", v.Tier, want)
	}
	// The defaults treat *.go as source needing tests in the default tier.
	if s := v.statuses()["tests"]; s != "fail" || got.code != 1 {
		t.Errorf("check = tests %q, exit %d, want fail, 1", s, got.code)
	}
}

// TestCheckOrgConfig layers an org file under the repo's.
func TestCheckOrgConfig(t *testing.T) {
	t.Parallel()
	r := newCheckRepo(t, "")
	r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n")
	r.commit("change")
	org := filepath.Join(t.TempDir(), "org.yml")
	if err := os.WriteFile(org, []byte(testdata(t, "loose.yml")), 0o644); err != nil {
		t.Fatal(err)
	}

	got := tiergate(t, "check", "--repo", r.dir, "--format", "json", "--org-config", org)
	if s := parseVerdict(t, got.stdout).statuses()["tests"]; s != "not_required" || got.code != 0 {
		t.Errorf("check --org-config = tests %q, exit %d, want not_required, 0\nstderr: %s", s, got.code, got.stderr)
	}
}
