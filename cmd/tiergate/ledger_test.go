package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/ledger/ledgertest"
	"github.com/tiergate/tiergate/bot/pgstore"
	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

// seededDB is a migrated database holding ledgertest's history.
func seededDB(t *testing.T, more ...ledger.Merge) string {
	t.Helper()
	url := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := pgstore.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	pool, err := pgstore.Connect(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	l := ledger.New(pool, nil)
	if err := ledgertest.Seed(ctx, l); err != nil {
		t.Fatal(err)
	}
	for _, m := range more {
		if _, err := l.RecordMerge(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return url
}

// ledgerRun runs tiergate ledger with args and env.
func ledgerRun(t *testing.T, env map[string]string, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"ledger"}, args...), func(k string) string { return env[k] },
		bytes.NewReader(nil), &stdout, &stderr)
	return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestLedgerNeedsADatabase(t *testing.T) {
	for _, args := range [][]string{{"export"}, {"show", "acme/api#1"}, {"summary", "--since", "2026-01-01"}} {
		t.Run(args[0], func(t *testing.T) {
			got := ledgerRun(t, nil, args...)
			want := "tiergate ledger: the ledger needs a database: pass --database-url or set TIERGATE_DATABASE_URL\n"
			if got.code != 2 || got.stderr != want || got.stdout != "" {
				t.Errorf("tiergate ledger %v = %d, stdout %q, stderr %q; want 2 and the one line %q", args, got.code, got.stdout, got.stderr, want)
			}
		})
	}
}

func TestLedgerUsageErrors(t *testing.T) {
	env := map[string]string{"TIERGATE_DATABASE_URL": "postgres://nowhere.invalid/x"}
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"frobnicate"}, `unknown ledger command "frobnicate"`},
		{[]string{"export", "--format", "xml"}, "--format must be csv or json"},
		{[]string{"export", "--repo", "acme"}, "--repo must be OWNER/NAME"},
		{[]string{"export", "--since", "last week"}, "want a date such as 2026-11-30"},
		{[]string{"show"}, "want one pull request, OWNER/NAME#N"},
		{[]string{"show", "acme/api/101"}, `want a pull request as OWNER/NAME#N, got "acme/api/101"`},
		{[]string{"show", "acme/api#1", "--format", "yaml"}, "--format must be text or json"},
		{[]string{"summary", "--database-url", "mysql://root:s3cret@db/x"}, "must be a postgres:// URL"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got := ledgerRun(t, env, tc.args...)
			if got.code != 2 || !strings.Contains(got.stderr, tc.wantErr) || strings.Contains(got.stderr, "s3cret") {
				t.Errorf("tiergate ledger %v = %d, stderr %q; want 2 and %q", tc.args, got.code, got.stderr, tc.wantErr)
			}
		})
	}
}

// hostile is a merge whose title and merger would be formulas in a spreadsheet.
var hostile = ledger.Merge{InstallationID: 42, Owner: "acme", Repo: "web", Number: 66, Title: `=HYPERLINK("http://evil.example","x")`,
	Author: "+mallory", URL: "https://github.com/acme/web/pull/66", CreatedAt: time.Date(2026, 11, 11, 9, 0, 0, 0, time.UTC),
	MergedAt: time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC), MergedBy: "@mallory", MergeCommitSHA: "-1", HeadSHA: "h66", BaseRef: "main"}

