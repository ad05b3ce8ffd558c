package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/internal/poll"
	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/pgstore"
	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

// prEventN is a pull_request event for pull request number at sha.
func prEventN(t *testing.T, action string, number int, sha string) []byte {
	return payload(t, "pull_request", "opened.payload.json", func(m map[string]any) {
		m["action"], m["number"] = action, number
		obj(m, "pull_request")["number"] = number
		obj(m, "pull_request", "head")["sha"] = sha
	})
}

// ledgerMergedAt is every merge's merged_at: after every verdict the tests
// record (a verdict recorded after the merge never stands).
var ledgerMergedAt = time.Now().UTC().Add(time.Hour).Truncate(time.Second)

// mergedEvent is a pull_request closed event for a merge of number at sha,
// by mergedBy.
func mergedEvent(t *testing.T, number int, sha, mergedBy string) []byte {
	return payload(t, "pull_request", "closed.payload.json", func(m map[string]any) {
		m["number"] = number
		pr := obj(m, "pull_request")
		pr["number"], pr["merged"], pr["merged_at"] = number, true, ledgerMergedAt.Format(time.RFC3339)
		pr["merged_by"] = map[string]any{"login": mergedBy}
		pr["html_url"] = fmt.Sprintf("https://github.com/%s/%s/pull/%d", owner, repo, number)
		obj(pr, "head")["sha"] = sha
	})
}

// ledgerOf opens the ledger of the database at dbURL, as the CLI does.
func ledgerOf(t *testing.T, dbURL string) *ledger.Ledger {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgstore.Connect(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return ledger.New(pool, nil)
}

// metric reads one series of the server's /metrics, 0 when absent.
func (h *harness) metric(series string) string {
	h.t.Helper()
	_, body := h.get("/metrics")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return "0"
	}
	return m[1]
}

