package ledger

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/rules"
)

func TestEvidence(t *testing.T) {
	tests := []struct {
		name          string
		verdict       string
		wantApprovers []Approver
		wantOverrides []Override
	}{
		{name: "counted and kept approvals count; stale, unknown and other gates do not",
			verdict: `{"schema_version":1,"gates":[
				{"name":"approvals","status":"pass","reason":"2 of 2","approvals":{"reviews":[
					{"login":"alice","status":"counted","commit":"a1"},
					{"login":"bob","status":"kept","commit":"b0"},
					{"login":"carl","status":"stale","commit":"c0"},
					{"login":"dina","status":"someday_new","commit":"d1"},
					{"login":"ed","status":"changes_requested","commit":null}]}},
				{"name":"critical_paths/payments","status":"pass","reason":"","approvals":{"reviews":[{"login":"x","status":"counted","commit":"x"}]}}],
				"overrides":[{"gate":"all","label":"tiergate/override","by":null,"status":"ignored","gates":[],"reason":"unknown"}]}`,
			wantApprovers: []Approver{{"alice", "a1", "counted"}, {"bob", "b0", "kept"}},
			wantOverrides: []Override{{Label: "tiergate/override", Gate: "all", Status: "ignored", Gates: []string{}, Reason: "unknown"}}},
		{name: "a failure's error object has neither",
			verdict:       string(rules.JSONError(rules.ErrorGitHub, "502")),
			wantApprovers: []Approver{}, wantOverrides: []Override{}},
		{name: "not JSON", verdict: `null`, wantApprovers: []Approver{}, wantOverrides: []Override{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, approvers, overrides := evidence([]byte(tc.verdict))
			if diff := cmp.Diff(tc.wantApprovers, approvers); diff != "" {
				t.Errorf("approvers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOverrides, overrides); diff != "" {
				t.Errorf("overrides (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	h := time.Hour
	tests := []struct {
		name    string
		figures []mergeFigure
		want    []TierSummary
	}{
		{name: "nothing merged", want: nil},
		{name: "odd count: the middle value; tiers in order, empty ones left out",
			figures: []mergeFigure{{tier: "platform", open: 3 * h}, {tier: "platform", open: 1 * h, bypass: true},
				{tier: "platform", open: 10 * h, overridden: true}, {tier: "experiment", open: h}},
			want: []TierSummary{
				{Tier: "experiment", Merged: 1, MedianOpen: h},
				{Tier: "platform", Merged: 3, MedianOpen: 3 * h, Overridden: 1, OverrideRate: 1.0 / 3, Bypasses: 1},
				{Tier: "all", Merged: 4, MedianOpen: 2 * h, Overridden: 1, OverrideRate: 0.25, Bypasses: 1}}},
		{name: "no tier", figures: []mergeFigure{{open: h, bypass: true}},
			want: []TierSummary{{Tier: "none", Merged: 1, MedianOpen: h, Bypasses: 1},
				{Tier: "all", Merged: 1, MedianOpen: h, Bypasses: 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, summarize(tc.figures)); diff != "" {
				t.Errorf("summarize (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLinks(t *testing.T) {
	tests := []struct {
		name            string
		m               MergeEvidence
		webURL          string
		wantPR, wantRun string
	}{
		{name: "github.com, from the pull request's own URL",
			m:      MergeEvidence{Owner: "o", Repo: "r", Number: 5, URL: "https://github.com/o/r/pull/5", Verdict: &Entry{CheckRunID: 77}},
			webURL: "https://ignored.example", wantPR: "https://github.com/o/r/pull/5", wantRun: "https://github.com/o/r/runs/77"},
		{name: "GitHub Enterprise Server, from the pull request's own URL",
			m:      MergeEvidence{Owner: "o", Repo: "r", Number: 5, URL: "https://ghe.corp/o/r/pull/5", Verdict: &Entry{CheckRunID: 77}},
			webURL: "https://github.com", wantPR: "https://ghe.corp/o/r/pull/5", wantRun: "https://ghe.corp/o/r/runs/77"},
		{name: "no URL recorded: built on the web URL",
			m:      MergeEvidence{Owner: "o", Repo: "r", Number: 5, Verdict: &Entry{CheckRunID: 77}},
			webURL: "https://ghe.corp/", wantPR: "https://ghe.corp/o/r/pull/5", wantRun: "https://ghe.corp/o/r/runs/77"},
		{name: "no verdict: no check run link",
			m:      MergeEvidence{Owner: "o", Repo: "r", Number: 5, URL: "https://github.com/o/r/pull/5"},
			webURL: "https://github.com", wantPR: "https://github.com/o/r/pull/5", wantRun: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if pr, run := tc.m.PullRequestURL(tc.webURL), tc.m.CheckRunURL(tc.webURL); pr != tc.wantPR || run != tc.wantRun {
				t.Errorf("links = %s, %s; want %s, %s", pr, run, tc.wantPR, tc.wantRun)
			}
		})
	}
}
