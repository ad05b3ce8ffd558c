package bot_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot"
)

func TestE2ETiers(t *testing.T) {
	tests := []struct {
		name        string
		labels      []string
		files       []string
		approvers   []string
		conclusion  string
		title       string
		summaryHas  []string
		wantComment bool
	}{
		{
			name: "feature by default: source without tests fails", files: []string{"app/a.go"}, approvers: []string{"alice"},
			conclusion: "failure", title: "feature · 1 of 2 gates failing", summaryHas: []string{"app/a.go", "no test file"}, wantComment: true,
		},
		{
			name: "feature passes with a test and one approval", files: []string{"app/a.go", "app/a_test.go"}, approvers: []string{"alice"},
			conclusion: "success", title: "feature · 2 of 2 gates passing",
		},
		{
			name: "experiment needs nothing", labels: []string{"tier/experiment"}, files: []string{"app/a.go"},
			conclusion: "success", title: "experiment · no gates required",
		},
		{
			name: "platform needs docs and two approvals", labels: []string{"tier/platform"}, files: []string{"app/a.go", "app/a_test.go"},
			approvers: []string{"alice"}, conclusion: "failure", title: "platform · 2 of 4 gates failing",
			summaryHas: []string{"1 of 2 approvals"}, wantComment: true,
		},
		{
			name: "platform passes when everything is there", labels: []string{"tier/platform"},
			files: []string{"app/a.go", "app/a_test.go", "docs/a.md"}, approvers: []string{"alice", "bob"},
			conclusion: "success", title: "platform · 4 of 4 gates passing",
		},
		{
			name:   "critical path raises experiment to platform and needs the owning team",
			labels: []string{"tier/experiment"}, files: []string{"payments/charge.go", "payments/charge_test.go", "docs/pay.md"},
			approvers: []string{"alice", "bob"}, conclusion: "failure", title: "platform · 1 of 5 gates failing",
			summaryHas: []string{"critical_paths/payments", "payments-owners", `raised from experiment to platform`}, wantComment: true,
		},
		{
			name:      "critical path passes with an owner's approval",
			files:     []string{"payments/charge.go", "payments/charge_test.go", "docs/pay.md"},
			approvers: []string{"alice", "carol"}, conclusion: "success", title: "platform · 5 of 5 gates passing",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, strictConfig)
			h.gh.SetChangedFiles(owner, repo, prNumber, files(tc.files...))
			for _, l := range tc.labels {
				h.gh.AddLabel(owner, repo, prNumber, l, "alice")
			}
			for _, a := range tc.approvers {
				h.gh.AddReview(owner, repo, prNumber, approval(a, headSHA))
			}
			h.run("opened", headSHA)
			h.wantCheck(headSHA, tc.conclusion, tc.title, tc.summaryHas...)
			if got := len(h.comments()); (got == 1) != tc.wantComment || got > 1 {
				t.Errorf("%d tiergate comments, want %v (one on failure, none on a clean pass)", got, tc.wantComment)
			}
		})
	}
}

func TestE2ELabelAddedThenRemoved(t *testing.T) {
	h := newHarness(t, strictConfig)
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	h.run("opened", headSHA)
	first := h.wantCheck(headSHA, "failure", "feature ·")

	h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", "alice")
	h.run("labeled", headSHA)
	if cr := h.wantCheck(headSHA, "success", "experiment ·"); cr.ID != first.ID {
		t.Errorf("labeling created check run %d, want the existing %d updated", cr.ID, first.ID)
	}
	if c := h.comments(); len(c) != 1 || !strings.Contains(c[0].Body, "experiment") {
		t.Errorf("comments after label = %+v, want the one comment updated to the passing verdict", c)
	}

	h.gh.RemoveLabel(owner, repo, prNumber, "tier/experiment", "alice")
	h.run("unlabeled", headSHA)
	h.wantCheck(headSHA, "failure", "feature ·")
	if c := h.comments(); len(c) != 1 {
		t.Errorf("%d comments after unlabel, want 1 updated in place", len(c))
	}
}

func TestE2EOverrides(t *testing.T) {
	tests := []struct {
		name       string
		by         string
		conclusion string
		summaryHas string
	}{
		{"maintainer accepted", "carol", "success", "accepted: applied by `carol`"},
		{"triager ignored", "tina", "failure", "ignored: `tina` has triage permission; overrides need maintain"},
		{"author ignored", author, "failure", "the PR author, who cannot override their own PR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, strictConfig)
			h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
			h.gh.AddReview(owner, repo, prNumber, approval("alice", headSHA))
			h.gh.AddLabel(owner, repo, prNumber, "tiergate/skip-tests", tc.by)
			h.run("labeled", headSHA)
			h.wantCheck(headSHA, tc.conclusion, "feature ·", tc.summaryHas)
			// Every override, accepted or not, is shown on the PR.
			if c := h.comments(); len(c) != 1 || !strings.Contains(c[0].Body, "tiergate/skip-tests") {
				t.Errorf("comments = %+v, want one naming the override label", c)
			}
		})
	}
}

