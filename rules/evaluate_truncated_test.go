package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// manyFiles lists n files under dir, none of them source.
func manyFiles(dir string, n int) []ChangedFile {
	out := make([]ChangedFile, n)
	for i := range out {
		out[i] = ChangedFile{Path: fmt.Sprintf("%s/f%04d.json", dir, i), Status: FileModified, Additions: 1}
	}
	return out
}

// TestEvaluateTruncatedTouchesEveryCriticalPath: when GitHub's list is
// incomplete, an unlisted file may touch any critical path, so each counts
// as touched: its min_tier, approvals and team gate apply.
func TestEvaluateTruncatedTouchesEveryCriticalPath(t *testing.T) {
	const why = "GitHub listed only 3,000 of 3,500 files, so every critical path is treated as touched"
	tests := []struct {
		name           string
		pr             func(*PullRequest)
		wantTier       Tier
		wantConclusion Conclusion
		wantGates      map[string]Status
		reasonHas      []string // substrings of TierReason
		warningHas     string
	}{
		{
			name: "padded experiment is raised to the critical path's tier",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/experiment")
				pr.Files, pr.ChangedFiles, pr.FilesTruncated = manyFiles("gen", 3000), 3500, true
			},
			wantTier:       TierPlatform,
			wantConclusion: ConclusionFailure,
			wantGates: map[string]Status{
				GateApprovals: StatusFail, GateCriticalPrefix + "payments": StatusFail,
				GateMaxChangedLines: StatusFail,
			},
			reasonHas:  []string{`raised from experiment to platform for critical path "payments" because ` + why},
			warningHas: why,
		},
		{
			name: "approvals follow the critical path's count and team",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/experiment")
				pr.Files, pr.ChangedFiles, pr.FilesTruncated = manyFiles("gen", 3000), 3500, true
				pr.Reviews = []Review{approve("alice")}
			},
			wantTier:       TierPlatform,
			wantConclusion: ConclusionFailure,
			wantGates:      map[string]Status{GateApprovals: StatusFail, GateCriticalPrefix + "payments": StatusFail},
			reasonHas:      []string{why},
		},
		{
			name: "a listed file touching the path is named instead",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/experiment")
				pr.Files = append(manyFiles("gen", 2999), ChangedFile{Path: "payments/charge.go", Status: FileModified})
				pr.ChangedFiles, pr.FilesTruncated = 3500, true
			},
			wantTier:       TierPlatform,
			wantConclusion: ConclusionFailure,
			wantGates:      map[string]Status{GateCriticalPrefix + "payments": StatusFail},
			reasonHas:      []string{`because payments/charge.go touches critical path "payments"`},
		},
		{
			name: "total unknown still says why",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/experiment")
				pr.Files, pr.FilesTruncated = manyFiles("gen", 3000), true
			},
			wantTier:       TierPlatform,
			wantConclusion: ConclusionFailure,
			wantGates:      map[string]Status{GateCriticalPrefix + "payments": StatusFail},
			reasonHas:      []string{"GitHub listed only 3,000 files and the list is incomplete, so every critical path is treated as touched"},
		},
		{
			name: "complete list leaves untouched paths alone",
			pr: func(pr *PullRequest) {
				pr.Labels = labels("tier/experiment")
				pr.Files, pr.ChangedFiles = manyFiles("gen", 3000), 3000
			},
			wantTier:       TierExperiment,
			wantConclusion: ConclusionSuccess,
			wantGates:      map[string]Status{GateApprovals: StatusNotRequired},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr := basePR()
			tt.pr(&pr)
			r := Evaluate(exampleConfig(), pr)
			if r.Tier != tt.wantTier || r.Conclusion != tt.wantConclusion {
				t.Errorf("Evaluate(...) = %s %s, want %s %s (%s)", r.Tier, r.Conclusion, tt.wantTier, tt.wantConclusion, r.TierReason)
			}
			for name, want := range tt.wantGates {
				if g := gateOf(t, r, name); g.Status != want {
					t.Errorf("gate %s = %s (%s), want %s", name, g.Status, g.Reason, want)
				}
			}
			if _, ok := tt.wantGates[GateCriticalPrefix+"payments"]; !ok {
				for _, g := range r.Gates {
					if g.Name == GateCriticalPrefix+"payments" {
						t.Errorf("gate %s present (%s), want none", g.Name, g.Reason)
					}
				}
			}
			for _, s := range tt.reasonHas {
				if !strings.Contains(r.TierReason.String(), s) {
					t.Errorf("TierReason = %q, want it to contain %q", r.TierReason, s)
				}
			}
			if tt.warningHas != "" && !strings.Contains(joinMessages(r.Warnings), tt.warningHas) {
				t.Errorf("Warnings = %q, want one containing %q", r.Warnings, tt.warningHas)
			}
		})
	}
}

func TestTouchedCriticalPaths(t *testing.T) {
	cfg := exampleConfig()
	cfg.CriticalPaths = append(cfg.CriticalPaths, CriticalPath{Name: "auth", Paths: MustCompileGlobs("auth/**")})
	names := func(cps []CriticalPath) []string {
		var out []string
		for _, cp := range cps {
			out = append(out, cp.Name)
		}
		return out
	}
	tests := []struct {
		name string
		pr   PullRequest
		want []string
	}{
		{"none touched", PullRequest{Files: files("a.go")}, nil},
		{"by a listed file", PullRequest{Files: files("auth/login.go")}, []string{"auth"}},
		{"by a rename's old name", PullRequest{Files: []ChangedFile{{Path: "x.go", PreviousPath: "billing/x.go", Status: FileRenamed}}}, []string{"payments"}},
		{"all when truncated", PullRequest{Files: files("a.go"), FilesTruncated: true}, []string{"payments", "auth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, names(TouchedCriticalPaths(cfg, tt.pr))); diff != "" {
				t.Errorf("TouchedCriticalPaths(...) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 3000: "3,000", 1234567: "1,234,567", -3500: "-3,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
