package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tiergate/tiergate/bot/backtest"
	"github.com/tiergate/tiergate/rules"
)

// btReport is the part of backtest's JSON output the tests read.
type btReport struct {
	Backtest struct {
		State     string   `json:"state"`
		Truncated bool     `json:"truncated"`
		Config    []string `json:"config"`
		Current   []string `json:"current_config"`
		Notes     []string `json:"notes"`
		Summary   struct {
			Total, Passed, Overridden, Failed, Errors int
			FailedByGate                              map[string]int                           `json:"failed_by_gate"`
			ByTier                                    map[string]struct{ Total, Failed int }   `json:"by_tier"`
			CriticalPaths                             map[string]struct{ Touched, Failed int } `json:"critical_paths"`
			Comparison                                *struct {
				Differ     int `json:"differ"`
				PassToFail int `json:"pass_to_fail"`
				FailToPass int `json:"fail_to_pass"`
				TierChange int `json:"tier_changed"`
			} `json:"comparison"`
		} `json:"summary"`
	} `json:"backtest"`
	PullRequests []struct {
		Number  int             `json:"number"`
		Title   string          `json:"title"`
		Outcome string          `json:"outcome"`
		Verdict json.RawMessage `json:"verdict"`
		Current *struct {
			Tier    string `json:"tier"`
			Outcome string `json:"outcome"`
		} `json:"current"`
		Differs bool `json:"differs"`
	} `json:"pull_requests"`
}

func parseReport(t testing.TB, out string) btReport {
	t.Helper()
	checkAgainstBacktestSchema(t, []byte(out))
	var r btReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("backtest output is not JSON: %v\n%s", err, out)
	}
	return r
}

// backtestSchema is backtest's published schema with the verdict schema it
// refers to, compiled once.
var backtestSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	for _, s := range []struct {
		id  string
		doc []byte
	}{
		{"https://github.com/tiergate/tiergate/rules/verdict.schema.json", rules.VerdictSchema},
		{"https://github.com/tiergate/tiergate/bot/backtest/backtest.schema.json", backtest.Schema},
	} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(s.doc))
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(s.id, doc); err != nil {
			return nil, err
		}
	}
	return c.Compile("https://github.com/tiergate/tiergate/bot/backtest/backtest.schema.json")
})

