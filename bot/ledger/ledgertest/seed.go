// Package ledgertest records a small, known history in a ledger, for the
// tests of the ledger and of `tiergate ledger`, and for the README's
// example output.
package ledgertest

import (
	"context"
	"crypto/sha1"
	"fmt"
	"time"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/rules"
)

// Head SHAs of the seeded pull requests.
const (
	Head101a = "1111111111111111111111111111111111111111"
	Head101b = "2222222222222222222222222222222222222222"
	Head102  = "3333333333333333333333333333333333333333"
	// Head102Rebased is the commit alice approved before #102 was rebased.
	Head102Rebased = "3030303030303030303030303030303030303030"
	Head103        = "4444444444444444444444444444444444444444"
	Head7          = "5555555555555555555555555555555555555555"
	Head8          = "6666666666666666666666666666666666666666"
	Head9          = "7777777777777777777777777777777777777777"
)

// Seed records this history in l, in this order:
//
//   - acme/api#101 "Add refund endpoint" by erin, opened 2026-11-02 09:00 UTC:
//     a failing feature verdict on Head101a (no test; check run 9001), a
//     passing one on Head101b (alice's approval counted, bob's stale; check
//     run 9002) and the same again after a review (unchanged re-evaluation);
//     merged by bob 2026-11-03 15:30.
//   - acme/api#102 "Skip flaky retry test" by frank, opened 2026-11-04 10:00:
//     feature, tests overridden by carol's tiergate/skip-tests, alice's
//     approval of Head102Rebased kept after a rebase that changed nothing
//     (check run 9003); merged by carol 12:00.
//   - acme/api#103 "Hotfix: charge rounding" by dave, opened 2026-11-05
//     08:00: platform, 1 of 2 approvals (alice), tina's
//     tiergate/skip-approvals ignored, failure (check run 9004); merged by
//     dave 08:45 anyway: a bypass.
//   - acme/web#7 "Try a new banner" by gina, opened 2026-11-06 09:00:
//     experiment, no gates required (check run 9005); merged by gina
//     2026-11-09 09:00.
//   - acme/web#8 "Bump dependencies" by hank, opened 2026-11-10 09:00 and
//     merged by hank at 09:05 with no verdict recorded: a bypass.
//   - acme/web#9 "Refactor layout" by gina, open: tiergate could not
//     evaluate it (check run 9006).
func Seed(ctx context.Context, l *ledger.Ledger) error {
	for _, v := range verdicts() {
		if err := l.RecordVerdict(ctx, v); err != nil {
			return err
		}
	}
	for _, m := range merges() {
		if _, err := l.RecordMerge(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func day(d, h, m int) time.Time { return time.Date(2026, time.November, d, h, m, 0, 0, time.UTC) }

func layers(repo string) []ledger.ConfigLayer {
	return []ledger.ConfigLayer{
		{Layer: "org", Repository: "acme/.github", Path: ".github/tiergate.yml", BlobSHA: "0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a"},
		{Layer: "repo", Repository: "acme/" + repo, Ref: "main", Path: ".github/tiergate.yml", BlobSHA: "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"},
	}
}

const fingerprint = "cfg1:0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a:b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"

// verdict builds the ledger row for res as the evaluator would.
func verdict(repo string, number int, checkRun int64, delivery, event string, at time.Time, res rules.Result) ledger.Verdict {
	b, err := rules.JSON(res)
	if err != nil {
		panic(err) // a Result always renders
	}
	return ledger.Verdict{
		InstallationID: 42, Owner: "acme", Repo: repo, Number: number, HeadSHA: res.HeadSHA,
		BaseSHA: "9999999999999999999999999999999999999999", BaseRef: "main",
		Status: "completed", Conclusion: res.Conclusion.String(), Title: res.Title(),
		Tier: res.Tier.String(), Mode: res.Mode.String(), CheckRunID: checkRun,
		ConfigFingerprint: fingerprint, Config: layers(repo), DeliveryID: delivery, Event: event, JSON: b,
		RecordedAt: at,
	}
}

func approvals(required int, reviews ...rules.ReviewOutcome) rules.Gate {
	counted := 0
	for _, r := range reviews {
		if r.Status == rules.ReviewCounted || r.Status == rules.ReviewKept {
			counted++
		}
	}
	status, reason := rules.StatusPass, rules.Messagef("%d of %d approvals", counted, required)
	if counted < required {
		status = rules.StatusFail
	}
	return rules.Gate{Name: rules.GateApprovals, Status: status, Reason: reason,
		Approvals: &rules.ApprovalFigures{Required: required, Counted: counted, Checked: true, Reviews: reviews}}
}

func counted(login, sha string) rules.ReviewOutcome {
	return rules.ReviewOutcome{Login: login, Status: rules.ReviewCounted, Commit: sha}
}

func verdicts() []ledger.Verdict {
	testsFail := rules.Gate{Name: rules.GateTests, Status: rules.StatusFail,
		Reason: rules.Messagef("source changed (%s) but no test file did", "api/refund.go")}
	testsPass := rules.Gate{Name: rules.GateTests, Status: rules.StatusPass, Reason: rules.Messagef("test files changed")}
	docsSkip := rules.Gate{Name: rules.GateDocs, Status: rules.StatusNotRequired, Reason: rules.Messagef("docs changes are not required for feature")}
	stale := rules.ReviewOutcome{Login: "bob", Status: rules.ReviewStale, Commit: Head101a,
		Reason: rules.Messagef("approved %s, not the head %s", Head101a[:7], Head101b[:7])}

	r101a := rules.Result{Tier: rules.TierFeature, TierReason: rules.Messagef("label tier/feature"), Conclusion: rules.ConclusionFailure,
		HeadSHA: Head101a, Gates: []rules.Gate{testsFail, docsSkip, approvals(1)}}
	r101b := rules.Result{Tier: rules.TierFeature, TierReason: rules.Messagef("label tier/feature"), Conclusion: rules.ConclusionSuccess,
		HeadSHA: Head101b, Gates: []rules.Gate{testsPass, docsSkip, approvals(1, counted("alice", Head101b), stale)}}
	r102 := rules.Result{Tier: rules.TierFeature, TierReason: rules.Messagef("label tier/feature"), Conclusion: rules.ConclusionSuccess,
		HeadSHA: Head102,
		Gates: []rules.Gate{{Name: rules.GateTests, Status: rules.StatusOverridden,
			Reason: rules.Messagef("overridden by %s with %s: source changed (%s) but no test file did", "carol", "tiergate/skip-tests", "api/retry.go")},
			docsSkip, approvals(1, rules.ReviewOutcome{Login: "alice", Status: rules.ReviewKept, Commit: Head102Rebased,
				Reason: rules.Messagef("approved %s; the rebase onto main changed nothing it approved", Head102Rebased[:7])})},
		Overrides: []rules.Override{{Gate: rules.GateTests, Label: "tiergate/skip-tests", By: "carol", Accepted: true,
			Applied: []string{rules.GateTests}, Reason: rules.Messagef("applied by %s", "carol")}}}
	r103 := rules.Result{Tier: rules.TierPlatform, TierReason: rules.Messagef("critical path payments raised it from feature to platform"),
		Conclusion: rules.ConclusionFailure, HeadSHA: Head103,
		Gates: []rules.Gate{testsPass, {Name: rules.GateDocs, Status: rules.StatusPass, Reason: rules.Messagef("docs changed")},
			approvals(2, counted("alice", Head103))},
		Overrides: []rules.Override{{Gate: rules.GateApprovals, Label: "tiergate/skip-approvals", By: "tina",
			Reason: rules.Messagef("%s has triage permission; overrides need maintain", "tina")}}}
	r7 := rules.Result{Tier: rules.TierExperiment, TierReason: rules.Messagef("label tier/experiment"), Conclusion: rules.ConclusionSuccess,
		HeadSHA: Head7, Gates: []rules.Gate{
			{Name: rules.GateTests, Status: rules.StatusNotRequired, Reason: rules.Messagef("tests are not required for experiment")}}}

	failure := ledger.Verdict{
		InstallationID: 42, Owner: "acme", Repo: "web", Number: 9, HeadSHA: Head9, BaseRef: "main", Failure: true,
		Status: "completed", Conclusion: "failure", Title: "tiergate could not evaluate", CheckRunID: 9006,
		Event: "pull_request.synchronize", DeliveryID: "d-9",
		JSON:       rules.JSONError(rules.ErrorGitHub, "list pull request files: 502 Bad Gateway"),
		RecordedAt: day(12, 10, 0),
	}
	return []ledger.Verdict{
		verdict("api", 101, 9001, "d-101-1", "pull_request.opened", day(2, 9, 1), r101a),
		verdict("api", 101, 9002, "d-101-2", "pull_request.synchronize", day(3, 14, 20), r101b),
		verdict("api", 101, 9002, "d-101-3", "pull_request_review.submitted", day(3, 14, 47).Add(31*time.Second), r101b),
		verdict("api", 102, 9003, "d-102", "pull_request.labeled", day(4, 10, 31).Add(2*time.Second), r102),
		verdict("api", 103, 9004, "d-103", "pull_request.opened", day(5, 8, 2).Add(15*time.Second), r103),
		verdict("web", 7, 9005, "d-7", "pull_request.opened", day(6, 9, 1), r7),
		failure,
	}
}

func merge(repo string, number int, title, author string, opened, merged time.Time, by, head string) ledger.Merge {
	return ledger.Merge{
		InstallationID: 42, RepositoryID: RepositoryID(repo), Owner: "acme", Repo: repo, Number: number, Title: title, Author: author,
		URL: fmt.Sprintf("https://github.com/acme/%s/pull/%d", repo, number), CreatedAt: opened, MergedAt: merged,
		MergedBy: by, MergeCommitSHA: MergeCommit(repo, number), HeadSHA: head,
		BaseSHA: "9999999999999999999999999999999999999999", BaseRef: "main", DeliveryID: fmt.Sprintf("d-merge-%d", number),
	}
}

// RepositoryID is the seeded repository acme/repo's ID.
func RepositoryID(repo string) int64 {
	if repo == "api" {
		return 1001
	}
	return 1002
}

// MergeCommit is the merge commit SHA of the seeded pull request number of
// acme/repo.
func MergeCommit(repo string, number int) string {
	return fmt.Sprintf("%x", sha1.Sum([]byte(fmt.Sprintf("acme/%s#%d", repo, number))))
}

func merges() []ledger.Merge {
	return []ledger.Merge{
		merge("api", 101, "Add refund endpoint", "erin", day(2, 9, 0), day(3, 15, 30), "bob", Head101b),
		merge("api", 102, "Skip flaky retry test", "frank", day(4, 10, 0), day(4, 12, 0), "carol", Head102),
		merge("api", 103, "Hotfix: charge rounding", "dave", day(5, 8, 0), day(5, 8, 45), "dave", Head103),
		merge("web", 7, "Try a new banner", "gina", day(6, 9, 0), day(9, 9, 0), "gina", Head7),
		merge("web", 8, "Bump dependencies", "hank", day(10, 9, 0), day(10, 9, 5), "hank", Head8),
	}
}
