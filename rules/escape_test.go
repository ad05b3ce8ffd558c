package rules

import (
	"encoding/csv"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
)

// hostileNames are file names, labels and logins chosen to become live
// markup or to upset a terminal if printed raw. They seed FuzzRenderInert.
var hostileNames = []string{
	"@acme/admins/x.go",
	"pkg/[click](https://evil.example).go",
	"![img](https://evil.example/x.png)",
	"<img src=x onerror=alert(1)>.go",
	"https://evil.example/a.go",
	"www.evil.example/a.go",
	"<https://evil.example>",
	"mail user@example.com",
	"a|b|c.go",
	"# heading.go",
	"x\n# heading\n",
	"x\n\n| a | b |\n|---|---|\n| c | d |",
	"`code`.go",
	"``",
	"`",
	"a`b``c.go",
	"＠acme/admins",
	"﹫acme/admins",
	"\u202egnp.go",
	"\x1b[2J\x1b[H",
	"line\r\nbreak",
	"<!-- tiergate -->",
	"trailing\\",
	"[x]: https://evil.example",
	"[ref][x]",
	"*bold* _em_ ~~strike~~",
	"&#64;acme &lt;b&gt;",
	" spaced ",
	"javascript:alert(1)",
	"\x00nul\x7fdel\u0085nel",
	"zero\u200bwidth\u2028sep",
	"bad\xffutf8",
	"- [ ] task",
	"> quote",
	"    indented code",
	"1. list",
	"---",
	"@",
	"payments/" + strings.Repeat("`", 80) + " [click](https://evil.example) @acme/admins ![i](https://evil.example/x.png)",
	strings.Repeat("`", 15) + "@acme" + strings.Repeat("`", 16),
	"src/a\u3164.go",
	"hidden\U000E0100data\ufe0f",
	strings.Repeat("@acme/admins [x](https://evil.example) ", 40),
}

// hostileResult evaluates a pull request whose every file name, label,
// applier and reviewer login is name.
func hostileResult(name string) Result {
	cfg := exampleConfig()
	cfg.Warnings = []string{"config warning quoting " + name}
	pr := basePR()
	pr.Files = []ChangedFile{
		{Path: name, Status: FileModified, Additions: 1},
		{Path: "src/" + name + ".go", Status: FileModified, Additions: 1},
		{Path: "payments/" + name, PreviousPath: name + "/old", Status: FileRenamed, Additions: 1},
		{Path: "moved/" + name, PreviousPath: "payments/" + name, Status: FileRenamed},
		{Path: "docs/" + name + ".md", Status: FileAdded, Additions: 1},
	}
	pr.Labels = []Label{
		{Name: name, AppliedBy: name},
		{Name: "tier/experiment", AppliedBy: name},
		{Name: "tiergate/skip-tests", AppliedBy: name},
		{Name: "tiergate/override", AppliedBy: "carol"},
		{Name: "tier/experimen" + name, AppliedBy: name},
	}
	pr.Permissions = map[string]Permission{name: PermissionMaintain, "carol": PermissionMaintain}
	pr.TeamMembers = map[string][]string{"payments-owners": {name}}
	pr.Reviews = []Review{
		{User: name, State: ReviewApproved, CommitID: head},
		{User: name + "x", State: ReviewApproved, CommitID: "old"},
		{User: name + "y", State: ReviewChangesRequested, CommitID: head},
		{User: name + "[bot]", State: ReviewApproved, CommitID: head},
	}
	pr.Permissions[name+"y"] = PermissionWrite
	// Required checks named after it, bound to sources named after it,
	// reported with that name as their conclusion and link.
	cfg.CriticalPaths[0].Checks = []CheckRequirement{{Name: name}, {Name: "build", App: name}, {Name: "ci", StatusCreator: name}, {Name: "e2e-" + name}}
	pr.FirstSeen, pr.Now = t0, t0.Add(time.Minute)
	pr.Checks = []CheckResult{
		{Kind: CheckRun, Name: name, Source: name, Status: CheckCompleted, Conclusion: CheckConclusion(name), URL: "https://ci.example/" + name},
		{Kind: CheckRun, Name: "build", Source: name, Status: CheckStatus(name), URL: name},
		{Kind: CommitStatus, Name: "ci", Source: name, Status: CheckCompleted, Conclusion: CheckFailure, URL: "javascript:alert(1)//" + name},
	}
	return Evaluate(cfg, pr)
}

var ownIcons = strings.NewReplacer("🛡️", "", "⏭️", "", "⚠️", "")

var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM))

// mention matches what GitHub turns into a user or team mention: an at sign
// (or its fullwidth and small forms) followed by a login character.
var mention = regexp.MustCompile(`[@＠﹫][A-Za-z0-9]`)

