package bot_test

import (
	"fmt"
	"testing"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/bot/githubtest"
)

// TestE2EPaddedPullRequestTouchesEveryCriticalPath: 3,500 files, the
// critical one (payments/charge.go) being file 3,401, past the 3,000 GitHub
// lists, labelled tier/experiment by its author. The unlisted file could
// touch any critical path, so payments' min_tier applies.
func TestE2EPaddedPullRequestTouchesEveryCriticalPath(t *testing.T) {
	h := newHarness(t, strictConfig)
	padded := make([]githubtest.File, 3500)
	for i := range padded {
		padded[i] = githubtest.File{Filename: fmt.Sprintf("gen/f%04d.json", i), Status: "modified", Additions: 1}
	}
	padded[3400] = githubtest.File{Filename: "payments/charge.go", Status: "modified", Additions: 1}
	h.gh.SetChangedFiles(owner, repo, prNumber, padded)
	h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", author)
	h.run("opened", headSHA)
	h.wantCheck(headSHA, "failure", "platform · ",
		"GitHub listed only 3,000 of 3,500 files, so every critical path is treated as touched",
		"raised from experiment to platform for critical path `payments`",
		"critical_paths/payments")
}

// orgFloorConfig is an org file that keeps two approvals for feature and
// lets repositories only tighten.
const orgFloorConfig = `version: 1
repo_overrides: tighten_only
tiers:
  feature:
    require: {approvals: 2}
`

// TestE2EUnreadableOrgConfig: the org config repository holds a floor, but
// the installation cannot see it (selected repositories), so GitHub answers
// 404; a repository lowers approvals to 0. The floor cannot be applied, and
// the check says so: a warning by default, a failure with
// TIERGATE_REQUIRE_ORG_CONFIG.
func TestE2EUnreadableOrgConfig(t *testing.T) {
	const lowered = "version: 1\ntiers:\n  feature:\n    require: {approvals: 0}\n"
	const warning = "the org config Codertocat/.github:.github/tiergate.yml could not be found"
	tests := []struct {
		name       string
		visible    bool // the installation can see the org config repository
		require    bool
		conclusion string
		title      string
		summaryHas []string
	}{
		{name: "readable: the floor holds", visible: true, conclusion: "failure", title: "feature · 1 of 2 gates failing",
			summaryHas: []string{"0 of 2 approvals", "ignored, the org requires at least 2"}},
		{name: "unreadable: warned", conclusion: "success", title: "feature · ",
			summaryHas: []string{warning, "cannot see Codertocat/.github"}},
		{name: "unreadable and required: failure naming the reason", require: true, conclusion: "failure", title: "configuration error",
			summaryHas: []string{warning + ", and this server requires it (TIERGATE_REQUIRE_ORG_CONFIG)", "cannot see Codertocat/.github"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, lowered, func(s *bot.Settings) { s.RequireOrgConfig = tc.require })
			h.gh.SetFile(owner, ".github", "main", cfgPath, []byte(orgFloorConfig))
			if !tc.visible {
				h.gh.AddInstallation(installID, owner, repo) // selected repositories: not .github
			}
			h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go", "app/a_test.go"))
			h.run("opened", headSHA)
			h.wantCheck(headSHA, tc.conclusion, tc.title, tc.summaryHas...)
		})
	}
}

// TestE2EDemotedMaintainerOverrideIgnored: a maintainer applies
// tiergate/skip-tests; their permission is lowered to read; the next push is
// evaluated with the permission GitHub reports now, not a cached one.
func TestE2EDemotedMaintainerOverrideIgnored(t *testing.T) {
	const newHead = "1111111111111111111111111111111111111111"
	h := newHarness(t, strictConfig)
	h.gh.SetPermission(owner, repo, "maggie", "maintain")
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	h.gh.AddReview(owner, repo, prNumber, approval("alice", headSHA))
	h.gh.AddLabel(owner, repo, prNumber, "tiergate/skip-tests", "maggie")
	h.run("labeled", headSHA)
	h.wantCheck(headSHA, "success", "feature · ", "accepted: applied by `maggie`")

	h.gh.SetPermission(owner, repo, "maggie", "read")
	h.gh.SetHead(owner, repo, prNumber, newHead)
	h.gh.AddReview(owner, repo, prNumber, approval("alice", newHead))
	h.run("synchronize", newHead)
	h.wantCheck(newHead, "failure", "feature · 1 of 2 gates failing",
		"ignored: `maggie` has read permission; overrides need maintain")
}

// TestE2EBotOverride: a bot's override label counts only when the bot is
// listed in overrides.allow_bots, whatever permission GitHub reports for it.
func TestE2EBotOverride(t *testing.T) {
	for _, tc := range []struct {
		name, config, conclusion, summaryHas string
	}{
		{"not listed", strictConfig, "failure", "a bot account not listed in overrides.allow\\_bots"},
		{"listed", strictConfig + "overrides:\n  allow_bots: [\"release-bot[bot]\"]\n", "success", "a bot listed in overrides.allow\\_bots"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.config)
			h.gh.SetPermission(owner, repo, "release-bot[bot]", "admin")
			h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
			h.gh.AddReview(owner, repo, prNumber, approval("alice", headSHA))
			h.gh.AddLabel(owner, repo, prNumber, "tiergate/skip-tests", "release-bot[bot]")
			h.run("labeled", headSHA)
			h.wantCheck(headSHA, tc.conclusion, "feature · ", tc.summaryHas)
		})
	}
}
