package evaluator

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/rules"
)

const (
	strictRepoConfig = "version: 1\ntiers:\n  feature:\n    require: {approvals: 3}\n"
	weakRepoConfig   = "version: 1\ntiers:\n  feature:\n    require: {approvals: 0, tests: false}\n"
	orgReportConfig  = "version: 1\nmode: report\n"
)

func TestConfigLoadReadsBaseBranchNotHead(t *testing.T) {
	f := newEvFixture(t)
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(strictRepoConfig))
	f.fake.SetFile(evOwner, evRepo, "feature-1", evCfgPath, []byte(weakRepoConfig))
	f.fake.SetFile(evOwner, evRepo, evHead, evCfgPath, []byte(weakRepoConfig))

	cfg, _, err := f.ev.configs.load(context.Background(), f.gh(t), evOwner, evRepo, "main")
	if err != nil {
		t.Fatalf("load = %v", err)
	}
	if got := cfg.Tiers[rules.TierFeature].Approvals; got != 3 {
		t.Errorf("feature approvals = %d, want 3 from the base branch's file", got)
	}
	for _, r := range f.fake.Requests() {
		if r.Template == "/repos/{owner}/{repo}/contents/{path}" && r.Path == "/repos/acme/widgets/contents/"+evCfgPath && r.Query != "ref=main" {
			t.Errorf("repo config read with query %q, want ref=main", r.Query)
		}
	}
}

// The pull request's own edit of the config cannot loosen its gates.
func TestEvaluateIgnoresConfigOnHead(t *testing.T) {
	f := newEvFixture(t)
	f.failingPR()
	f.fake.SetFile(evOwner, evRepo, evHead, evCfgPath, []byte(weakRepoConfig))
	f.fake.SetFile(evOwner, evRepo, "feature-2", evCfgPath, []byte(weakRepoConfig))
	f.evaluate(t, evJob(2))
	if runs := f.fake.CheckRuns(evOwner, evRepo); len(runs) != 1 || runs[0].Conclusion != "failure" {
		t.Errorf("check runs = %+v, want one failure under the base branch's (default) config", runs)
	}
}

func TestConfigLoadLayersOrgThenRepo(t *testing.T) {
	f := newEvFixture(t)
	f.fake.SetFile(evOwner, ".github", "main", evCfgPath, []byte(orgReportConfig))
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(strictRepoConfig))
	cfg, _, err := f.ev.configs.load(context.Background(), f.gh(t), evOwner, evRepo, "main")
	if err != nil {
		t.Fatalf("load = %v", err)
	}
	if cfg.Mode != rules.ModeReport || cfg.Tiers[rules.TierFeature].Approvals != 3 {
		t.Errorf("load = mode %s, feature approvals %d; want report (org) and 3 (repo)", cfg.Mode, cfg.Tiers[rules.TierFeature].Approvals)
	}
	if len(cfg.Sources) != 2 {
		t.Errorf("Sources = %q, want the org file then the repo file", cfg.Sources)
	}
	for _, r := range f.fake.Requests() {
		if strings.HasPrefix(r.Path, "/repos/acme/.github/contents/") && r.Query != "" {
			t.Errorf("org config read with query %q, want the default branch (no ref)", r.Query)
		}
	}
}

func TestConfigLoadBrokenFileFailsWithLocation(t *testing.T) {
	f := newEvFixture(t)
	f.failingPR()
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte("version: 1\ntiers:\n  feature:\n    require: {approvals: many}\n"))
	f.evaluate(t, evJob(2))
	runs := f.fake.CheckRuns(evOwner, evRepo)
	if len(runs) != 1 || runs[0].Conclusion != "failure" || runs[0].Status != "completed" {
		t.Fatalf("check runs = %+v, want one completed failure", runs)
	}
	if want := "acme/widgets:.github/tiergate.yml:4:"; !strings.Contains(runs[0].Summary, want) {
		t.Errorf("summary = %q, want it to name %q", runs[0].Summary, want)
	}
	if c := f.fake.Comments(evOwner, evRepo, 2); len(c) != 0 {
		t.Errorf("a broken config left %d comments, want 0 (shown on the check run)", len(c))
	}
	if n := f.requestsMatching("GET /repos/{owner}/{repo}/pulls/{pull_number}/files"); n != 0 {
		t.Errorf("files listed %d times under a broken config, want 0", n)
	}
}

func TestConfigLoadTooLargeIsBroken(t *testing.T) {
	f := newEvFixture(t)
	big := "version: 1\n" + strings.Repeat("# padding\n", maxConfigBytes/10+1)
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(big))
	_, _, err := f.ev.configs.load(context.Background(), f.gh(t), evOwner, evRepo, "main")
	var broken *configBrokenError
	if !errors.As(err, &broken) || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("load of a %d-byte file = %v, want a config error about the 1 MiB limit", len(big), err)
	}
}