// checkAgainstBacktestSchema holds out to backtest's schema, and each pull
// request's verdict, on its own, to tiergate check's.
func checkAgainstBacktestSchema(t testing.TB, out []byte) {
	t.Helper()
	s, err := backtestSchema()
	if err != nil {
		t.Fatalf("backtest schema: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("backtest --format json printed no JSON: %v\n%s", err, out)
	}
	if err := s.Validate(doc); err != nil {
		t.Fatalf("backtest --format json output does not match its schema: %v", err)
	}
	var r struct {
		PullRequests []struct {
			Verdict json.RawMessage `json:"verdict"`
		} `json:"pull_requests"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	for _, p := range r.PullRequests {
		if string(p.Verdict) != "null" {
			checkAgainstVerdictSchema(t, p.Verdict)
		}
	}
}

func TestBacktestSummary(t *testing.T) {
	fake, _ := backtestFake(t)
	r := backtestWith(t, fake, tokenEnv(fake), "--repo", "acme/widgets", "--format", "json")
	if r.code != 0 {
		t.Fatalf("backtest = exit %d, want 0\n%s", r.code, r.stderr)
	}
	rep := parseReport(t, r.stdout)
	s := rep.Backtest.Summary
	got := []int{s.Total, s.Passed, s.Overridden, s.Failed, s.Errors}
	want := []int{backtestWant.total, backtestWant.passed, backtestWant.overridden, backtestWant.failed, 0}
	if !slices.Equal(got, want) {
		t.Errorf("total, passed, overridden, failed, errors = %v, want %v", got, want)
	}
	if diff := cmp.Diff(backtestWant.byGate, s.FailedByGate); diff != "" {
		t.Errorf("failed_by_gate (-want +got):\n%s", diff)
	}
	wantTiers := map[string]struct{ Total, Failed int }{"feature": {170, 40}, "platform": {10, 5}, "experiment": {20, 0}}
	if diff := cmp.Diff(wantTiers, s.ByTier); diff != "" {
		t.Errorf("by_tier (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]struct{ Touched, Failed int }{"payments": {10, 5}}, s.CriticalPaths); diff != "" {
		t.Errorf("critical_paths (-want +got):\n%s", diff)
	}
	var numbers []int
	for _, p := range rep.PullRequests {
		numbers = append(numbers, p.Number)
	}
	wantNumbers := make([]int, 200)
	for i := range wantNumbers {
		wantNumbers[i] = i + 1 // the most recently merged first
	}
	if diff := cmp.Diff(wantNumbers, numbers); diff != "" {
		t.Errorf("pull requests judged (-want +got):\n%s", diff)
	}

	// Judged as each stood at its merge: what came after does not count.
	byNumber := map[int]verdict{}
	for _, p := range rep.PullRequests {
		byNumber[p.Number] = parseVerdict(t, string(p.Verdict))
	}
	tests := []struct {
		number int
		why    string
		tier   string
		want   map[string]string
	}{
		{6, "an override label applied after the merge", "feature", map[string]string{"tests": "fail", "approvals": "pass"}},
		{7, "an approval given after the merge", "feature", map[string]string{"tests": "pass", "approvals": "fail"}},
		{9, "an override label applied before the merge", "feature", map[string]string{"tests": "overridden"}},
		{20, "payments approved by its team", "platform", map[string]string{"critical_paths/payments": "pass", "approvals": "pass"}},
		{40, "payments without its team", "platform", map[string]string{"critical_paths/payments": "fail"}},
		{8, "an experiment", "experiment", map[string]string{"tests": "not_required"}},
	}
	for _, tt := range tests {
		v := byNumber[tt.number]
		if v.Tier != tt.tier {
			t.Errorf("#%d (%s): tier = %s, want %s", tt.number, tt.why, v.Tier, tt.tier)
		}
		got := v.statuses()
		for gate, status := range tt.want {
			if got[gate] != status {
				t.Errorf("#%d (%s): gate %s = %s, want %s", tt.number, tt.why, gate, got[gate], status)
			}
		}
	}

	// The same figures, in the text summary, ahead of the lines.
	txt := backtestWith(t, fake, tokenEnv(fake), "--repo", "acme/widgets")
	for _, want := range []string{
		"200 pull requests merged from ",
		"  passed                       135\n",
		"  passed with an override       20\n",
		"  failed                        45\n",
		"  approvals                     20\n",
		"  critical_paths/payments        5\n",
		"  feature                       40 of 170\n",
		"  payments                      10 (5 failed)\n",
		"Permissions and team memberships are as they are now (read within the last hour)",
		"counts as having no members, so its critical path's team gate fails closed",
		"  #40     platform   fail     Change 40 — failing: critical_paths/payments\n",
		"  #9      feature    override Change 9 — overridden: tests\n",
	} {
		if !strings.Contains(txt.stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, txt.stdout)
		}
	}
	if i, j := strings.Index(txt.stdout, "summary"), strings.Index(txt.stdout, "pull requests\n"); i < 0 || j < i {
		t.Errorf("the summary does not come first:\n%s", txt.stdout)
	}
}

func TestBacktestCSV(t *testing.T) {
	fake, _ := backtestFake(t)
	r := backtestWith(t, fake, tokenEnv(fake), "--repo", "acme/widgets", "--format", "csv")
	if r.code != 0 {
		t.Fatalf("backtest = exit %d, want 0\n%s", r.code, r.stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v", err)
	}
	if diff := cmp.Diff(backtest.CSVHeader, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if len(rows) != 201 {
		t.Fatalf("got %d rows, want a header and 200", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	byNumber := map[string][]string{}
	for _, row := range rows[1:] {
		byNumber[row[col["number"]]] = row
	}
	tests := []struct {
		number, column, want string
	}{
		{"3", "title", `'=HYPERLINK("http://evil.example","click")`},
		{"4", "title", `'@acme/payments-owners | ` + "`x`" + ` <b>\nfake line\n`},
		{"6", "outcome", "fail"},
		{"6", "failing_gates", "tests"},
		{"9", "outcome", "override"},
		{"9", "overridden_gates", "tests"},
		{"40", "failing_gates", "critical_paths/payments"},
		{"40", "tier", "platform"},
		{"40", "critical_paths", "payments"},
		{"1", "conclusion", "success"},
		{"1", "differs", ""},
	}
	for _, tt := range tests {
		if got := byNumber[tt.number][col[tt.column]]; got != tt.want {
			t.Errorf("#%s %s = %q, want %q", tt.number, tt.column, got, tt.want)
		}
	}
}

func TestBacktestJSONShape(t *testing.T) {
	fake, _ := backtestFake(t)
	cfg := writeTemp(t, "tiergate.yml", strings.Replace(backtestConfig, "version: 1\n", "version: 1\ntiers:\n  feature:\n    require: {approvals: 2}\n", 1))
	r := backtestWith(t, fake, tokenEnv(fake), "--repo", "acme/widgets", "--format", "json", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("backtest = exit %d, want 0\n%s", r.code, r.stderr)
	}
	rep := parseReport(t, r.stdout) // every verdict against tiergate check's schema
	if len(rep.PullRequests) != 200 {
		t.Fatalf("%d pull requests, want 200", len(rep.PullRequests))
	}
	p := rep.PullRequests[2]
	if p.Number != 3 || p.Title != hostileTitles[3] {
		t.Errorf("pull request 3 = #%d %q, want its title as data: %q", p.Number, p.Title, hostileTitles[3])
	}
	// Raising feature approvals to 2 fails every feature pull request
	// that passed with one: 110 passing and 20 overridden ones.
	c := rep.Backtest.Summary.Comparison
	if c == nil || c.Differ != 130 || c.PassToFail != 130 || c.FailToPass != 0 || c.TierChange != 0 {
		t.Errorf("comparison = %+v, want 130 differ, all pass → fail", c)
	}
	if rep.Backtest.Current == nil || rep.Backtest.Config[1] != cfg {
		t.Errorf("config = %q, current = %q: want the given file, and the current config named", rep.Backtest.Config, rep.Backtest.Current)
	}
	first := rep.PullRequests[0]
	if !first.Differs || first.Outcome != "fail" || first.Current == nil || first.Current.Outcome != "pass" {
		t.Errorf("#1 = outcome %s, current %+v, differs %v; want fail, was pass", first.Outcome, first.Current, first.Differs)
	}
}

// TestBacktestCache: with --cache, running again (with another config, as a
// person tuning it does) costs no rate limit: what belongs to the merged
// pull requests is served from disk, and only the listing and the config
// files are asked again, conditionally, and answered 304.
func TestBacktestCache(t *testing.T) {
	fake, _ := backtestFake(t)
	env := tokenEnv(fake)
	dir := t.TempDir()
	first := backtestWith(t, fake, env, "--repo", "acme/widgets", "--cache", dir)
	if first.code != 0 {
		t.Fatalf("first run = exit %d\n%s", first.code, first.stderr)
	}
	cold := len(fake.Requests())
	if cold == 0 {
		t.Fatal("the first run made no request")
	}

	for _, tt := range []struct {
		name string
		args []string
	}{
		{"same config", nil},
		{"another config", []string{"--config", writeTemp(t, "t.yml", "version: 1\ntiers:\n  feature:\n    require: {approvals: 2}\n")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake.ResetRequests()
			again := backtestWith(t, fake, env, append([]string{"--repo", "acme/widgets", "--cache", dir}, tt.args...)...)
			if again.code != 0 {
				t.Fatalf("second run = exit %d\n%s", again.code, again.stderr)
			}
			var asked []string
			for _, q := range fake.Requests() {
				if q.Status != 304 {
					t.Errorf("second run: %s %s?%s = %d, want every request answered 304", q.Method, q.Path, q.Query, q.Status)
				}
				asked = append(asked, q.Template)
			}
			slices.Sort(asked)
			asked = slices.Compact(asked)
			want := []string{"/repos/{owner}/{repo}/contents/{path}", "/repos/{owner}/{repo}/pulls"}
			if diff := cmp.Diff(want, asked); diff != "" {
				t.Errorf("second run asked for (-want +got):\n%s", diff)
			}
			if tt.args == nil && again.stdout != first.stdout {
				t.Errorf("the cached run reports otherwise:\n%s\nwant\n%s", again.stdout, first.stdout)
			}
		})
	}
	t.Logf("200-PR backtest: %d requests cold; %s", cold, lastLine(first.stderr))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestBacktestRateLimit(t *testing.T) {
	tests := []struct {
		name   string
		inject func(fake interface {
			PrimaryRateLimitNext(string, string, time.Duration)
			RateLimitNext(string, string, time.Duration)
		})
		atLeast time.Duration
	}{
		{"primary limit spent: waits for the reset", func(f interface {
			PrimaryRateLimitNext(string, string, time.Duration)
			RateLimitNext(string, string, time.Duration)
		}) {
			f.PrimaryRateLimitNext("GET", "/repos/acme/widgets/pulls/5/files", 20*time.Minute)
		}, 19 * time.Minute},
		{"secondary limit: waits Retry-After", func(f interface {
			PrimaryRateLimitNext(string, string, time.Duration)
			RateLimitNext(string, string, time.Duration)
		}) {
			f.RateLimitNext("GET", "/repos/acme/widgets/pulls", 90*time.Second)
		}, 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, _ := backtestFake(t)
			tt.inject(fake)
			r := backtestWith(t, fake, tokenEnv(fake), "--repo", "acme/widgets", "--format", "json")
			if r.code != 0 {
				t.Fatalf("backtest = exit %d, want 0\n%s", r.code, r.stderr)
			}
			if len(r.sleeps) != 1 || r.sleeps[0] < tt.atLeast || r.sleeps[0] > tt.atLeast+2*time.Minute {
				t.Errorf("waits = %v, want one of at least %s", r.sleeps, tt.atLeast)
			}
			if !strings.Contains(r.stderr, "GitHub's rate limit is reached; waiting ") {
				t.Errorf("stderr does not say it waits for the rate limit:\n%s", r.stderr)
			}
			if s := parseReport(t, r.stdout).Backtest.Summary; s.Total != 200 || s.Errors != 0 {
				t.Errorf("after the wait: %d judged, %d errors; want 200 and none", s.Total, s.Errors)
			}
		})
	}
}

func TestBacktestAuthErrors(t *testing.T) {
	fake, _ := backtestFake(t)
	fake.AddRepo("acme", "hidden", "main") // not in the installation
	fake.AddRepo("solo", "tool", "main")   // no installation at all
	revoked := fake.IssueToken(fakeorg.Installation)
	key := string(fake.PrivateKeyPEM)
	appID := "29310"
	tests := []struct {
		name string
		env  map[string]string
		repo string
		want string
	}{
		{"no credentials", map[string]string{}, "acme/widgets", "no GitHub credentials: set GITHUB_TOKEN or GH_TOKEN"},
		{"token cannot see the repository", map[string]string{"GH_TOKEN": fake.IssueToken(fakeorg.Installation)}, "acme/hidden",
			"GitHub refused the credentials: listing the pull requests of acme/hidden"},
		{"App not installed", map[string]string{"TIERGATE_APP_ID": appID, "TIERGATE_PRIVATE_KEY": key}, "solo/tool",
			"the App (ID 29310) is not installed on solo/tool"},
		{"App ID not a number", map[string]string{"TIERGATE_APP_ID": "twelve", "TIERGATE_PRIVATE_KEY": key}, "acme/widgets",
			"TIERGATE_APP_ID must be a positive integer"},
		{"App key not PEM", map[string]string{"TIERGATE_APP_ID": appID, "TIERGATE_PRIVATE_KEY": "not-a-key"}, "acme/widgets",
			"TIERGATE_PRIVATE_KEY is not a PEM private key"},
		{"revoked token", map[string]string{"GITHUB_TOKEN": revoked}, "acme/widgets", "GitHub refused the credentials"},
	}
	fake.RevokeTokens()
	// The other tokens above were issued before RevokeTokens too: issue
	// the one that must work again.
	tests[1].env["GH_TOKEN"] = fake.IssueToken(fakeorg.Installation)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []string{"text", "json"} {
				r := backtestWith(t, fake, tt.env, "--repo", tt.repo, "--format", format)
				if r.code != 2 {
					t.Fatalf("%s: exit %d, want 2\n%s", format, r.code, r.stderr)
				}
				if lines := strings.Count(r.stderr, "\n"); lines != 1 || !strings.Contains(r.stderr, tt.want) {
					t.Errorf("%s: stderr = %q, want one line containing %q", format, r.stderr, tt.want)
				}
				for _, secret := range []string{tt.env["GITHUB_TOKEN"], tt.env["GH_TOKEN"], tt.env["TIERGATE_PRIVATE_KEY"]} {
					if secret != "" && strings.Contains(r.stderr+r.stdout, secret) {
						t.Errorf("%s: output quotes a secret", format)
					}
				}
				if format == "json" {
					var e struct {
						Error struct{ Kind, Message string } `json:"error"`
					}
					checkAgainstBacktestSchema(t, []byte(r.stdout))
					if err := json.Unmarshal([]byte(r.stdout), &e); err != nil || e.Error.Kind != rules.ErrorGitHub {
						t.Errorf("json: stdout = %s, want an error object of kind github", r.stdout)
					}
				}
			}
		})
	}
}

