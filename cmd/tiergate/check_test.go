package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/rules"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name           string
		change         func(r *testRepo)
		args           []string
		wantCode       int
		wantTier       string
		wantConclusion string
		wantGates      map[string]string // every gate's status
		wantInReason   map[string]string // gate: a substring of its reason
	}{
		{
			name:           "go change without test fails tests",
			change:         func(r *testRepo) { r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n") },
			wantCode:       1,
			wantTier:       "feature",
			wantConclusion: "failure",
			wantGates:      map[string]string{"tests": "fail", "docs": "not_required", "approvals": "not_checked", "max_changed_lines": "not_required", "checks": "not_required"},
			wantInReason:   map[string]string{"tests": "svc/a.go"},
		},
		{
			name: "go change with test passes",
			change: func(r *testRepo) {
				r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n", "svc/a_test.go", "package svc\n\n// more\n")
			},
			wantTier:       "feature",
			wantConclusion: "success",
			wantGates:      map[string]string{"tests": "pass", "docs": "not_required", "approvals": "not_checked", "max_changed_lines": "not_required", "checks": "not_required"},
		},
		{
			name:           "docs only change needs no tests",
			change:         func(r *testRepo) { r.write("docs/index.md", "# Docs\n\nMore.\n") },
			args:           []string{"--label", "tier/platform"},
			wantTier:       "platform",
			wantConclusion: "success",
			wantGates:      map[string]string{"tests": "pass", "docs": "pass", "approvals": "not_checked", "max_changed_lines": "pass", "checks": "not_required"},
			wantInReason:   map[string]string{"tests": "no source files changed", "max_changed_lines": "2 lines changed"},
		},
		{
			name:           "deleting source only needs no tests",
			change:         func(r *testRepo) { r.git("rm", "-q", "svc/a.go") },
			wantTier:       "feature",
			wantConclusion: "success",
			wantGates:      map[string]string{"tests": "pass", "docs": "not_required", "approvals": "not_checked", "max_changed_lines": "not_required", "checks": "not_required"},
		},
		{
			name:           "rename with spaces keeps the new name",
			change:         func(r *testRepo) { r.git("mv", "svc/a.go", "svc/new name é.go") },
			wantCode:       1,
			wantTier:       "feature",
			wantConclusion: "failure",
			wantGates:      map[string]string{"tests": "fail", "docs": "not_required", "approvals": "not_checked", "max_changed_lines": "not_required", "checks": "not_required"},
			wantInReason:   map[string]string{"tests": "svc/new name é.go"},
		},
		{
			name:           "binary file counts no lines",
			change:         func(r *testRepo) { r.write("assets/logo.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") },
			args:           []string{"--label", "tier/platform"},
			wantTier:       "platform",
			wantConclusion: "success",
			wantGates:      map[string]string{"tests": "pass", "docs": "pass", "approvals": "not_checked", "max_changed_lines": "pass", "checks": "not_required"},
			wantInReason:   map[string]string{"max_changed_lines": "0 lines changed"},
		},
		{
			name:           "override label is taken at face value",
			change:         func(r *testRepo) { r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n") },
			args:           []string{"--label", "tiergate/skip-tests"},
			wantTier:       "feature",
			wantConclusion: "success",
			wantGates:      map[string]string{"tests": "overridden", "docs": "not_required", "approvals": "not_checked", "max_changed_lines": "not_required", "checks": "not_required"},
		},
		{
			name:           "comma separated labels",
			change:         func(r *testRepo) { r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n") },
			args:           []string{"--label", "bug, tier/experiment"},
			wantTier:       "experiment",
			wantConclusion: "success",
			wantGates:      map[string]string{"tests": "not_required", "docs": "not_required", "approvals": "not_required", "max_changed_lines": "not_required", "checks": "not_required"},
		},
		{
			name: "critical path raises the tier and its team gate is not checked",
			change: func(r *testRepo) {
				r.write("payments/pay.go", "package payments\n\n// v2\n", "payments/pay_test.go", "package payments\n", "docs/pay.md", "# Pay\n")
			},
			wantTier:       "platform",
			wantConclusion: "success",
			wantGates: map[string]string{"tests": "pass", "docs": "pass", "approvals": "not_checked",
				"critical_paths/payments": "not_checked", "max_changed_lines": "pass", "checks": "not_checked"},
			wantInReason: map[string]string{"critical_paths/payments": "checked on GitHub",
				"checks": `checked on GitHub: requires "payments-suite" (a check run by github-actions)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCheckRepo(t, testdata(t, "tiergate.yml"))
			tt.change(r)
			r.commit("change")

			args := append([]string{"check", "--repo", r.dir, "--format", "json"}, tt.args...)
			got := tiergate(t, args...)
			if got.code != tt.wantCode {
				t.Fatalf("tiergate %v exit = %d, want %d\nstdout: %s\nstderr: %s", args, got.code, tt.wantCode, got.stdout, got.stderr)
			}
			if got.stderr != "" {
				t.Errorf("tiergate %v stderr = %q, want nothing (json keeps quiet)", args, got.stderr)
			}
			v := parseVerdict(t, got.stdout)
			if v.Tier != tt.wantTier || v.Conclusion != tt.wantConclusion {
				t.Errorf("tiergate %v = tier %q, conclusion %q, want %q, %q", args, v.Tier, v.Conclusion, tt.wantTier, tt.wantConclusion)
			}
			if diff := cmp.Diff(tt.wantGates, v.statuses()); diff != "" {
				t.Errorf("tiergate %v gates mismatch (-want +got):\n%s", args, diff)
			}
			for gate, want := range tt.wantInReason {
				if reason := v.reason(gate); !strings.Contains(reason, want) {
					t.Errorf("tiergate %v gate %s reason = %q, want it to contain %q", args, gate, reason, want)
				}
			}
		})
	}
}

// TestCheckAcceptancePlatformJSON is the acceptance test: a Go
// source file changed without a test, checked as platform, fails on tests.
func TestCheckAcceptancePlatformJSON(t *testing.T) {
	t.Parallel()
	r := newCheckRepo(t, testdata(t, "tiergate.yml"))
	r.write("svc/a.go", "package svc\n\nfunc A() int { return 3 }\n")
	r.commit("change without a test")

	got := tiergate(t, "check", "--repo", r.dir, "--format", "json", "--label", "tier/platform")
	if got.code != 1 {
		t.Fatalf("check exit = %d, want 1\nstderr: %s", got.code, got.stderr)
	}
	v := parseVerdict(t, got.stdout)
	if v.Tier != "platform" || v.Conclusion != "failure" {
		t.Errorf("check = tier %q, conclusion %q, want platform, failure", v.Tier, v.Conclusion)
	}
	if s := v.statuses()["tests"]; s != "fail" {
		t.Errorf("check tests gate = %q, want fail", s)
	}
	for _, g := range v.Gates {
		if g.Name == "" || g.Status == "" || g.Reason == "" {
			t.Errorf("check gate %+v: want name, status and reason all set", g)
		}
	}
}

// TestCheckReviewGatesNotChecked asserts end to end that unknown reviews
// neither pass nor fail the local verdict.
func TestCheckReviewGatesNotChecked(t *testing.T) {
	t.Parallel()
	r := newCheckRepo(t, testdata(t, "tiergate.yml"))
	r.write("payments/pay.go", "package payments\n\n// v2\n", "payments/pay_test.go", "package payments\n", "docs/pay.md", "# Pay\n")
	r.commit("change")

	got := tiergate(t, "check", "--repo", r.dir, "--format", "json")
	v := parseVerdict(t, got.stdout)
	for _, gate := range []string{"approvals", "critical_paths/payments"} {
		if s := v.statuses()[gate]; s != "not_checked" {
			t.Errorf("check gate %s = %q, want not_checked", gate, s)
		}
		if reason := v.reason(gate); !strings.Contains(reason, "checked on GitHub") {
			t.Errorf("check gate %s reason = %q, want it to say it is checked on GitHub", gate, reason)
		}
	}
	if got.code != 0 || v.Conclusion != "success" {
		t.Errorf("check = exit %d, conclusion %q, want 0, success", got.code, v.Conclusion)
	}
}

func TestCheckSchema(t *testing.T) {
	got := tiergate(t, "check", "--schema")
	if got.code != 0 || got.stdout != string(rules.VerdictSchema) {
		t.Fatalf("check --schema = %d, %d bytes; want 0 and rules.VerdictSchema", got.code, len(got.stdout))
	}
	if _, err := verdictSchema(); err != nil {
		t.Fatalf("the printed schema does not compile: %v", err)
	}
}
