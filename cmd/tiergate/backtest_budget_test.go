package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBacktestRequestBudget pins the requests a 200-pull-request backtest
// makes (the README quotes them): per endpoint, counted against the rate
// limit or answered 304 (free). Run with -v to see them.
//
//	go test ./cmd/tiergate -run TestBacktestRequestBudget -count=1 -v
func TestBacktestRequestBudget(t *testing.T) {
	fake, _ := backtestFake(t)
	env := tokenEnv(fake)
	dir := t.TempDir()
	proposed := writeTemp(t, "t.yml", strings.Replace(backtestConfig, "version: 1\n", "version: 1\ntiers:\n  feature:\n    require: {approvals: 2}\n", 1))
	type count struct{ Counted, Free int }
	runs := []struct {
		name string
		args []string
		want map[string]count
	}{
		{"cold, current config", nil, map[string]count{
			"GET /repos/{owner}/{repo}/pulls":                               {3, 0}, // 215 closed, 100 a page
			"GET /repos/{owner}/{repo}/contents/{path}":                     {2, 0}, // org file, repo file
			"GET /repos/{owner}/{repo}/pulls/{pull_number}/files":           {200, 0},
			"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews":         {200, 0},
			"GET /repos/{owner}/{repo}/issues/{issue_number}/events":        {60, 0}, // override label, or updated after the merge
			"GET /repos/{owner}/{repo}/collaborators/{username}/permission": {4, 0},  // once per person
			"GET /orgs/{org}/teams/{team_slug}/memberships/{username}":      {3, 0},  // once per person
		}},
		{"again with --cache and another config", []string{"--config", proposed}, map[string]count{
			"GET /repos/{owner}/{repo}/pulls":           {0, 3},
			"GET /repos/{owner}/{repo}/contents/{path}": {0, 2},
		}},
	}
	for _, run := range runs {
		fake.ResetRequests()
		r := backtestWith(t, fake, env, append([]string{"--repo", "acme/widgets", "--cache", dir}, run.args...)...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", run.name, r.code, r.stderr)
		}
		got := map[string]count{}
		total := count{}
		for _, q := range fake.Requests() {
			k := q.Method + " " + q.Template
			c := got[k]
			if q.Status == 304 {
				c.Free++
				total.Free++
			} else {
				c.Counted++
				total.Counted++
			}
			got[k] = c
		}
		if diff := cmp.Diff(run.want, got); diff != "" {
			t.Errorf("%s: requests (-want +got):\n%s", run.name, diff)
		}
		t.Logf("%s: %d counted, %d free (304)", run.name, total.Counted, total.Free)
	}
}