func TestBacktestAppCredentials(t *testing.T) {
	fake, _ := backtestFake(t)
	env := map[string]string{"TIERGATE_APP_ID": "29310", "TIERGATE_PRIVATE_KEY_FILE": writeTemp(t, "key.pem", string(fake.PrivateKeyPEM))}
	r := backtestWith(t, fake, env, "--repo", "acme/widgets", "--format", "json")
	if r.code != 0 {
		t.Fatalf("backtest = exit %d, want 0\n%s", r.code, r.stderr)
	}
	if s := parseReport(t, r.stdout).Backtest.Summary; s.Total != 200 || s.Failed != backtestWant.failed {
		t.Errorf("summary = %+v, want 200 judged, %d failed", s, backtestWant.failed)
	}
	var found, minted bool
	for _, q := range fake.Requests() {
		found = found || q.Template == "/repos/{owner}/{repo}/installation"
		minted = minted || q.Template == "/app/installations/{installation_id}/access_tokens"
	}
	if !found || !minted {
		t.Errorf("installation found %v, token minted %v: want the App's installation on the repository used", found, minted)
	}
}

// TestBacktestGHESURL: the API URL of a GitHub Enterprise Server comes from
// the flag or TIERGATE_GITHUB_API_URL; the fake serves only under /api/v3
// and fails the test on any request outside it.
func TestBacktestGHESURL(t *testing.T) {
	fake, _ := backtestFake(t)
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		want     string
	}{
		{"from the environment", map[string]string{"TIERGATE_GITHUB_API_URL": strings.TrimSuffix(fake.URL(), "/")}, nil, 0, ""},
		{"from the flag", map[string]string{}, []string{"--github-api-url", fake.URL()}, 0, ""},
		{"with a password", map[string]string{}, []string{"--github-api-url", strings.Replace(fake.URL(), "http://", "http://me:hunter2@", 1)}, 2,
			"--github-api-url must not contain a user name or password"},
		{"not a URL", map[string]string{"TIERGATE_GITHUB_API_URL": "ghe.example.com"}, nil, 2, "TIERGATE_GITHUB_API_URL must be an absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tokenEnv(fake)
			for k, v := range tt.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			opts := backtestOptions{Env: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr}
			code := exitCode(backtestCmdWith(context.Background(), append([]string{"--repo", "acme/widgets"}, tt.args...), opts), "backtest", &stderr)
			if code != tt.wantCode || !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.wantCode, tt.want)
			}
			if strings.Contains(stderr.String(), "hunter2") {
				t.Errorf("stderr quotes the password: %s", stderr.String())
			}
			if code == 0 && !strings.Contains(stdout.String(), "200 pull requests merged") {
				t.Errorf("stdout = %s, want the report", stdout.String())
			}
		})
	}
}

