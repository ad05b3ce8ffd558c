package main

import (
	"os"
	"testing"

	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
	"github.com/tiergate/tiergate/internal/gittest"
)

// TestMain makes git behave the same on every machine: no user or system
// config, fixed identities and dates.
func TestMain(m *testing.M) {
	for k, v := range map[string]string{
		"GIT_CONFIG_GLOBAL":   os.DevNull,
		"GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME":     "Test Author",
		"GIT_AUTHOR_EMAIL":    "author@example.com",
		"GIT_AUTHOR_DATE":     "2024-01-01T00:00:00Z",
		"GIT_COMMITTER_NAME":  "Test Committer",
		"GIT_COMMITTER_EMAIL": "committer@example.com",
		"GIT_COMMITTER_DATE":  "2024-01-01T00:00:00Z",
	} {
		os.Setenv(k, v)
	}
	// pgtest.Main runs the tests, then stops the throwaway PostgreSQL
	// cluster the migrate tests start, and exits.
	pgtest.Main(m)
}

// testRepo is a throwaway git repository, with the lower-case helpers the
// CLI tests were written against; gittest does the work.
type testRepo struct {
	*gittest.Repo
	t   testing.TB
	dir string
}

// newRepo creates an empty repository on branch main.
func newRepo(t testing.TB) *testRepo {
	t.Helper()
	return repoAt(t, gittest.New(t).Dir)
}

// repoAt is the repository (or empty directory) at dir.
func repoAt(t testing.TB, dir string) *testRepo {
	return &testRepo{Repo: gittest.At(t, dir), t: t, dir: dir}
}

// git runs git in the repository and returns its trimmed stdout.
func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	return r.Git(args...)
}

// gitIn runs git in dir and returns its trimmed stdout.
func gitIn(t testing.TB, dir string, args ...string) string {
	t.Helper()
	return gittest.At(t, dir).Git(args...)
}

// write creates or replaces files: name, content, name, content...
func (r *testRepo) write(nameContent ...string) {
	r.t.Helper()
	for i := 0; i+1 < len(nameContent); i += 2 {
		r.Write(nameContent[i], nameContent[i+1])
	}
}

// commit stages everything and commits; it returns the new commit's hash.
func (r *testRepo) commit(msg string) string {
	r.t.Helper()
	return r.Commit(msg)
}
