package rules

import (
	"testing"

	"github.com/tiergate/tiergate/internal/gittest"
)

// envConfig is a config file with two environments whose settings read
// alike: every 7-line window around require_mfa is the same in both.
func envConfig(stagingMFA, productionMFA string) string {
	block := func(env, mfa string) string {
		return "[env." + env + "]\n# access\nlog_level = info\ntimeout = 30\nallow_anonymous = false\n" +
			"require_mfa = " + mfa + "\naudit = true\nretention = 30\nbackups = on\n\n"
	}
	return block("staging", stagingMFA) + block("production", productionMFA)
}

// The same added and removed lines with the same context, moved to another
// place in the file, are another change: the base did not move, so both
// diffs show the same pre-image blob, and the hunk's place counts. The
// author simply pushes a commit that turns MFA back on in staging and off
// in production. README: "a new line, a moved line ... makes it stale".
// (Found by a hostile review: the hunk's place was dropped with its header.)
func TestSameChangeMovedHunk(t *testing.T) {
	r := gittest.New(t)
	r.Write("deploy/auth.toml", envConfig("true", "true"))
	r.Commit("base")
	r.Git("checkout", "-q", "-b", "feature")
	r.Write("deploy/auth.toml", envConfig("false", "true")) // reviewed: staging only
	approvedSHA := r.Commit("staging: no MFA")
	r.Write("deploy/auth.toml", envConfig("true", "false")) // pushed after approval: production
	headSHA := r.Commit("production: no MFA")

	approved, head := r.Change("main", approvedSHA), r.Change("main", headSHA)
	c := ComparePatches(mustParsePatch(t, approved), mustParsePatch(t, head))
	if c.Outcome == ChangeSame {
		t.Errorf("ComparePatches = same: an approval of turning MFA off in staging is kept for turning it off in production\n--- approved\n%s--- head\n%s", approved, head)
	}

	// Through the engine: fresh_only + keep_on_same_diff, 1 approval needed.
	cfg := Default()
	cfg.Approvals.FreshOnly, cfg.Approvals.KeepOnSameDiff = true, true
	pr := PullRequest{
		Author: "mallory", HeadSHA: headSHA,
		Files:       []ChangedFile{{Path: "deploy/auth.toml", Status: FileModified, Additions: 1, Deletions: 1}},
		Reviews:     []Review{{User: "alice", State: ReviewApproved, CommitID: approvedSHA}},
		Permissions: map[string]Permission{"alice": PermissionWrite},
		Patches:     map[string]Patch{approvedSHA: mustParsePatch(t, approved), headSHA: mustParsePatch(t, head)},
	}
	res := Evaluate(cfg, pr)
	for _, g := range res.Gates {
		if g.Name == GateApprovals && g.Status == StatusPass {
			t.Errorf("approvals gate passes at the head on an approval of a different change: %s", g.Reason.String())
		}
	}
}