// TestE2ELedger runs the real server in PostgreSQL mode and reads the
// ledger back: each verdict written with its check run, tier, gates,
// approvals and overrides; re-evaluations; a merge that stood on a passing
// head; merges of a failing head and of a head never evaluated, as
// bypasses; and the metrics.
func TestE2ELedger(t *testing.T) {
	dbURL := pgtest.URL(t)
	h := newHarness(t, strictConfig, func(s *bot.Settings) {
		s.DatabaseURL = dbURL
		s.SweepInterval = -1
	})
	l := ledgerOf(t, dbURL)
	ctx := context.Background()

	// #2: source without a test, overridden by carol (maintain); tina's
	// override of approvals is ignored (triage); alice approved the head.
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))
	h.gh.AddReview(owner, repo, prNumber, approval("alice", headSHA))
	h.gh.AddLabel(owner, repo, prNumber, "tiergate/skip-tests", "carol")
	h.gh.AddLabel(owner, repo, prNumber, "tiergate/skip-approvals", "tina")
	if code := h.deliverID("pull_request", "ledger-1", prEvent(t, "labeled", headSHA)); code != http.StatusAccepted {
		t.Fatalf("labeled = %d, want 202", code)
	}
	h.settle()
	run := h.wantCheck(headSHA, "success", "feature ·")
	h.run("synchronize", headSHA) // the same verdict again: GitHub unchanged, a second row

	entries, merge, err := l.History(ctx, owner, repo, prNumber)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || merge != nil {
		t.Fatalf("history = %d verdicts, merge %+v; want 2 verdicts and no merge yet", len(entries), merge)
	}
	first := entries[1] // newest first
	if first.CheckRunID != run.ID || entries[0].CheckRunID != run.ID {
		t.Errorf("check runs recorded %d, %d; want GitHub's %d for both", first.CheckRunID, entries[0].CheckRunID, run.ID)
	}
	if first.DeliveryID != "ledger-1" || first.Event != "pull_request.labeled" || entries[0].Event != "pull_request.synchronize" {
		t.Errorf("deliveries %q %q, events %q %q; want ledger-1, pull_request.labeled then .synchronize",
			first.DeliveryID, entries[0].DeliveryID, first.Event, entries[0].Event)
	}
	if first.Tier != "feature" || first.Mode != "enforce" || first.Status != "completed" || first.Conclusion != "success" ||
		first.HeadSHA != headSHA || first.BaseRef != baseRef || first.Title != run.Title {
		t.Errorf("verdict = %+v", first)
	}
	if first.ConfigFingerprint != run.ExternalID || len(first.Config) != 2 || first.Config[0].BlobSHA != "" ||
		first.Config[1].Ref != baseRef || first.Config[1].BlobSHA == "" || !strings.HasSuffix(run.ExternalID, ":"+first.Config[1].BlobSHA) {
		t.Errorf("config %q %+v; want the check run's fingerprint %q: no org file, the repo file on %s", first.ConfigFingerprint, first.Config, run.ExternalID, baseRef)
	}
	gates := map[string]string{}
	for _, g := range first.Gates {
		gates[g.Name] = g.Status
	}
	if gates["tests"] != "overridden" || gates["approvals"] != "pass" || gates["docs"] != "not_required" {
		t.Errorf("gates = %v, want tests overridden, approvals pass, docs not_required", gates)
	}
	if diff := cmp.Diff([]ledger.Approver{{Login: "alice", Commit: headSHA, Status: "counted"}}, first.Approvers); diff != "" {
		t.Errorf("approvers (-want +got):\n%s", diff)
	}
	var overrides []string
	for _, o := range first.Overrides {
		overrides = append(overrides, fmt.Sprintf("%s %s %s %v", o.Label, o.By, o.Status, o.Gates))
	}
	slices.Sort(overrides)
	if diff := cmp.Diff([]string{"tiergate/skip-approvals tina ignored []", "tiergate/skip-tests carol applied [tests]"}, overrides); diff != "" {
		t.Errorf("overrides (-want +got):\n%s", diff)
	}

	// #3 fails (no test, no approval), and an admin merges it anyway.
	const head3 = "3333333333333333333333333333333333333333"
	h.gh.AddPullRequest(owner, repo, githubtest.PullRequest{Number: 3, Author: author, HeadSHA: head3, HeadRef: "three", BaseRef: baseRef})
	h.gh.SetChangedFiles(owner, repo, 3, files("app/b.go"))
	if code := h.deliver("pull_request", prEventN(t, "opened", 3, head3)); code != http.StatusAccepted {
		t.Fatalf("opened #3 = %d, want 202", code)
	}
	h.settle()
	failing := h.wantCheck(head3, "failure", "feature ·")

	merges := []struct {
		number   int
		sha, by  string
		delivery string
	}{
		{prNumber, headSHA, "carol", "merge-2"},
		{3, head3, author, "merge-3"},
		{4, "4444444444444444444444444444444444444444", author, "merge-4"}, // never evaluated
	}
	for _, m := range merges {
		if code := h.deliverID("pull_request", m.delivery, mergedEvent(t, m.number, m.sha, m.by)); code != http.StatusAccepted {
			t.Fatalf("merge of #%d = %d, want 202", m.number, code)
		}
	}
	// The same merge again, as a redelivery and as a new delivery: one row.
	if code := h.deliverID("pull_request", "merge-3", mergedEvent(t, 3, head3, author)); code != http.StatusOK {
		t.Errorf("redelivered merge = %d, want 200 duplicate", code)
	}
	if code := h.deliverID("pull_request", "merge-3-again", mergedEvent(t, 3, head3, author)); code != http.StatusAccepted {
		t.Errorf("merge sent again = %d, want 202 (recorded once)", code)
	}
	h.settle()

	got, err := l.Merges(ctx, ledger.Filter{Owner: owner, Repo: repo})
	if err != nil {
		t.Fatal(err)
	}
	type brief struct {
		Number   int
		MergedBy string
		Stood    int64
		Bypass   bool
		Reason   string
		PRURL    string
	}
	var briefs []brief
	for _, m := range got {
		b := brief{Number: m.Number, MergedBy: m.MergedBy, Bypass: m.Bypass, Reason: m.BypassReason, PRURL: m.PullRequestURL("")}
		if m.Verdict != nil {
			b.Stood = m.Verdict.CheckRunID
		}
		briefs = append(briefs, b)
	}
	prURL := func(n int) string { return fmt.Sprintf("https://github.com/%s/%s/pull/%d", owner, repo, n) }
	want := []brief{
		{Number: prNumber, MergedBy: "carol", Stood: run.ID, PRURL: prURL(prNumber)},
		{Number: 3, MergedBy: author, Stood: failing.ID, Bypass: true, PRURL: prURL(3),
			Reason: "tiergate's verdict on the merged head was failure: " + failing.Title},
		{Number: 4, MergedBy: author, Bypass: true, PRURL: prURL(4), Reason: "no tiergate verdict was recorded on the merged head"},
	}
	if diff := cmp.Diff(want, briefs); diff != "" {
		t.Errorf("merges (-want +got):\n%s", diff)
	}
	if m := got[0]; m.Verdict == nil || m.Verdict.ID != entries[0].ID || !m.MergedAt.Equal(ledgerMergedAt) ||
		m.MergeCommitSHA != "c4295bd74fb0f4fda03689c3df3f2803b658fd85" || m.CreatedAt.IsZero() {
		t.Errorf("merge of #2 = %+v; want it to stand on the newest verdict %d, with the event's times and merge commit", m, entries[0].ID)
	}

	repoLabel := fmt.Sprintf(`{repo="%s/%s"}`, owner, repo)
	if got := h.metric("tiergate_bypasses_total" + repoLabel); got != "2" {
		t.Errorf("tiergate_bypasses_total%s = %s, want 2", repoLabel, got)
	}
	overridesSeries := fmt.Sprintf(`tiergate_overrides_total{gate="tests",repo="%s/%s"}`, owner, repo)
	if got := h.metric(overridesSeries); got != "1" {
		t.Errorf("%s = %s, want 1", overridesSeries, got)
	}
}