// TestBacktestProgress: a bar on a terminal, plain lines otherwise. The
// plain case writes to a real file, so the terminal check itself runs.
func TestBacktestProgress(t *testing.T) {
	fake, _ := backtestFake(t)
	tests := []struct {
		name     string
		terminal func(w any) bool
		want     []string
		wantNot  []string
	}{
		{"not a terminal", nil,
			[]string{"tiergate backtest: judging 200 pull requests\n", "tiergate backtest: 100/200 judged (", "tiergate backtest: 200/200 judged ("},
			[]string{"\r", "judging pull requests", "█"}},
		{"a terminal", func(any) bool { return true },
			[]string{"\r", "judging pull requests", "/200"},
			[]string{"tiergate backtest: judging 200 pull requests", "100/200 judged ("}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.CreateTemp(t.TempDir(), "stderr")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var stdout bytes.Buffer
			env := tokenEnv(fake)
			opts := backtestOptions{Env: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: f}
			if tt.terminal != nil {
				opts.Terminal = func(w io.Writer) bool { return tt.terminal(w) }
			}
			if code := exitCode(backtestCmdWith(context.Background(), []string{"--repo", "acme/widgets", "--github-api-url", fake.URL()}, opts), "backtest", f); code != 0 {
				t.Fatalf("exit %d", code)
			}
			data, err := os.ReadFile(f.Name())
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(data), w) {
					t.Errorf("stderr lacks %q:\n%q", w, data)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(string(data), w) {
					t.Errorf("stderr has %q:\n%q", w, data)
				}
			}
		})
	}
}

