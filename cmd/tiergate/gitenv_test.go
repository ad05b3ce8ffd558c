package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCheckIgnoresGitEnvironment runs check on repository B with GIT_*
// variables set as a git hook or another tool would leave them, pointing
// at repository A or rewriting B's history; each must give B's own verdict.
// Not parallel: t.Setenv changes the whole process's environment.
func TestCheckIgnoresGitEnvironment(t *testing.T) {
	// A: a docs-only change, which passes; a loose config in its
	// working tree.
	a := newCheckRepo(t, testdata(t, "tiergate.yml"))
	a.write("docs/index.md", "# Docs\n\nMore.\n")
	a.commit("docs")
	a.write(repoConfigPath, testdata(t, "loose.yml"))
	// B: a source change without a test, which fails.
	b := newCheckRepo(t, testdata(t, "tiergate.yml"))
	b.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n")
	bHead := b.commit("change without a test")
	parentless := filepath.Join(t.TempDir(), "graft")
	if err := os.WriteFile(parentless, []byte(bHead+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{name: "GIT_DIR", env: map[string]string{"GIT_DIR": filepath.Join(a.dir, ".git")}},
		{name: "GIT_DIR and GIT_WORK_TREE", env: map[string]string{"GIT_DIR": filepath.Join(a.dir, ".git"), "GIT_WORK_TREE": a.dir}},
		{name: "GIT_WORK_TREE", env: map[string]string{"GIT_WORK_TREE": a.dir}, args: []string{"--config-from-worktree"}},
		{name: "GIT_COMMON_DIR", env: map[string]string{"GIT_COMMON_DIR": filepath.Join(a.dir, ".git")}},
		{name: "GIT_OBJECT_DIRECTORY", env: map[string]string{"GIT_OBJECT_DIRECTORY": filepath.Join(a.dir, ".git", "objects")}},
		{name: "GIT_CEILING_DIRECTORIES", env: map[string]string{"GIT_CEILING_DIRECTORIES": b.dir}, args: []string{"--repo", filepath.Join(b.dir, "svc")}},
		{name: "GIT_CONFIG_PARAMETERS", env: map[string]string{"GIT_CONFIG_PARAMETERS": "bogus"}},
		{name: "GIT_CONFIG_COUNT", env: map[string]string{"GIT_CONFIG_COUNT": "1"}},
		{name: "GIT_GRAFT_FILE", env: map[string]string{"GIT_GRAFT_FILE": parentless}},
		{name: "GIT_SHALLOW_FILE", env: map[string]string{"GIT_SHALLOW_FILE": parentless}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"check", "--repo", b.dir, "--base", "main", "--format", "json"}, tt.args...)
			want := tiergate(t, args...)
			if want.code != 1 {
				t.Fatalf("tiergate %v without GIT_* = exit %d, want 1 (B fails)\nstderr: %s", args, want.code, want.stderr)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got := tiergate(t, args...)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(outcome{})); diff != "" {
				t.Errorf("tiergate %v with %v mismatch (-without +with):\n%s", args, tt.env, diff)
			}
		})
	}
}

func TestGitEnv(t *testing.T) {
	environ := []string{
		"HOME=/home/u", "PATH=/usr/bin", "XDG_CONFIG_HOME=/home/u/.config", "LANG=de_DE.UTF-8", "LC_ALL=de_DE.UTF-8",
		"GIT_DIR=/a/.git", "GIT_WORK_TREE=/a", "GIT_INDEX_FILE=/a/.git/index", "GIT_OBJECT_DIRECTORY=/a/.git/objects",
		"GIT_ALTERNATE_OBJECT_DIRECTORIES=/b/objects", "GIT_COMMON_DIR=/a/.git", "GIT_NAMESPACE=x",
		"GIT_CEILING_DIRECTORIES=/", "GIT_DISCOVERY_ACROSS_FILESYSTEM=1",
		"GIT_CONFIG_PARAMETERS='diff.renames'='false'", "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=diff.renames", "GIT_CONFIG_VALUE_0=false",
		"GIT_CONFIG=/a/config", "GIT_EXTERNAL_DIFF=false", "GIT_DIFF_OPTS=-u0",
		"GIT_NOGLOB_PATHSPECS=1", "GIT_GLOB_PATHSPECS=1", "GIT_LITERAL_PATHSPECS=1", "GIT_ICASE_PATHSPECS=1",
		"GIT_REPLACE_REF_BASE=refs/heads/", "GIT_NO_REPLACE_OBJECTS=0", "GIT_GRAFT_FILE=/a/grafts", "GIT_SHALLOW_FILE=/a/shallow",
		"GIT_QUARANTINE_PATH=/a/q", "GIT_PREFIX=sub/", "GIT_PRINT_SHA1_ELLIPSIS=yes", "GIT_ATTR_NOSYSTEM=0",
		"GIT_OPTIONAL_LOCKS=1", "GIT_TRACE=1", "git_dir=/lower/case",
		"GIT_CONFIG_GLOBAL=/home/u/ci.gitconfig", "GIT_CONFIG_SYSTEM=/etc/ci.gitconfig", "GIT_CONFIG_NOSYSTEM=1", "GIT_EXEC_PATH=/opt/git/libexec",
	}
	want := []string{
		"HOME=/home/u", "PATH=/usr/bin", "XDG_CONFIG_HOME=/home/u/.config", "LANG=de_DE.UTF-8", "LC_ALL=de_DE.UTF-8",
		"GIT_CONFIG_GLOBAL=/home/u/ci.gitconfig", "GIT_CONFIG_SYSTEM=/etc/ci.gitconfig", "GIT_CONFIG_NOSYSTEM=1", "GIT_EXEC_PATH=/opt/git/libexec",
		"GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0", "GIT_ATTR_NOSYSTEM=1", "GIT_GRAFT_FILE=" + os.DevNull, "LC_ALL=C",
	}
	if diff := cmp.Diff(want, gitEnv(environ)); diff != "" {
		t.Errorf("gitEnv() mismatch (-want +got):\n%s", diff)
	}
}