func TestLedgerExportCSV(t *testing.T) {
	url := seededDB(t, hostile)
	got := ledgerRun(t, nil, "export", "--database-url", url)
	if got.code != 0 {
		t.Fatalf("export = %d, stderr %q", got.code, got.stderr)
	}
	records, err := csv.NewReader(strings.NewReader(got.stdout)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, got.stdout)
	}
	header := records[0]
	rows := map[string]map[string]string{}
	for _, r := range records[1:] {
		if len(r) != len(header) {
			t.Fatalf("row %v has %d cells, header %d", r, len(r), len(header))
		}
		m := map[string]string{}
		for i, h := range header {
			m[h] = r[i]
		}
		rows[m["repository"]+"#"+m["number"]] = m
	}
	if len(rows) != 6 {
		t.Fatalf("export has %d rows, want 6 merges:\n%s", len(rows), got.stdout)
	}
	pick := func(pr string, cols ...string) []string {
		var out []string
		for _, c := range cols {
			out = append(out, rows[pr][c])
		}
		return out
	}
	cols := []string{"tier", "conclusion", "merged_by", "approvers", "overrides", "bypass", "pull_request_url", "check_run_url"}
	tests := []struct {
		pr   string
		want []string
	}{
		{"acme/api#101", []string{"feature", "success", "bob", "alice@" + ledgertest.Head101b, "", "false",
			"https://github.com/acme/api/pull/101", "https://github.com/acme/api/runs/9002"}},
		{"acme/api#102", []string{"feature", "success", "carol", "alice@" + ledgertest.Head102Rebased + " (kept)",
			"tiergate/skip-tests by carol: applied (tests)", "false",
			"https://github.com/acme/api/pull/102", "https://github.com/acme/api/runs/9003"}},
		{"acme/api#103", []string{"platform", "failure", "dave", "alice@" + ledgertest.Head103,
			"tiergate/skip-approvals by tina: ignored: tina has triage permission; overrides need maintain", "true",
			"https://github.com/acme/api/pull/103", "https://github.com/acme/api/runs/9004"}},
		{"acme/web#7", []string{"experiment", "success", "gina", "", "", "false",
			"https://github.com/acme/web/pull/7", "https://github.com/acme/web/runs/9005"}},
		{"acme/web#8", []string{"", "", "hank", "", "", "true", "https://github.com/acme/web/pull/8", ""}},
		// Formula-looking cells are defused with a leading quote.
		{"acme/web#66", []string{"", "", "'@mallory", "", "", "true", "https://github.com/acme/web/pull/66", ""}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, pick(tc.pr, cols...)); diff != "" {
			t.Errorf("%s %v (-want +got):\n%s", tc.pr, cols, diff)
		}
	}
	for col, want := range map[string]string{
		"title": `'=HYPERLINK("http://evil.example","x")`, "author": "'+mallory", "merge_commit": "'-1",
		"bypass_reason": "no tiergate verdict was recorded on the merged head",
	} {
		if got := rows["acme/web#66"][col]; got != want {
			t.Errorf("hostile row %s = %q, want %q", col, got, want)
		}
	}
	r101 := rows["acme/api#101"]
	if r101["created_at"] != "2026-11-02T09:00:00Z" || r101["merged_at"] != "2026-11-03T15:30:00Z" ||
		r101["verdict"] != "feature · 2 of 2 gates passing" || !strings.HasPrefix(r101["config"], "cfg1:0a0a0a0") ||
		r101["title"] != "Add refund endpoint" || r101["head_sha"] != ledgertest.Head101b || r101["verdict_recorded_at"] == "" {
		t.Errorf("#101 = %v", r101)
	}
	if r := rows["acme/api#103"]["bypass_reason"]; r != "tiergate's verdict on the merged head was failure: platform · 1 of 3 gates failing" {
		t.Errorf("#103 bypass reason %q", r)
	}
}

