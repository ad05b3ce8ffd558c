package bot_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/internal/gittest"
)

// gitPR backs the harness's pull request with a real git repository: the
// base branch main and the pull request's branch feature. Every push or
// rebase makes the fake's pull request point at the new commits, lists its
// files from git, and registers git's diff of base...commit for the
// compare API for every commit the branch has held, as GitHub would answer.
type gitPR struct {
	t       *testing.T
	h       *harness
	r       *gittest.Repo
	base    string   // main's tip: the pull request's base.sha
	commits []string // every commit feature has pointed at
}

func newGitPR(t *testing.T, h *harness) *gitPR {
	t.Helper()
	r := gittest.New(t)
	r.Write("app/a.go", "package app\n\nfunc A() int { return 0 }\n")
	r.Write("app/a_test.go", "package app\n")
	r.Write("README.md", "# app\n")
	base := r.Commit("base")
	r.Git("checkout", "-q", "-b", "feature")
	return &gitPR{t: t, h: h, r: r, base: base}
}

// push commits files on feature and makes it the pull request's head.
func (g *gitPR) push(files map[string]string) string {
	g.t.Helper()
	for _, name := range sortedKeys(files) {
		g.r.Write(name, files[name])
	}
	head := g.r.Commit("push")
	g.update(head)
	return head
}

// rebase commits files on main, then rebases feature onto it, as "Update
// branch" with rebase does; it returns the new head.
func (g *gitPR) rebase(files map[string]string) string {
	g.t.Helper()
	g.r.Git("checkout", "-q", "main")
	for _, name := range sortedKeys(files) {
		g.r.Write(name, files[name])
	}
	g.base = g.r.Commit("main moves on")
	g.r.Git("checkout", "-q", "feature")
	g.r.Git("rebase", "-q", "main")
	head := g.r.Git("rev-parse", "HEAD")
	g.update(head)
	return head
}

func (g *gitPR) update(head string) {
	g.t.Helper()
	g.commits = append(g.commits, head)
	g.h.gh.SetBase(owner, repo, prNumber, g.base)
	g.h.gh.SetHead(owner, repo, prNumber, head)
	mb := g.r.Git("merge-base", g.base, head)
	g.h.gh.SetChangedFiles(owner, repo, prNumber, files(strings.Fields(g.r.Git("diff", "--name-only", mb, head))...))
	for _, c := range g.commits {
		g.h.gh.SetCompareDiff(owner, repo, g.base, c, g.r.Change(g.base, c))
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestE2ERebaseKeepsApproval: approve, then the base moves and the branch
// is rebased onto it without changing the pull request's change. The check
// stays green and the check run and the comment say the approval was kept;
// the two compares are made once.
func TestE2ERebaseKeepsApproval(t *testing.T) {
	h := newHarness(t, strictConfig)
	g := newGitPR(t, h)
	approved := g.push(map[string]string{"app/a.go": "package app\n\nfunc A() int { return 1 }\n", "app/a_test.go": "package app\n\n// tested\n"})
	h.gh.AddReview(owner, repo, prNumber, approval("alice", approved))
	// An override label, accepted though not needed, makes tiergate comment
	// on a passing pull request, so the comment's text can be checked too.
	h.gh.AddLabel(owner, repo, prNumber, "tiergate/skip-docs", "carol")
	h.run("opened", approved)
	h.wantCheck(approved, "success", "feature · 2 of 2 gates passing", "1 of 1 approval: `alice`")
	if n := h.count("GET", "/compare/"+g.base+"..."+approved); n != 0 {
		t.Errorf("compared %d times with the approval on the head, want 0", n)
	}

	head := g.rebase(map[string]string{"README.md": "# app\n\nNow with docs.\n"})
	h.run("synchronize", head)
	kept := fmt.Sprintf("1 of 1 approval: `alice` (kept: approved `%s`, same change as the head)", approved[:7])
	h.wantCheck(head, "success", "feature · 2 of 2 gates passing", kept)
	if c := h.comments(); len(c) != 1 || !strings.Contains(c[0].Body, kept) {
		t.Errorf("comments = %+v, want the one comment saying %q", c, kept)
	}

	h.run("synchronize", head) // again: the changes are cached by commit pair
	for _, c := range []string{approved, head} {
		if n := h.count("GET", "/compare/"+g.base+"..."+c); n != 1 {
			t.Errorf("compare %s...%s requested %d times over two evaluations, want 1", g.base[:7], c[:7], n)
		}
	}
}

// A rebase across a change to the lines around the pull request's change
// changes its context: the approval is stale and the file is named.
func TestE2ERebaseOntoNearbyChangeMakesApprovalStale(t *testing.T) {
	h := newHarness(t, strictConfig)
	g := newGitPR(t, h)
	approved := g.push(map[string]string{"app/a.go": "package app\n\nfunc A() int { return 1 }\n", "app/a_test.go": "package app\n\n// tested\n"})
	h.gh.AddReview(owner, repo, prNumber, approval("alice", approved))
	h.run("opened", approved)
	h.wantCheck(approved, "success", "feature ·")

	head := g.rebase(map[string]string{"app/a.go": "// Package app does A.\npackage app\n\nfunc A() int { return 0 }\n"})
	h.run("synchronize", head)
	h.wantCheck(head, "failure", "feature · 1 of 2 gates failing", "the change differs: `app/a.go`")
}

// An identical edit moved elsewhere in the same file, without a rebase, is
// another change: the approval of the first is stale at the second (see
// rules.TestSameChangeMovedHunk). Found by a hostile review: the check
// stayed green.
func TestE2EMovedHunkMakesApprovalStale(t *testing.T) {
	env := func(staging, production string) string {
		block := func(env, mfa string) string {
			return "[env." + env + "]\n# access\nlog_level = info\ntimeout = 30\nallow_anonymous = false\n" +
				"require_mfa = " + mfa + "\naudit = true\nretention = 30\nbackups = on\n\n"
		}
		return block("staging", staging) + block("production", production)
	}
	h := newHarness(t, strictConfig)
	g := newGitPR(t, h)
	g.r.Git("checkout", "-q", "main")
	g.r.Write("deploy/auth.toml", env("true", "true"))
	g.base = g.r.Commit("auth config")
	g.r.Git("checkout", "-q", "-B", "feature", "main")
	approved := g.push(map[string]string{"deploy/auth.toml": env("false", "true")})
	h.gh.AddReview(owner, repo, prNumber, approval("alice", approved))
	h.run("opened", approved)
	h.wantCheck(approved, "success", "feature ·")

	head := g.push(map[string]string{"deploy/auth.toml": env("true", "false")})
	h.run("synchronize", head)
	cr := h.check(head)
	if cr.Conclusion == "success" {
		t.Errorf("head %s (MFA off in production, never reviewed) is green on alice's approval of %s (MFA off in staging):\n%s", head[:7], approved[:7], cr.Summary)
	}
}