func TestBacktestStates(t *testing.T) {
	fake, _ := backtestFake(t)
	tests := []struct {
		args      []string
		total     int
		truncated bool
		first     int
	}{
		{[]string{"--state", "closed"}, 200, true, 1},                   // 210 closed in 30 days: the limit
		{[]string{"--state", "closed", "--last", "300"}, 215, false, 1}, // any age: merged or not
		{[]string{"--state", "open"}, 5, false, 215},
		{[]string{"--last", "220"}, 205, false, 1}, // any age: the five old ones too
		{[]string{"--last", "50"}, 50, true, 1},
		{[]string{"--since", time.Now().AddDate(0, 0, -3).Format("2006-01-02")}, -1, false, 1},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := backtestWith(t, fake, tokenEnv(fake), append([]string{"--repo", "acme/widgets", "--format", "json"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			rep := parseReport(t, r.stdout)
			if tt.total >= 0 && (rep.Backtest.Summary.Total != tt.total || rep.Backtest.Truncated != tt.truncated) {
				t.Errorf("total %d, truncated %v; want %d, %v", rep.Backtest.Summary.Total, rep.Backtest.Truncated, tt.total, tt.truncated)
			}
			if tt.total < 0 && (rep.Backtest.Summary.Total < 48 || rep.Backtest.Summary.Total > 96) {
				t.Errorf("--since 3 days ago judged %d, want those merged in 2 to 4 days (an hour each)", rep.Backtest.Summary.Total)
			}
			if len(rep.PullRequests) == 0 || rep.PullRequests[0].Number != tt.first {
				t.Errorf("first pull request = %v, want #%d", rep.PullRequests[:min(1, len(rep.PullRequests))], tt.first)
			}
		})
	}
}

func TestBacktestUsage(t *testing.T) {
	broken := writeTemp(t, "broken.yml", "version: 1\ntiers:\n  feature:\n    require: {approvals: many}\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no repo", nil, "--repo OWNER/NAME is required"},
		{"repo without owner", []string{"--repo", "widgets"}, "--repo must be OWNER/NAME"},
		{"since and last", []string{"--repo", "a/b", "--since", "2026-01-01", "--last", "5"}, "--since and --last cannot be used together"},
		{"bad state", []string{"--repo", "a/b", "--state", "draft"}, "--state must be merged, closed or open"},
		{"bad format", []string{"--repo", "a/b", "--format", "xml"}, `unknown format "xml"`},
		{"last too many", []string{"--repo", "a/b", "--last", "5000"}, "--last must be from 1 to 1000"},
		{"bad date", []string{"--repo", "a/b", "--since", "yesterday"}, "--since must be a date"},
		{"unknown flag", []string{"--repo", "a/b", "--verbose"}, "flag provided but not defined: -verbose"},
		{"missing config", []string{"--repo", "a/b", "--config", "/nonexistent/t.yml"}, "config file /nonexistent/t.yml does not exist"},
		{"broken config", []string{"--repo", "a/b", "--config", broken}, "invalid config: " + broken + ":4:26: "},
		{"bad org config repo", []string{"--repo", "a/b", "env:TIERGATE_ORG_CONFIG_REPO=a/b"}, "TIERGATE_ORG_CONFIG_REPO must be a repository name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, args := map[string]string{}, []string{}
			for _, a := range tt.args {
				if k, v, ok := strings.Cut(strings.TrimPrefix(a, "env:"), "="); ok && strings.HasPrefix(a, "env:") {
					env[k] = v
					continue
				}
				args = append(args, a)
			}
			r := backtestWith(t, nil, env, args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\n%s", r.code, r.stderr)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr = %q, want one line containing %q", r.stderr, tt.want)
			}
		})
	}
}