// checkMarkdownInert parses md as GitHub-flavoured Markdown and fails on
// anything live outside tiergate's own structure: a link, image, autolink,
// raw HTML, a heading other than the title, a table other than the gate
// table (with exactly one body row per gate), a mention in plain text, or a raw
// control or bidirectional character.
func checkMarkdownInert(t *testing.T, md string, gates, requiredChecks int) {
	t.Helper()
	// tiergate's own icons carry a variation selector; values may not.
	for _, r := range ownIcons.Replace(md) {
		if r != '\n' && invisible(r) {
			t.Errorf("raw invisible character %U in Markdown:\n%s", r, md)
			return
		}
	}
	if !utf8.ValidString(md) {
		t.Errorf("Markdown is not valid UTF-8:\n%q", md)
	}
	// GitHub's renderer (cmark-gfm) never closes a code span opened by more
	// than 80 backticks, which goldmark would: bound every run instead.
	if strings.Contains(md, strings.Repeat("`", maxFence+1)) {
		t.Errorf("a run of more than %d backticks in Markdown:\n%s", maxFence, md)
	}
	src := []byte(md)
	doc := gfm.Parser().Parse(text.NewReader(src))
	var headings, tables, rows int
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if l, ok := n.(*ast.Link); ok && safeDetailsLink(l, src) {
			return ast.WalkSkipChildren, nil
		}
		switch n.Kind() {
		case ast.KindLink, ast.KindImage, ast.KindAutoLink, ast.KindRawHTML, ast.KindHTMLBlock, ast.KindCodeBlock, ast.KindFencedCodeBlock, ast.KindBlockquote:
			return ast.WalkStop, fmt.Errorf("%s node in Markdown", n.Kind())
		case ast.KindHeading:
			headings++
		case extast.KindTable:
			tables++
		case extast.KindTableRow:
			rows++
			// The gate table has 3 columns, the required checks table 4.
			if want := 2 + tables; n.ChildCount() != want {
				return ast.WalkStop, fmt.Errorf("table row with %d cells, want %d", n.ChildCount(), want)
			}
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
		t.Errorf("%v:\n%s", err, md)
	}
	wantTables := 1
	if requiredChecks > 0 {
		wantTables = 2
	}
	if headings != 1 || tables != wantTables || rows != gates+requiredChecks {
		t.Errorf("Markdown has %d headings, %d tables and %d table rows, want 1, %d and %d:\n%s", headings, tables, rows, wantTables, gates+requiredChecks, md)
	}
}

// safeDetailsLink says l is a link tiergate writes for a check: labelled
// "details", to an http(s) URL holding no character that markdownLink
// encodes.
func safeDetailsLink(l *ast.Link, src []byte) bool {
	dest := string(l.Destination)
	if !strings.HasPrefix(dest, "https://") && !strings.HasPrefix(dest, "http://") {
		return false
	}
	for i := 0; i < len(dest); i++ {
		c := dest[i]
		alnum := ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
		if !alnum && !strings.ContainsRune("-._~:/?#@!$&+,;=%", rune(c)) {
			return false
		}
	}
	return l.ChildCount() == 1 && string(l.FirstChild().(*ast.Text).Segment.Value(src)) == "details"
}

// requiredChecksOf counts the rows of the required checks table.
func requiredChecksOf(r Result) int {
	if g, ok := checksGateOf(r); ok {
		return len(g.Checks.Required)
	}
	return 0
}

// checkTextInert fails on a control, bidirectional or invalid character in
// text output, and on a line count other than want: a newline in a name
// must not add a line.
func checkTextInert(t *testing.T, out string, wantLines int) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("text output is not valid UTF-8: %q", out)
	}
	for _, r := range out {
		if r != '\n' && invisible(r) {
			t.Errorf("raw invisible character %U in text output: %q", r, out)
			return
		}
	}
	if got := strings.Count(out, "\n"); got != wantLines {
		t.Errorf("text output has %d lines, want %d:\n%s", got, wantLines, out)
	}
}

// expectedTextLines counts the lines Text must print for r if no value adds
// one: the fixed lines plus one per gate, override, warning and error.
func expectedTextLines(r Result) int {
	n := 1 // title
	if r.Tier != TierNone {
		n++
	}
	if len(r.CriticalPaths) > 0 {
		n++
	}
	n += len(r.Errors)
	if len(r.Gates) > 0 {
		n += 1 + len(r.Gates)
	}
	if c := requiredChecksOf(r); c > 0 {
		n += 2 + c
	}
	if len(r.Overrides) > 0 {
		n += 2 + len(r.Overrides)
	}
	if len(r.Warnings) > 0 {
		n += 2 + len(r.Warnings)
	}
	if r.Mode == ModeReport {
		n += 2
	}
	return n
}