func TestConfigLoadCaching(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// between runs after the first load and before the second.
		between      func(f *evFixture, clock *time.Time)
		wantRequests int
		wantApproval int
	}{
		{
			name:         "fresh cache makes no request",
			between:      func(*evFixture, *time.Time) {},
			wantRequests: 0, wantApproval: 3,
		},
		{
			name: "ConfigChanged on the repo rereads its file only",
			between: func(f *evFixture, _ *time.Time) {
				f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(weakRepoConfig))
				f.ev.ConfigChanged(evOwner, evRepo)
			},
			wantRequests: 1, wantApproval: 0,
		},
		{
			name: "ConfigChanged on the org repo rereads the org file",
			between: func(f *evFixture, _ *time.Time) {
				f.ev.ConfigChanged(evOwner, ".github")
			},
			wantRequests: 1, wantApproval: 3,
		},
		{
			name: "after the TTL both are revalidated with If-None-Match",
			between: func(f *evFixture, clock *time.Time) {
				*clock = clock.Add(configTTL)
			},
			wantRequests: 2, wantApproval: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			clock := time.Unix(1_700_000_000, 0)
			f.ev.configs.now = func() time.Time { return clock }
			// Both files exist: an absence is never cached (TestConfigLoadNotFoundIsAskedAgain).
			f.fake.SetFile(evOwner, ".github", "main", evCfgPath, []byte("version: 1\n"))
			f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(strictRepoConfig))
			gh := f.gh(t)
			if _, _, err := f.ev.configs.load(ctx, gh, evOwner, evRepo, "main"); err != nil {
				t.Fatal(err)
			}
			tt.between(f, &clock)
			f.fake.ResetRequests()
			cfg, _, err := f.ev.configs.load(ctx, gh, evOwner, evRepo, "main")
			if err != nil {
				t.Fatal(err)
			}
			if got := len(f.fake.Requests()); got != tt.wantRequests {
				t.Errorf("second load made %d requests %v, want %d", got, f.requestLines(), tt.wantRequests)
			}
			if got := cfg.Tiers[rules.TierFeature].Approvals; got != tt.wantApproval {
				t.Errorf("feature approvals = %d, want %d", got, tt.wantApproval)
			}
		})
	}
}

func TestConfigRevalidationUses304(t *testing.T) {
	f := newEvFixture(t)
	clock := time.Unix(1_700_000_000, 0)
	f.ev.configs.now = func() time.Time { return clock }
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(strictRepoConfig))
	ctx, gh := context.Background(), f.gh(t)
	if _, _, err := f.ev.configs.load(ctx, gh, evOwner, evRepo, "main"); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(configTTL + time.Second)
	f.fake.ResetRequests()
	if _, _, err := f.ev.configs.load(ctx, gh, evOwner, evRepo, "main"); err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for _, r := range f.fake.Requests() {
		if strings.HasPrefix(r.Path, "/repos/acme/widgets/contents/") {
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) != 1 || statuses[0] != 304 {
		t.Errorf("revalidation statuses = %v, want [304]", statuses)
	}
}

func TestConfigLoadAPIErrorIsNotDefaults(t *testing.T) {
	f := newEvFixture(t)
	f.fake.FailNext("GET", "/repos/{owner}/{repo}/contents/{path}", 10, 500)
	cfg, _, err := f.ev.configs.load(context.Background(), f.gh(t), evOwner, evRepo, "main")
	var broken *configBrokenError
	if err == nil || errors.As(err, &broken) {
		t.Errorf("load with the contents API failing = (%v, %v), want a plain error to retry", cfg, err)
	}
}

func TestDecodeContent(t *testing.T) {
	tests := []struct {
		name, raw   string
		wantData    string
		wantProblem string
	}{
		{"file", `{"type":"file","encoding":"base64","size":11,"content":"dmVyc2lv\nbjogMQo="}`, "version: 1\n", ""},
		{"over 1 MiB", `{"type":"file","encoding":"none","size":2000000,"content":""}`, "", "is 2000000 bytes; config files must be at most 1 MiB"},
		{"directory", `[{"type":"file","name":"a"}]`, "", "is a directory, not a file"},
		{"symlink", `{"type":"symlink","target":"x"}`, "", "is a symlink, not a file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, _, problem := decodeContent(json.RawMessage(tt.raw))
			if string(data) != tt.wantData || problem != tt.wantProblem {
				t.Errorf("decodeContent(%s) = %q, %q; want %q, %q", tt.raw, data, problem, tt.wantData, tt.wantProblem)
			}
		})
	}
}