// TestE2ELedgerMemoryMode: without a database nothing is recorded, and a
// merge is acknowledged as ignored with the reason.
func TestE2ELedgerMemoryMode(t *testing.T) {
	h := newHarness(t, "")
	if code := h.deliver("pull_request", mergedEvent(t, prNumber, headSHA, "carol")); code != http.StatusOK {
		t.Errorf("merge in memory mode = %d, want 200 ignored", code)
	}
	if !strings.Contains(h.logs.String(), "the decision ledger needs a database") {
		t.Errorf("logs do not say why the merge was ignored:\n%s", h.logs)
	}
}

// TestE2ELedgerRetention: with TIERGATE_LEDGER_RETENTION set, the server
// prunes what is older at start-up (and hourly after), and keeps the rest.
func TestE2ELedgerRetention(t *testing.T) {
	dbURL := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := pgstore.Migrate(ctx, dbURL); err != nil {
		t.Fatal(err)
	}
	pool, err := pgstore.Connect(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for i, age := range []string{"40 days", "10 days"} {
		_, err := pool.Exec(ctx, `
INSERT INTO tiergate_ledger_verdicts (recorded_at, installation_id, owner, repo, number, head_sha, base_sha, base_ref,
    kind, status, title, check_run_id, config, delivery_id, event, verdict)
VALUES (now() - $1::interval, 1, 'o', 'r', $2, 'h', '', 'main', 'verdict', 'completed', 't', 1, '[]', '', 'e', '{}')`, age, i+1)
		if err != nil {
			t.Fatal(err)
		}
	}
	newHarness(t, "", func(s *bot.Settings) {
		s.DatabaseURL = dbURL
		s.SweepInterval = -1
		s.LedgerRetention = 30 * 24 * time.Hour
	})
	left := func() []int {
		rows, err := pool.Query(ctx, `SELECT number FROM tiergate_ledger_verdicts ORDER BY number`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			out = append(out, n)
		}
		return out
	}
	poll.Until(t, 10*time.Second, "the 40-day-old verdict pruned", func() bool { return slices.Equal(left(), []int{2}) })
}