func TestRenderHostileNamesInert(t *testing.T) {
	for _, name := range hostileNames {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			res := hostileResult(name)
			checkMarkdownInert(t, Markdown(res), len(res.Gates), requiredChecksOf(res))
			checkTextInert(t, Text(res), expectedTextLines(res))
			if b, err := JSON(res); err != nil || !utf8.Valid(b) {
				t.Errorf("JSON(...) = %q, %v; want valid UTF-8", b, err)
			}
		})
	}
}

// TestCodeSpanRoundTrip checks that a value comes out of GFM exactly as
// spanText shows it: escaping hides nothing and adds nothing.
func TestCodeSpanRoundTrip(t *testing.T) {
	for _, name := range hostileNames {
		for _, inTable := range []bool{false, true} {
			md := "x " + codeSpan(name, inTable) + " y\n"
			if inTable {
				md = "| a |\n|---|\n| " + codeSpan(name, inTable) + " |\n"
			}
			src := []byte(md)
			doc := gfm.Parser().Parse(text.NewReader(src))
			var spans []string
			_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
				if entering && n.Kind() == ast.KindCodeSpan {
					var b strings.Builder
					for c := n.FirstChild(); c != nil; c = c.NextSibling() {
						b.Write(c.(*ast.Text).Segment.Value(src))
					}
					spans = append(spans, b.String())
				}
				return ast.WalkContinue, nil
			})
			want := spanText(name)
			if name == "" {
				continue
			}
			if inTable {
				// GFM unescapes \| in a cell before the span is read;
				// goldmark keeps the backslash in the segment.
				for i := range spans {
					spans[i] = strings.ReplaceAll(spans[i], `\|`, "|")
				}
			}
			if len(spans) != 1 || spans[0] != want {
				t.Errorf("codeSpan(%q, table=%v) = %q parses to spans %q, want [%q]", name, inTable, codeSpan(name, inTable), spans, want)
			}
		}
	}
}

func FuzzRenderInert(f *testing.F) {
	for _, name := range hostileNames {
		f.Add(name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" || len(name) > 200 {
			return
		}
		res := hostileResult(name)
		checkMarkdownInert(t, Markdown(res), len(res.Gates), requiredChecksOf(res))
		checkTextInert(t, Text(res), expectedTextLines(res))
	})
}

func TestTextEscapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain/path.go", "plain/path.go"},
		{"\x1b[2J", `\x1b[2J`},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"\u202eevil", `\u202eevil`},
		{"back\\slash", `back\\slash`},
		{"bad\xff", `bad\xff`},
		{"\u0085", `\x85`},
		{"ünïcode ok", "ünïcode ok"},
		{"a\u3164.go", `a\u3164.go`},
		{"x\ufe0f\u2800", `x\ufe0f\u2800`},
	}
	for _, tt := range tests {
		if got := textOf(msgf("%s", filePath(tt.in))); got != tt.want {
			t.Errorf("textOf(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCSVCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"payments/a.go", "payments/a.go"},
		{"=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"},
		{"+1", "'+1"},
		{"-1+2", "'-1+2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"  =1", "  '=1"},
		{"\u00a0=1", "\u00a0'=1"},
		{"\u3000@x", "\u3000'@x"},
		{"\t=1", `'\t'=1`},
		{"src/a;=1+1;-2+3+cmd|' /C calc'!A0.go", "src/a;'=1+1;'-2+3+cmd|' /C calc'!A0.go"},
		{"a; =b", "a; '=b"},
		{"\r=1", `'\r=1`},
		{"＝1", "'＝1"},
		{"a=b", "a=b"},
		{"", ""},
		{"line\nbreak", `line\nbreak`},
	}
	for _, tt := range tests {
		got := CSVCell(tt.in)
		if got != tt.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// The cell survives encoding/csv unchanged and stays one record.
		var b strings.Builder
		w := csv.NewWriter(&b)
		_ = w.Write([]string{got, "next"})
		w.Flush()
		rec, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
		if err != nil || len(rec) != 1 || rec[0][0] != got {
			t.Errorf("CSVCell(%q) = %q does not round-trip through encoding/csv: %q, %v", tt.in, got, rec, err)
		}
	}
}

func TestMarkdownValueCut(t *testing.T) {
	long := strings.Repeat("a", 1000)
	got := markdownOf(msgf("%s", filePath(long)), false)
	if !strings.HasSuffix(got, "…(1,000 bytes)") || strings.Count(got, "a") != maxMarkdownValue {
		t.Errorf("markdownOf(1,000 bytes) = %q, want %d characters and the length", got, maxMarkdownValue)
	}
}
