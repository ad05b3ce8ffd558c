package ledger_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/rules"
)

func mergeOf(number int, head, baseRef string, mergedAt time.Time) ledger.Merge {
	return ledger.Merge{InstallationID: 1, RepositoryID: 77, Owner: "Octo", Repo: "Repo", Number: number, Title: "t", Author: "a",
		URL: "https://github.com/Octo/Repo/pull/1", CreatedAt: mergedAt.Add(-time.Hour), MergedAt: mergedAt,
		MergedBy: "admin", MergeCommitSHA: "m", HeadSHA: head, BaseSHA: "b", BaseRef: baseRef, DeliveryID: "d"}
}

// TestMergeOnOtherBase: the only verdict on the merged head was judged for
// base "release" (its config, its diff); the pull request was retargeted
// to "main" and merged before tiergate judged it there: a bypass.
func TestMergeOnOtherBase(t *testing.T) {
	l, _, _ := open(t)
	ctx := testCtx(t)
	v := row{head: headA, conclusion: rules.ConclusionSuccess, gates: []rules.Gate{testsPass}, checkRun: 1}.verdict(1)
	v.BaseRef = "release"
	if err := l.RecordVerdict(ctx, v); err != nil {
		t.Fatal(err)
	}
	rec, err := l.RecordMerge(ctx, mergeOf(1, headA, "main", time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Bypass || !strings.Contains(rec.BypassReason, `no tiergate verdict for base "main"`) {
		t.Errorf("merge into main standing only on a verdict for release = %+v, want a bypass: no verdict for base main", rec)
	}
}

// TestMergeVerdictRecordedAfterMerge: the check was in progress when an
// admin merged; success was recorded five minutes after the merge, before
// the closed event was. The verdict that stood is the pending one.
func TestMergeVerdictRecordedAfterMerge(t *testing.T) {
	l, _, _ := open(t)
	ctx := testCtx(t)
	now := time.Now()
	pending := row{head: headA, status: "in_progress", checkRun: 1}.verdict(1)
	pending.RecordedAt = now.Add(-10 * time.Minute)
	if err := l.RecordVerdict(ctx, pending); err != nil {
		t.Fatal(err)
	}
	success := row{head: headA, conclusion: rules.ConclusionSuccess, gates: []rules.Gate{testsPass}, checkRun: 1}.verdict(1)
	if err := l.RecordVerdict(ctx, success); err != nil { // recorded now, 5 minutes after the merge
		t.Fatal(err)
	}
	rec, err := l.RecordMerge(ctx, mergeOf(1, headA, "main", now.Add(-5*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Bypass || !strings.Contains(rec.BypassReason, "in_progress") {
		t.Errorf("merged while the check was in_progress = %+v, want a bypass on the pending verdict", rec)
	}
}

// TestMergeVerdictWithinSkew: a verdict recorded within StandingSkew of
// merged_at (the clocks of GitHub and the database differ) stands.
func TestMergeVerdictWithinSkew(t *testing.T) {
	l, _, _ := open(t)
	ctx := testCtx(t)
	v := row{head: headA, conclusion: rules.ConclusionSuccess, gates: []rules.Gate{testsPass}, checkRun: 1}.verdict(1)
	if err := l.RecordVerdict(ctx, v); err != nil {
		t.Fatal(err)
	}
	rec, err := l.RecordMerge(ctx, mergeOf(1, headA, "main", time.Now().Add(-ledger.StandingSkew/2)))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Bypass {
		t.Errorf("verdict recorded %s after merged_at = %+v, want it to stand", ledger.StandingSkew/2, rec)
	}
}

// TestMergeRecreatedRepository: acme/widgets is deleted and created again;
// its new pull request #1 merges. It is another repository (another ID),
// so the merge is recorded, not taken for a redelivery; a redelivery of
// either is still recorded once.
func TestMergeRecreatedRepository(t *testing.T) {
	l, pool, _ := open(t)
	ctx := testCtx(t)
	v := row{head: headA, conclusion: rules.ConclusionSuccess, gates: []rules.Gate{testsPass}, checkRun: 1}.verdict(1)
	if err := l.RecordVerdict(ctx, v); err != nil {
		t.Fatal(err)
	}
	first := mergeOf(1, headA, "main", time.Now().Add(-24*time.Hour))
	second := mergeOf(1, headB, "main", time.Now())
	second.RepositoryID, second.MergeCommitSHA = 78, "m2"
	for i, m := range []ledger.Merge{first, second, first, second} {
		rec, err := l.RecordMerge(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if want := i < 2; rec.New != want {
			t.Errorf("RecordMerge #%d (repository %d) New = %t, want %t", i, m.RepositoryID, rec.New, want)
		}
	}
	if n := count(t, pool, "tiergate_ledger_merges"); n != 2 {
		t.Errorf("%d merges, want 2", n)
	}
}

// TestMergeRedeliveredAfterUpgrade: a merge recorded before the ledger
// knew repository IDs, redelivered with one, is not recorded twice.
func TestMergeRedeliveredAfterUpgrade(t *testing.T) {
	l, pool, _ := open(t)
	ctx := testCtx(t)
	old := mergeOf(1, headA, "main", time.Now())
	old.RepositoryID = 0
	if rec, err := l.RecordMerge(ctx, old); err != nil || !rec.New {
		t.Fatalf("RecordMerge without a repository ID = %+v, %v", rec, err)
	}
	if rec, err := l.RecordMerge(ctx, mergeOf(1, headA, "main", time.Now())); err != nil || rec.New {
		t.Errorf("redelivery with a repository ID = %+v, %v, want nothing recorded", rec, err)
	}
	if n := count(t, pool, "tiergate_ledger_merges"); n != 1 {
		t.Errorf("%d merges, want 1", n)
	}
}