// TestE2EPushMakesApprovalStale: approve, push a change; the check turns
// red and names the file that changed since the approval. The diffs are
// git's, served by the fake's compare API.
func TestE2EPushMakesApprovalStale(t *testing.T) {
	h := newHarness(t, strictConfig)
	g := newGitPR(t, h)
	approved := g.push(map[string]string{"app/a.go": "package app\n\nfunc A() int { return 1 }\n", "app/a_test.go": "package app\n\n// tested\n"})
	h.gh.AddReview(owner, repo, prNumber, approval("alice", approved))
	h.run("opened", approved)
	h.wantCheck(approved, "success", "feature · 2 of 2 gates passing", "1 of 1 approval: `alice`")

	head := g.push(map[string]string{"app/a.go": "package app\n\nfunc A() int { return 2 }\n"})
	h.run("synchronize", head)
	h.wantCheck(head, "failure", "feature · 1 of 2 gates failing",
		fmt.Sprintf("`alice` (approved `%s`, not the head `%s`; the change differs: `app/a.go`)", approved[:7], head[:7]))
}

func TestE2EConfig(t *testing.T) {
	t.Run("broken config on the base branch fails closed naming the line", func(t *testing.T) {
		h := newHarness(t, "version: 1\ntiers:\n  platfrom:\n    labels: [x]\n")
		h.gh.SetChangedFiles(owner, repo, prNumber, files("README.md"))
		h.run("opened", headSHA)
		h.wantCheck(headSHA, "failure", "configuration error", ".github/tiergate.yml:3:3")
	})
	t.Run("a PR loosening the config on its head is ignored", func(t *testing.T) {
		h := newHarness(t, strictConfig)
		h.gh.SetFile(owner, repo, headRef, cfgPath, []byte("version: 1\ntiers:\n  feature:\n    require: {tests: false, approvals: 0}\n"))
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go", cfgPath))
		h.run("synchronize", headSHA)
		h.wantCheck(headSHA, "failure", "feature · 2 of 2 gates failing")
	})
	t.Run("org config applies and the repo refines it", func(t *testing.T) {
		h := newHarness(t, "version: 1\ntiers:\n  feature:\n    require: {approvals: 0}\n")
		h.gh.SetFile(owner, ".github", "main", cfgPath, []byte("version: 1\ndefault_tier: experiment\ntiers:\n  feature:\n    require: {tests: false}\n"))
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
		h.gh.AddLabel(owner, repo, prNumber, "tier/feature", "alice")
		h.run("opened", headSHA)
		h.wantCheck(headSHA, "success", "feature · no gates required")
	})
}

func TestE2EBurstIsCoalesced(t *testing.T) {
	// The production debounce: GitHub's burst for one change lands within it.
	h := newHarness(t, strictConfig, func(s *bot.Settings) { s.Debounce = bot.DefaultDebounce })
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	body := prEvent(t, "synchronize", headSHA)
	for i := range 20 {
		if code := h.deliver("pull_request", body); code != http.StatusAccepted {
			t.Fatalf("delivery %d answered %d, want 202", i, code)
		}
	}
	h.settle()
	if n := h.count("GET", "/pulls/2/files"); n < 1 || n > 2 {
		t.Errorf("20 events for one PR caused %d evaluations, want 1 or 2", n)
	}
	h.wantCheck(headSHA, "failure", "feature ·")
	if c := h.comments(); len(c) != 1 {
		t.Errorf("%d comments after a burst, want exactly 1", len(c))
	}
}

func TestE2ERedeliveryProcessedOnce(t *testing.T) {
	h := newHarness(t, strictConfig)
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	body := prEvent(t, "opened", headSHA)
	if code := h.deliverID("pull_request", "same-id", body); code != http.StatusAccepted {
		t.Fatalf("first delivery answered %d, want 202", code)
	}
	h.settle()
	if code := h.deliverID("pull_request", "same-id", body); code < 200 || code > 299 || code == http.StatusAccepted {
		t.Errorf("redelivery answered %d, want a 2xx that is not 202 (duplicate)", code)
	}
	h.settle()
	if n := h.count("GET", "/pulls/2/files"); n != 1 {
		t.Errorf("redelivered event evaluated %d times, want 1", n)
	}
}

