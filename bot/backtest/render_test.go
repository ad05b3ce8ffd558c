package backtest

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"github.com/tiergate/tiergate/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// hostile is a title that would be live in every format if not escaped: a
// mention, a table cell break, markup, a link, a formula and a line break.
const hostile = "=cmd| @acme/owners [x](http://evil) <b>\n| 1 | forged row |"

// sampleReport is a small report built with the real engine: a pass, an
// override, a fail on a critical path, a fail that the current config
// passes, and one pull request GitHub would not show.
func sampleReport(t *testing.T) *Report {
	t.Helper()
	f, err := rules.Parse("acme/widgets:.github/tiergate.yml", []byte(`version: 1
critical_paths:
  - name: "pay|ments"
    paths: ["payments/**"]
    min_tier: platform
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := rules.Resolve(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	approved := []rules.Review{{User: "bob", State: rules.ReviewApproved, CommitID: "h"}}
	write := map[string]rules.Permission{"bob": rules.PermissionWrite, "carol": rules.PermissionMaintain}
	pr := func(files []string, labels []rules.Label, reviews []rules.Review) rules.Result {
		p := rules.PullRequest{Author: "alice", HeadSHA: "h", Labels: labels, Reviews: reviews, Permissions: write}
		for _, name := range files {
			p.Files = append(p.Files, rules.ChangedFile{Path: name, Status: rules.FileModified, Additions: 5})
		}
		res := rules.Evaluate(cfg, p)
		res.HeadSHA = "h"
		return res
	}
	pulls := []Pull{
		{Number: 5, Title: "Add the orders API", Author: "alice", At: at,
			Result: pr([]string{"api/orders.go", "api/orders_test.go"}, nil, approved)},
		{Number: 4, Title: "Quick fix", Author: "alice", At: at.Add(-time.Hour),
			Result: pr([]string{"api/fix.go"}, []rules.Label{{Name: "tiergate/skip-tests", AppliedBy: "carol"}}, approved)},
		{Number: 3, Title: hostile, Author: "mallory", At: at.Add(-2 * time.Hour),
			Result: pr([]string{"payments/pay.go", "payments/pay_test.go"}, nil, approved)},
		{Number: 2, Title: "Docs", Author: "alice", At: at.Add(-3 * time.Hour),
			Result: pr([]string{"api/a.go"}, nil, approved)},
		{Number: 1, Title: "Gone", Author: "alice", At: at.Add(-4 * time.Hour), Verdict: VerdictError,
			Err: errors.New("list changed files of acme/widgets#1: 502 Bad Gateway")},
	}
	for i := range pulls {
		if pulls[i].Err == nil {
			pulls[i].Verdict = verdictOf(pulls[i].Result)
			pulls[i].Current = &Outcome{Tier: pulls[i].Result.Tier, Verdict: pulls[i].Verdict, Failing: failing(pulls[i].Result)}
		}
	}
	pulls[3].Current = &Outcome{Tier: rules.TierFeature, Verdict: VerdictPass}
	return &Report{
		Repo: "acme/widgets", State: StateMerged, Since: at.AddDate(0, 0, -30), Until: at.Add(time.Hour), Limit: 200,
		Config:  []string{"proposed.yml"},
		Current: []string{"acme/widgets:.github/tiergate.yml"},
		Notes:   notes(StateMerged, cfg, nil),
		Pulls:   pulls,
	}
}

func TestRenderGolden(t *testing.T) {
	rep := sampleReport(t)
	for _, tt := range []struct {
		name   string
		render func(*bytes.Buffer, *Report) error
	}{
		{"report.txt", func(b *bytes.Buffer, r *Report) error { return Text(b, r) }},
		{"report.md", func(b *bytes.Buffer, r *Report) error { return Markdown(b, r) }},
		{"report.csv", func(b *bytes.Buffer, r *Report) error { return CSV(b, r) }},
		{"report.json", func(b *bytes.Buffer, r *Report) error { return JSON(b, r) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.render(&b, rep); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("%s (-golden +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	got := Summarize(sampleReport(t))
	want := Summary{
		Total: 5, Passed: 1, Overridden: 1, Failed: 2, Errors: 1,
		// #3 fails platform's docs and approvals; #2 fails tests.
		ByGate:        []Count{{"approvals", 1}, {"docs", 1}, {"tests", 1}},
		ByTier:        []TierCount{{rules.TierPlatform, 1, 1}, {rules.TierFeature, 3, 1}},
		CriticalPaths: []PathCount{{"pay|ments", 1, 1}},
		Compared:      true, Differ: 1, PassToFail: 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summarize (-want +got):\n%s", diff)
	}
}

var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM))
var mention = regexp.MustCompile(`[@＠][A-Za-z0-9]`)

// TestMarkdownInert parses the Markdown as GitHub would: the hostile title
// adds no row, cell, link, HTML or mention.
func TestMarkdownInert(t *testing.T) {
	rep := sampleReport(t)
	var b bytes.Buffer
	if err := Markdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	src := b.Bytes()
	doc := gfm.Parser().Parse(text.NewReader(src))
	rows := map[int]int{} // cells per row -> rows
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindLink, ast.KindImage, ast.KindAutoLink, ast.KindRawHTML, ast.KindHTMLBlock:
			return ast.WalkStop, fmt.Errorf("%s node", n.Kind())
		case extast.KindTableRow:
			rows[n.ChildCount()]++
		case ast.KindCodeSpan:
			return ast.WalkSkipChildren, nil
		case ast.KindText:
			if s := string(n.(*ast.Text).Segment.Value(src)); mention.MatchString(s) {
				return ast.WalkStop, fmt.Errorf("mention in plain text %q", s)
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatalf("%v:\n%s", err, src)
	}
	// Pull request rows have 6 cells (with the current config): exactly 5.
	if rows[6] != len(rep.Pulls) {
		t.Errorf("%d rows of 6 cells, want %d (one per pull request):\n%s", rows[6], len(rep.Pulls), src)
	}
	if strings.Contains(b.String(), "\nfake") {
		t.Errorf("a title broke a line:\n%s", src)
	}
}

// TestJSONSchema holds the JSON output to its schema, which refers to the
// verdict schema for each pull request's verdict.
func TestJSONSchema(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	for id, raw := range map[string][]byte{
		"https://github.com/tiergate/tiergate/rules/verdict.schema.json":         rules.VerdictSchema,
		"https://github.com/tiergate/tiergate/bot/backtest/backtest.schema.json": Schema,
	} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile("https://github.com/tiergate/tiergate/bot/backtest/backtest.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("JSON does not match its schema: %v\n%s", err, b.String())
	}
	// A broken verdict is caught: the schema is not vacuous.
	broken := bytes.Replace(b.Bytes(), []byte(`"conclusion": "success"`), []byte(`"conclusion": "green"`), 1)
	doc, _ = jsonschema.UnmarshalJSON(bytes.NewReader(broken))
	if sch.Validate(doc) == nil {
		t.Error("a verdict with conclusion \"green\" passed the schema")
	}
}

func TestTextInert(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "| 1 | forged row") {
			t.Errorf("the title's line break reached the terminal:\n%s", b.String())
		}
	}
}
