package ledger_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/ledger/ledgertest"
)

func seeded(t *testing.T) *ledger.Ledger {
	t.Helper()
	l, _, _ := open(t)
	if err := ledgertest.Seed(testCtx(t), l); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return l
}

func nov(d, h, m int) time.Time { return time.Date(2026, time.November, d, h, m, 0, 0, time.UTC) }

// TestMerges checks each seeded merge's evidence field by field.
func TestMerges(t *testing.T) {
	l := seeded(t)
	got, err := l.Merges(testCtx(t), ledger.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	type evidence struct {
		Repo       string
		Number     int
		MergedBy   string
		Tier       string
		Conclusion string
		CheckRun   string
		Approvers  []ledger.Approver
		Overrides  []string
		Bypass     bool
		Reason     string
	}
	var brief []evidence
	for _, m := range got {
		e := evidence{Repo: m.Owner + "/" + m.Repo, Number: m.Number, MergedBy: m.MergedBy, Approvers: m.Approvers,
			CheckRun: m.CheckRunURL("https://unused.example"), Bypass: m.Bypass, Reason: m.BypassReason}
		if m.Verdict != nil {
			e.Tier, e.Conclusion = m.Verdict.Tier, m.Verdict.Conclusion
		}
		for _, o := range m.Overrides {
			e.Overrides = append(e.Overrides, fmt.Sprintf("%s by %s: %s %v (%s)", o.Label, o.By, o.Status, o.Gates, o.Reason))
		}
		brief = append(brief, e)
	}
	want := []evidence{
		{Repo: "acme/api", Number: 101, MergedBy: "bob", Tier: "feature", Conclusion: "success",
			CheckRun:  "https://github.com/acme/api/runs/9002",
			Approvers: []ledger.Approver{{Login: "alice", Commit: ledgertest.Head101b, Status: "counted"}}},
		{Repo: "acme/api", Number: 102, MergedBy: "carol", Tier: "feature", Conclusion: "success",
			CheckRun:  "https://github.com/acme/api/runs/9003",
			Approvers: []ledger.Approver{{Login: "alice", Commit: ledgertest.Head102Rebased, Status: "kept"}},
			Overrides: []string{"tiergate/skip-tests by carol: applied [tests] (applied by carol)"}},
		{Repo: "acme/api", Number: 103, MergedBy: "dave", Tier: "platform", Conclusion: "failure",
			CheckRun:  "https://github.com/acme/api/runs/9004",
			Approvers: []ledger.Approver{{Login: "alice", Commit: ledgertest.Head103, Status: "counted"}},
			Overrides: []string{"tiergate/skip-approvals by tina: ignored [] (tina has triage permission; overrides need maintain)"},
			Bypass:    true, Reason: "tiergate's verdict on the merged head was failure: platform · 1 of 3 gates failing"},
		{Repo: "acme/web", Number: 7, MergedBy: "gina", Tier: "experiment", Conclusion: "success",
			CheckRun: "https://github.com/acme/web/runs/9005", Approvers: []ledger.Approver{}},
		{Repo: "acme/web", Number: 8, MergedBy: "hank", Approvers: []ledger.Approver{},
			Bypass: true, Reason: "no tiergate verdict was recorded on the merged head"},
	}
	if diff := cmp.Diff(want, brief); diff != "" {
		t.Errorf("Merges (-want +got):\n%s", diff)
	}
	// The stood verdict is the newest on the head: #101's re-evaluation after a review.
	if v := got[0].Verdict; v == nil || v.Event != "pull_request_review.submitted" || v.DeliveryID != "d-101-3" {
		t.Errorf("#101 stood on %+v, want the verdict of delivery d-101-3", v)
	}
	m := got[0]
	if m.Title != "Add refund endpoint" || m.Author != "erin" || !m.CreatedAt.Equal(nov(2, 9, 0)) || !m.MergedAt.Equal(nov(3, 15, 30)) ||
		m.MergeCommitSHA != ledgertest.MergeCommit("api", 101) || m.HeadSHA != ledgertest.Head101b || m.BaseRef != "main" {
		t.Errorf("#101 merge = %+v", m)
	}
	if v := got[0].Verdict; v.ConfigFingerprint == "" || len(v.Config) != 2 || v.Config[1].Repository != "acme/api" || v.Config[1].Ref != "main" {
		t.Errorf("#101 verdict config = %q %+v, want the fingerprint and both layers", v.ConfigFingerprint, v.Config)
	}
}

func TestMergesFilter(t *testing.T) {
	l := seeded(t)
	tests := []struct {
		name string
		f    ledger.Filter
		want []int
	}{
		{"all", ledger.Filter{}, []int{101, 102, 103, 7, 8}},
		{"since is inclusive", ledger.Filter{Since: nov(4, 12, 0)}, []int{102, 103, 7, 8}},
		{"until is exclusive", ledger.Filter{Until: nov(4, 12, 0)}, []int{101}},
		{"a window", ledger.Filter{Since: nov(4, 0, 0), Until: nov(9, 0, 0)}, []int{102, 103}},
		{"one repository, any case", ledger.Filter{Owner: "ACME", Repo: "Web"}, []int{7, 8}},
		{"an unknown repository", ledger.Filter{Owner: "acme", Repo: "nope"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := l.Merges(testCtx(t), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var numbers []int
			for _, m := range got {
				numbers = append(numbers, m.Number)
			}
			if diff := cmp.Diff(tc.want, numbers); diff != "" {
				t.Errorf("Merges(%+v) (-want +got):\n%s", tc.f, diff)
			}
		})
	}
}

func TestHistory(t *testing.T) {
	l := seeded(t)
	tests := []struct {
		owner, repo string
		number      int
		wantRuns    []int64 // newest first
		wantMerged  bool
		wantFirst   string // title of the newest
	}{
		{"acme", "api", 101, []int64{9002, 9002, 9001}, true, "feature · 2 of 2 gates passing"},
		{"ACME", "API", 103, []int64{9004}, true, "platform · 1 of 3 gates failing"},
		{"acme", "web", 9, []int64{9006}, false, "tiergate could not evaluate"},
		{"acme", "web", 8, nil, true, ""},
		{"acme", "web", 404, nil, false, ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s#%d", tc.owner, tc.repo, tc.number), func(t *testing.T) {
			entries, merge, err := l.History(testCtx(t), tc.owner, tc.repo, tc.number)
			if err != nil {
				t.Fatal(err)
			}
			var runs []int64
			for _, e := range entries {
				runs = append(runs, e.CheckRunID)
			}
			if diff := cmp.Diff(tc.wantRuns, runs); diff != "" {
				t.Errorf("check runs, newest first (-want +got):\n%s", diff)
			}
			if (merge != nil) != tc.wantMerged {
				t.Errorf("merge = %+v, want merged %t", merge, tc.wantMerged)
			}
			if len(entries) > 0 && entries[0].Title != tc.wantFirst {
				t.Errorf("newest verdict %q, want %q", entries[0].Title, tc.wantFirst)
			}
		})
	}
	entries, _, err := l.History(testCtx(t), "acme", "web", 9)
	if err != nil {
		t.Fatal(err)
	}
	if e := entries[0]; !e.Failure || e.Tier != "" || !strings.Contains(string(e.JSON), `"kind": "github"`) && !strings.Contains(string(e.JSON), `"kind":"github"`) {
		t.Errorf("#9 = %+v, want a failure with the schema's error object", e)
	}
	entries, _, err = l.History(testCtx(t), "acme", "api", 101)
	if err != nil {
		t.Fatal(err)
	}
	wantGates := []ledger.Gate{{Name: "tests", Status: "fail", Reason: "source changed (api/refund.go) but no test file did"},
		{Name: "docs", Status: "not_required", Reason: "docs changes are not required for feature"},
		{Name: "approvals", Status: "fail", Reason: "0 of 1 approvals"}}
	if diff := cmp.Diff(wantGates, entries[2].Gates); diff != "" {
		t.Errorf("#101's first verdict's gates (-want +got):\n%s", diff)
	}
}

func TestSummary(t *testing.T) {
	l := seeded(t)
	tests := []struct {
		name  string
		since time.Time
		want  []ledger.TierSummary
	}{
		{name: "everything", want: []ledger.TierSummary{
			{Tier: "experiment", Merged: 1, MedianOpen: 72 * time.Hour},
			// #101 open 30h30m, #102 2h: the median of two is their mean.
			{Tier: "feature", Merged: 2, MedianOpen: 16*time.Hour + 15*time.Minute, Overridden: 1, OverrideRate: 0.5},
			{Tier: "platform", Merged: 1, MedianOpen: 45 * time.Minute, Bypasses: 1},
			{Tier: "none", Merged: 1, MedianOpen: 5 * time.Minute, Bypasses: 1},
			{Tier: "all", Merged: 5, MedianOpen: 2 * time.Hour, Overridden: 1, OverrideRate: 0.2, Bypasses: 2},
		}},
		{name: "since the 5th", since: nov(5, 0, 0), want: []ledger.TierSummary{
			{Tier: "experiment", Merged: 1, MedianOpen: 72 * time.Hour},
			{Tier: "platform", Merged: 1, MedianOpen: 45 * time.Minute, Bypasses: 1},
			{Tier: "none", Merged: 1, MedianOpen: 5 * time.Minute, Bypasses: 1},
			{Tier: "all", Merged: 3, MedianOpen: 45 * time.Minute, Bypasses: 2},
		}},
		{name: "nothing merged since", since: nov(20, 0, 0), want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := l.Summary(testCtx(t), tc.since)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Summary(%v) (-want +got):\n%s", tc.since, diff)
			}
		})
	}
}

func TestQueriesWithoutLedgerTables(t *testing.T) {
	l, pool, _ := open(t)
	if _, err := pool.Exec(testCtx(t), `DROP TABLE tiergate_ledger_merges`); err != nil {
		t.Fatal(err)
	}
	_, err := l.Merges(testCtx(t), ledger.Filter{})
	if err == nil || !strings.Contains(err.Error(), "tiergate migrate") {
		t.Errorf("Merges without the table = %v, want a hint to run tiergate migrate", err)
	}
}
