// Package gittest builds throwaway git repositories for tests with the git
// binary, and prints a pull request's change at a commit as git and
// GitHub's compare API print it, so that tests of the change comparison run
// against real diffs rather than hand-written ones.
package gittest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// env makes git behave the same on every machine: no user or system
// config, fixed identities and dates (so redoing the same commit gives the
// same hash).
var env = []string{
	"GIT_CONFIG_GLOBAL=" + os.DevNull,
	"GIT_CONFIG_NOSYSTEM=1",
	"GIT_AUTHOR_NAME=Test Author",
	"GIT_AUTHOR_EMAIL=author@example.com",
	"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z",
	"GIT_COMMITTER_NAME=Test Committer",
	"GIT_COMMITTER_EMAIL=committer@example.com",
	"GIT_COMMITTER_DATE=2024-01-01T00:00:00Z",
	"LC_ALL=C",
}

// Repo is a throwaway repository in a test's temporary directory.
type Repo struct {
	t   testing.TB
	Dir string
}

// New creates an empty repository on branch main.
func New(t testing.TB) *Repo {
	t.Helper()
	r := &Repo{t: t, Dir: t.TempDir()}
	r.Git("-c", "init.defaultBranch=main", "init", "-q")
	return r
}

// At is the repository (or the directory to clone or init into) at dir.
func At(t testing.TB, dir string) *Repo {
	return &Repo{t: t, Dir: dir}
}

// Git runs git in the repository and returns its stdout with surrounding
// space trimmed; it fails the test when git fails.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	out, err := r.Run(nil, args...)
	if err != nil {
		r.t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// Run runs git with stdin (may be nil) and returns its stdout as it is; the
// error carries git's stderr.
func (r *Repo) Run(stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command("git", append([]string{"-C", r.Dir}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, &gitError{err: err, stderr: stderr.String()}
	}
	return stdout.Bytes(), nil
}

type gitError struct {
	err    error
	stderr string
}

func (e *gitError) Error() string { return e.err.Error() + ": " + strings.TrimSpace(e.stderr) }
func (e *gitError) Unwrap() error { return e.err }

// Write creates or replaces a file in the working tree.
func (r *Repo) Write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// Commit stages everything and commits; it returns the new commit's hash.
func (r *Repo) Commit(msg string) string {
	r.t.Helper()
	r.Git("add", "-A")
	r.Git("commit", "-q", "--allow-empty", "-m", msg)
	return r.Git("rev-parse", "HEAD")
}

// Change is the pull request's change at commit when it targets base: the
// diff from their merge base to commit, as GitHub's compare API prints
// base...commit. The flags override any config that would change git's
// output (external diff drivers, textconv, prefixes, context, renames).
func (r *Repo) Change(base, commit string) []byte {
	r.t.Helper()
	mb := r.Git("merge-base", base, commit)
	out, err := r.Run(nil, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--ignore-submodules=none",
		"--no-relative", "--src-prefix=a/", "--dst-prefix=b/", "-U3", "-M", mb, commit, "--")
	if err != nil {
		r.t.Fatalf("git diff %s %s: %v", mb, commit, err)
	}
	return out
}