func TestLedgerExportFilters(t *testing.T) {
	url := seededDB(t)
	env := map[string]string{"TIERGATE_DATABASE_URL": url}
	tests := []struct {
		args []string
		want []string
	}{
		{nil, []string{"acme/api#101", "acme/api#102", "acme/api#103", "acme/web#7", "acme/web#8"}},
		{[]string{"--repo", "acme/web"}, []string{"acme/web#7", "acme/web#8"}},
		{[]string{"--repo", "ACME/API", "--since", "2026-11-04"}, []string{"acme/api#102", "acme/api#103"}},
		{[]string{"--until", "2026-11-04"}, []string{"acme/api#101", "acme/api#102"}}, // the whole 4th
		{[]string{"--since", "2026-11-04T12:00:01Z", "--until", "2026-11-09T09:00:00Z"}, []string{"acme/api#103"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got := ledgerRun(t, env, append([]string{"export", "--format", "json"}, tc.args...)...)
			if got.code != 0 {
				t.Fatalf("export = %d, stderr %q", got.code, got.stderr)
			}
			var rows []struct {
				Repository string `json:"repository"`
				Number     int    `json:"number"`
			}
			if err := json.Unmarshal([]byte(got.stdout), &rows); err != nil {
				t.Fatal(err)
			}
			var prs []string
			for _, r := range rows {
				prs = append(prs, fmt.Sprintf("%s#%d", r.Repository, r.Number))
			}
			if diff := cmp.Diff(tc.want, prs); diff != "" {
				t.Errorf("export %v (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

func TestLedgerExportJSON(t *testing.T) {
	url := seededDB(t)
	got := ledgerRun(t, nil, "export", "--database-url", url, "--format", "json", "--repo", "acme/api")
	if got.code != 0 {
		t.Fatalf("export = %d, stderr %q", got.code, got.stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(got.stdout), &rows); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	r102 := rows[1]
	v := r102["verdict"].(map[string]any)
	checks := []struct {
		name      string
		got, want any
	}{
		{"number", r102["number"], float64(102)},
		{"tier", r102["tier"], "feature"},
		{"merged_by", r102["merged_by"], "carol"},
		{"merged_at", r102["merged_at"], "2026-11-04T12:00:00Z"},
		{"created_at", r102["created_at"], "2026-11-04T10:00:00Z"},
		{"url", r102["url"], "https://github.com/acme/api/pull/102"},
		{"bypass", r102["bypass"], false},
		{"bypass_reason", r102["bypass_reason"], nil},
		{"approvers", r102["approvers"], []any{map[string]any{"login": "alice", "commit": ledgertest.Head102Rebased, "status": "kept"}}},
		{"overrides", r102["overrides"], []any{map[string]any{"label": "tiergate/skip-tests", "gate": "tests", "by": "carol",
			"status": "applied", "gates": []any{"tests"}, "reason": "applied by carol"}}},
		{"verdict.conclusion", v["conclusion"], "success"},
		{"verdict.check_run_id", v["check_run_id"], float64(9003)},
		{"verdict.check_run_url", v["check_run_url"], "https://github.com/acme/api/runs/9003"},
		{"verdict.event", v["event"], "pull_request.labeled"},
		{"verdict.config[1]", v["config"].([]any)[1], map[string]any{"layer": "repo", "repository": "acme/api", "ref": "main",
			"path": ".github/tiergate.yml", "blob_sha": "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1"}},
		{"verdict.gates[0]", v["gates"].([]any)[0], map[string]any{"name": "tests", "status": "overridden",
			"reason": "overridden by carol with tiergate/skip-tests: source changed (api/retry.go) but no test file did"}},
		{"#103 bypass", rows[2]["bypass"], true},
		{"#103 bypass_reason", rows[2]["bypass_reason"], "tiergate's verdict on the merged head was failure: platform · 1 of 3 gates failing"},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestLedgerShow(t *testing.T) {
	url := seededDB(t)
	env := map[string]string{"TIERGATE_DATABASE_URL": url}
	got := ledgerRun(t, env, "show", "acme/api#101")
	if got.code != 0 {
		t.Fatalf("show = %d, stderr %q", got.code, got.stderr)
	}
	// In this order: the merge, then the verdicts newest first.
	want := []string{
		"acme/api#101: 3 verdicts recorded, newest first",
		"merged 2026-11-03 15:30:00 UTC by bob as " + ledgertest.MergeCommit("api", 101)[:7],
		"stood on verdict #3 (check run 9002, success)",
		"success  feature · 2 of 2 gates passing",
		"check run 9002; delivery d-101-3 (pull_request_review.submitted)",
		"approvals counted: alice on 2222222",
		"check run 9002; delivery d-101-2 (pull_request.synchronize)",
		"failure  feature · 2 of 2 gates failing",
		"head 1111111, base main; check run 9001; delivery d-101-1 (pull_request.opened)",
		"❌ tests: source changed (api/refund.go) but no test file did",
	}
	rest := got.stdout
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("show output lacks %q after the lines before it:\n%s", w, got.stdout)
		}
		rest = rest[i+len(w):]
	}
	if strings.Contains(got.stdout, "BYPASS") {
		t.Errorf("#101 shown as a bypass:\n%s", got.stdout)
	}

	failed := ledgerRun(t, env, "show", "acme/web#9")
	if !strings.Contains(failed.stdout, "could not evaluate: list pull request files: 502 Bad Gateway") {
		t.Errorf("show acme/web#9:\n%s", failed.stdout)
	}
	bypass := ledgerRun(t, env, "show", "acme/web#8")
	if !strings.Contains(bypass.stdout, "BYPASS: no tiergate verdict was recorded on the merged head") || !strings.Contains(bypass.stdout, "had no verdict") {
		t.Errorf("show acme/web#8:\n%s", bypass.stdout)
	}
	if none := ledgerRun(t, env, "show", "acme/web#404"); none.code != 0 || none.stdout != "acme/web#404: nothing recorded\n" {
		t.Errorf("show of an unknown pull request = %d %q", none.code, none.stdout)
	}

	js := ledgerRun(t, env, "show", "--format", "json", "acme/api#101")
	var doc struct {
		PullRequest string `json:"pull_request"`
		Merge       struct {
			MergedBy  string `json:"merged_by"`
			VerdictID int64  `json:"verdict_id"`
		} `json:"merge"`
		Verdicts []struct {
			ID         int64 `json:"id"`
			CheckRunID int64 `json:"check_run_id"`
			Verdict    struct {
				SchemaVersion int    `json:"schema_version"`
				Tier          string `json:"tier"`
				HeadSHA       string `json:"head_sha"`
			} `json:"verdict"`
		} `json:"verdicts"`
	}
	if err := json.Unmarshal([]byte(js.stdout), &doc); err != nil {
		t.Fatalf("show --format json: %v\n%s", err, js.stdout)
	}
	if doc.PullRequest != "acme/api#101" || doc.Merge.MergedBy != "bob" || len(doc.Verdicts) != 3 ||
		doc.Merge.VerdictID != doc.Verdicts[0].ID || doc.Verdicts[2].CheckRunID != 9001 ||
		doc.Verdicts[2].Verdict.SchemaVersion != 1 || doc.Verdicts[2].Verdict.HeadSHA != ledgertest.Head101a {
		t.Errorf("show --format json = %+v", doc)
	}
}

func TestLedgerSummary(t *testing.T) {
	url := seededDB(t)
	env := map[string]string{"TIERGATE_DATABASE_URL": url}
	tests := []struct {
		args []string
		want [][]string // the table's cells, header first
	}{
		{nil, [][]string{
			{"tier", "merged", "median time to merge", "overridden", "override rate", "bypasses"},
			{"experiment", "1", "3d 0h", "0", "0%", "0"},
			{"feature", "2", "16h 15m", "1", "50%", "0"},
			{"platform", "1", "45m", "0", "0%", "1"},
			{"none", "1", "5m", "0", "0%", "1"},
			{"all", "5", "2h 0m", "1", "20%", "2"},
		}},
		{[]string{"--since", "2026-11-06"}, [][]string{
			{"tier", "merged", "median time to merge", "overridden", "override rate", "bypasses"},
			{"experiment", "1", "3d 0h", "0", "0%", "0"},
			{"none", "1", "5m", "0", "0%", "1"},
			{"all", "2", "1d 12h", "0", "0%", "1"},
		}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got := ledgerRun(t, env, append([]string{"summary"}, tc.args...)...)
			if got.code != 0 {
				t.Fatalf("summary = %d, stderr %q", got.code, got.stderr)
			}
			var cells [][]string
			for _, line := range strings.Split(strings.TrimRight(got.stdout, "\n"), "\n") {
				var row []string
				for _, c := range strings.Split(line, "  ") {
					if c = strings.TrimSpace(c); c != "" {
						row = append(row, c)
					}
				}
				cells = append(cells, row)
			}
			if diff := cmp.Diff(tc.want, cells); diff != "" {
				t.Errorf("summary %v (-want +got):\n%s\n%s", tc.args, diff, got.stdout)
			}
		})
	}
	if got := ledgerRun(t, env, "summary", "--since", "2027-01-01"); got.stdout != "no merges recorded\n" {
		t.Errorf("summary with nothing merged = %q", got.stdout)
	}
}