func TestE2EGitHubErrors(t *testing.T) {
	t.Run("502 then 200", func(t *testing.T) {
		h := newHarness(t, strictConfig)
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go", "app/a_test.go"))
		h.gh.AddReview(owner, repo, prNumber, approval("alice", headSHA))
		h.gh.FailNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", 1, http.StatusBadGateway)
		h.run("opened", headSHA)
		h.wantCheck(headSHA, "success", "feature · 2 of 2 gates passing")
	})
	t.Run("secondary rate limit with Retry-After", func(t *testing.T) {
		h := newHarness(t, strictConfig)
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
		h.gh.RateLimitNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", time.Second)
		start := time.Now()
		h.run("opened", headSHA)
		h.wantCheck(headSHA, "failure", "feature · 2 of 2 gates failing")
		if waited := time.Since(start); waited < time.Second {
			t.Errorf("evaluation finished after %v, want the 1s Retry-After waited out", waited)
		}
	})
	t.Run("persistent 5xx never yields a green check", func(t *testing.T) {
		h := newHarness(t, strictConfig)
		h.gh.SetChangedFiles(owner, repo, prNumber, files("README.md"))
		h.gh.AddReview(owner, repo, prNumber, approval("alice", headSHA))
		h.gh.FailNext("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", 1000, http.StatusInternalServerError)
		if code := h.deliver("pull_request", prEvent(t, "opened", headSHA)); code != http.StatusAccepted {
			t.Fatalf("answered %d, want 202", code)
		}
		// The queue retries with backoff; the check must not be green at
		// any point meanwhile.
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) {
			for _, cr := range h.gh.CheckRuns(owner, repo) {
				if cr.Conclusion == "success" {
					t.Fatalf("check run went green while GitHub was failing: %+v", cr)
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

func TestE2ERecheckComment(t *testing.T) {
	comment := func(t *testing.T, user string) []byte {
		return payload(t, "issue_comment", "created.with-installation.payload.json", func(m map[string]any) {
			issue := obj(m, "issue")
			issue["number"] = prNumber
			issue["pull_request"] = map[string]any{"url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/2"}
			obj(m, "comment")["body"] = "  /tiergate recheck\n"
			obj(m, "comment", "user")["login"] = user
		})
	}
	t.Run("from a writer re-evaluates", func(t *testing.T) {
		h := newHarness(t, strictConfig)
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
		if code := h.deliver("issue_comment", comment(t, "alice")); code != http.StatusAccepted {
			t.Fatalf("answered %d, want 202", code)
		}
		h.settle()
		h.wantCheck(headSHA, "failure", "feature ·")
	})
	t.Run("from a reader is ignored", func(t *testing.T) {
		h := newHarness(t, strictConfig)
		h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
		h.deliver("issue_comment", comment(t, "rita"))
		h.settle()
		if runs := h.gh.CheckRuns(owner, repo); len(runs) != 0 {
			t.Errorf("a reader's recheck wrote check runs %+v, want none", runs)
		}
	})
}

func TestE2EConfigPushReevaluatesOpenPRs(t *testing.T) {
	h := newHarness(t, strictConfig)
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	h.run("opened", headSHA)
	h.wantCheck(headSHA, "failure", "feature ·")

	h.gh.SetFile(owner, repo, baseRef, cfgPath, []byte("version: 1\ndefault_tier: experiment\n"))
	push := configPush(t)
	if code := h.deliver("push", push); code < 200 || code > 299 {
		t.Fatalf("push answered %d, want 2xx", code)
	}
	h.settle()
	h.wantCheck(headSHA, "success", "experiment ·")
}

// A merge queue entry gets a check, which follows the pull request's
// verdict now, not the one it had when it was queued.
func TestE2EMergeGroupFollowsThePullRequest(t *testing.T) {
	h := newHarness(t, strictConfig)
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	group := func(sha string) {
		t.Helper()
		body := payload(t, "pull_request", "opened.payload.json", func(m map[string]any) {
			m["action"] = "checks_requested"
			m["merge_group"] = map[string]any{
				"head_sha": sha, "head_ref": "refs/heads/gh-readonly-queue/master/pr-2-" + headSHA,
				"base_sha": headSHA, "base_ref": "refs/heads/master",
			}
			delete(m, "pull_request")
			delete(m, "number")
		})
		if code := h.deliver("merge_group", body); code != http.StatusAccepted {
			t.Fatalf("merge_group answered %d, want 202", code)
		}
		h.settle()
	}
	h.gh.AddLabel(owner, repo, prNumber, "tier/experiment", "alice")
	h.run("labeled", headSHA)
	h.wantCheck(headSHA, "success", "experiment ·")
	const green, red = "4444444444444444444444444444444444444444", "5555555555555555555555555555555555555555"
	group(green)
	h.wantCheck(green, "success", "Merge group: #2 passes")

	// Queued while green, then the label goes: the next queue commit fails.
	h.gh.RemoveLabel(owner, repo, prNumber, "tier/experiment", "alice")
	h.run("unlabeled", headSHA)
	h.wantCheck(headSHA, "failure", "feature ·")
	group(red)
	h.wantCheck(red, "failure", "Merge group: #2 is not passing")
}
