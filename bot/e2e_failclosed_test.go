package bot_test

import (
	"fmt"
	"testing"

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
		`raised from experiment to platform for critical path "payments"`,
		"critical_paths/payments")
}
