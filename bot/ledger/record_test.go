package ledger_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/rules"
)

const (
	headA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	headB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// row is a verdict to record before a merge.
type row struct {
	head       string
	status     string // "" : completed
	conclusion rules.Conclusion
	mode       rules.Mode
	gates      []rules.Gate
	failure    bool // a "could not evaluate" report
	checkRun   int64
}

func (r row) verdict(number int) ledger.Verdict {
	res := rules.Result{Tier: rules.TierFeature, Conclusion: r.conclusion, Mode: r.mode, HeadSHA: r.head, Gates: r.gates}
	b, err := rules.JSON(res)
	if err != nil {
		panic(err)
	}
	v := ledger.Verdict{InstallationID: 1, Owner: "Octo", Repo: "Repo", Number: number, HeadSHA: r.head, BaseRef: "main",
		Status: "completed", Conclusion: r.conclusion.String(), Title: res.Title(), Tier: "feature", Mode: r.mode.String(),
		CheckRunID: r.checkRun, Event: "pull_request.opened", JSON: b}
	if r.status != "" {
		v.Status, v.Conclusion = r.status, ""
	}
	if r.failure {
		v.Failure, v.Tier, v.Mode, v.Title = true, "", "", "tiergate could not evaluate"
		v.JSON = rules.JSONError(rules.ErrorGitHub, "502")
	}
	return v
}

var (
	testsFail       = rules.Gate{Name: "tests", Status: rules.StatusFail}
	testsOverridden = rules.Gate{Name: "tests", Status: rules.StatusOverridden}
	docsOverridden  = rules.Gate{Name: "docs", Status: rules.StatusOverridden}
	testsPass       = rules.Gate{Name: "tests", Status: rules.StatusPass}
)

func TestRecordMerge(t *testing.T) {
	l, pool, metrics := open(t)
	tests := []struct {
		name       string
		verdicts   []row
		want       ledger.MergeRecord
		wantReason string
		wantRun    int64 // check run of the standing verdict; 0: none
	}{
		{name: "passing verdict on the head",
			verdicts: []row{{head: headA, conclusion: rules.ConclusionSuccess, gates: []rules.Gate{testsPass}, checkRun: 11}},
			want:     ledger.MergeRecord{New: true, Tier: "feature"}, wantRun: 11},
		{name: "failing verdict in enforce mode is a bypass",
			verdicts: []row{{head: headA, conclusion: rules.ConclusionFailure, gates: []rules.Gate{testsFail}, checkRun: 12}},
			want:     ledger.MergeRecord{New: true, Bypass: true, Tier: "feature"}, wantReason: "was failure: feature · 1 of 1 gate failing", wantRun: 12},
		{name: "failing gate in report mode is neutral, not a bypass",
			verdicts: []row{{head: headA, conclusion: rules.ConclusionNeutral, mode: rules.ModeReport, gates: []rules.Gate{testsFail}, checkRun: 13}},
			want:     ledger.MergeRecord{New: true, Tier: "feature"}, wantRun: 13},
		{name: "no verdict at all is a bypass",
			want: ledger.MergeRecord{New: true, Bypass: true}, wantReason: "no tiergate verdict was recorded on the merged head"},
		{name: "a verdict on an earlier head only is a bypass",
			verdicts: []row{{head: headB, conclusion: rules.ConclusionSuccess, checkRun: 14}},
			want:     ledger.MergeRecord{New: true, Bypass: true}, wantReason: "no tiergate verdict"},
		{name: "the newest verdict stands: failing, then passing",
			verdicts: []row{{head: headA, conclusion: rules.ConclusionFailure, gates: []rules.Gate{testsFail}, checkRun: 15},
				{head: headA, conclusion: rules.ConclusionSuccess, gates: []rules.Gate{testsPass}, checkRun: 15}},
			want: ledger.MergeRecord{New: true, Tier: "feature"}, wantRun: 15},
		{name: "the newest verdict stands: passing, then failing",
			verdicts: []row{{head: headA, conclusion: rules.ConclusionSuccess, gates: []rules.Gate{testsPass}, checkRun: 16},
				{head: headA, conclusion: rules.ConclusionFailure, gates: []rules.Gate{testsFail}, checkRun: 16}},
			want: ledger.MergeRecord{New: true, Bypass: true, Tier: "feature"}, wantReason: "was failure", wantRun: 16},
		{name: "a pending verdict is a bypass",
			verdicts: []row{{head: headA, status: "in_progress", checkRun: 17}},
			want:     ledger.MergeRecord{New: true, Bypass: true, Tier: "feature"}, wantReason: "was in_progress, not completed", wantRun: 17},
		{name: "could not evaluate is a bypass",
			verdicts: []row{{head: headA, failure: true, conclusion: rules.ConclusionFailure, checkRun: 18}},
			want:     ledger.MergeRecord{New: true, Bypass: true}, wantReason: "was failure: tiergate could not evaluate", wantRun: 18},
		{name: "overridden gates are reported",
			verdicts: []row{{head: headA, conclusion: rules.ConclusionSuccess, gates: []rules.Gate{testsOverridden, docsOverridden}, checkRun: 19}},
			want:     ledger.MergeRecord{New: true, Tier: "feature", Overridden: []string{"tests", "docs"}}, wantRun: 19},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			number := 100 + i
			for _, r := range tc.verdicts {
				if err := l.RecordVerdict(testCtx(t), r.verdict(number)); err != nil {
					t.Fatal(err)
				}
			}
			// Names differ in case from the verdicts': GitHub treats them alike.
			m := ledger.Merge{InstallationID: 1, Owner: "octo", Repo: "repo", Number: number, HeadSHA: headA, BaseRef: "main",
				MergedAt: time.Now(), CreatedAt: time.Now().Add(-time.Hour), MergedBy: "admin", DeliveryID: fmt.Sprint("d", number)}
			got, err := l.RecordMerge(testCtx(t), m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got.BypassReason, tc.wantReason) || (tc.wantReason == "") != (got.BypassReason == "") {
				t.Errorf("bypass reason %q, want one containing %q", got.BypassReason, tc.wantReason)
			}
			got.BypassReason = ""
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("RecordMerge (-want +got):\n%s", diff)
			}
			var bypass bool
			var run *int64
			if err := pool.QueryRow(testCtx(t), `SELECT bypass, check_run_id FROM tiergate_ledger_merges WHERE number = $1`, number).Scan(&bypass, &run); err != nil {
				t.Fatal(err)
			}
			if gotRun := ptrOr(run); bypass != tc.want.Bypass || gotRun != tc.wantRun {
				t.Errorf("stored merge: bypass %t, check run %d; want %t, %d", bypass, gotRun, tc.want.Bypass, tc.wantRun)
			}

			again, err := l.RecordMerge(testCtx(t), m)
			if err != nil || again.New {
				t.Errorf("recording the merge again = %+v, %v; want New false (a redelivery records nothing)", again, err)
			}
		})
	}
	// Metrics count each merge once, redeliveries included.
	bypasses := 0
	for _, tc := range tests {
		if tc.want.Bypass {
			bypasses++
		}
	}
	if got := testutil.ToFloat64(metrics.Bypasses.WithLabelValues("octo/repo")); got != float64(bypasses) {
		t.Errorf("tiergate_bypasses_total{repo=octo/repo} = %v, want %d", got, bypasses)
	}
	for _, gate := range []string{"tests", "docs"} {
		if got := testutil.ToFloat64(metrics.Overrides.WithLabelValues("octo/repo", gate)); got != 1 {
			t.Errorf("tiergate_overrides_total{gate=%s} = %v, want 1", gate, got)
		}
	}
	if n := testutil.CollectAndCount(metrics.Overrides); n != 2 {
		t.Errorf("tiergate_overrides_total has %d series, want 2 (tests, docs)", n)
	}
	if n := count(t, pool, "tiergate_ledger_merges"); n != len(tests) {
		t.Errorf("%d merges recorded, want %d (one per pull request)", n, len(tests))
	}
}

func ptrOr(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
