package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func compileVerdictSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(VerdictSchema))
	if err != nil {
		t.Fatalf("verdict.schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("verdict.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("verdict.schema.json")
	if err != nil {
		t.Fatalf("verdict.schema.json does not compile: %v", err)
	}
	return s
}

func validateVerdict(t *testing.T, s *jsonschema.Schema, out []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return s.Validate(v)
}

// verdictsUnderTest are verdicts of every shape the engine produces.
func verdictsUnderTest() map[string]Result {
	out := renderCases()
	out["hostile"] = hostileResult("@acme/admins\n<b>")
	truncated := basePR()
	truncated.Files = files("a.go")
	truncated.FilesTruncated, truncated.ChangedFiles = true, 3500
	out["truncated"] = Evaluate(exampleConfig(), truncated)
	out["empty"] = Evaluate(exampleConfig(), basePR())
	renamed := basePR()
	renamed.Files = []ChangedFile{{Path: "build.sh", PreviousPath: "payments/build.sh", Status: FileRenamed}}
	out["renamed_out"] = Evaluate(exampleConfig(), renamed)
	// Required checks: pending in report mode, and failed checks
	// overridden while another still runs.
	report := checksConfig()
	report.Mode = ModeReport
	out["checks_report_pending"] = Evaluate(report, platformPR(checkRun("build", "github-actions", CheckQueued, "", t0)))
	overridden := platformPR(checkRun("build", "github-actions", CheckCompleted, CheckFailure, t0),
		commitStatus("security/scan", "ci-bot", "pending", t0))
	overridden.Labels = append(overridden.Labels, labels("tiergate/override@carol")...)
	out["checks_overridden_pending"] = Evaluate(checksConfig(), overridden)
	return out
}

func TestJSONMatchesVerdictSchema(t *testing.T) {
	s := compileVerdictSchema(t)
	for name, res := range verdictsUnderTest() {
		t.Run(name, func(t *testing.T) {
			out, err := JSON(res)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateVerdict(t, s, out); err != nil {
				t.Errorf("JSON(%s) does not match the schema: %v\n%s", name, err, out)
			}
		})
	}
	for _, kind := range []string{ErrorUsage, ErrorGit, ErrorConfig, ErrorGitHub, ErrorInternal} {
		if err := validateVerdict(t, s, JSONError(kind, "something failed")); err != nil {
			t.Errorf("JSONError(%s) does not match the schema: %v", kind, err)
		}
	}
}

// TestVerdictSchemaRejects shows the schema test can fail: outputs that break
// the contract are refused.
func TestVerdictSchemaRejects(t *testing.T) {
	s := compileVerdictSchema(t)
	good, err := JSON(renderCases()["failing_platform"])
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(m map[string]any){
		"no schema_version": func(m map[string]any) { delete(m, "schema_version") },
		"version 2":         func(m map[string]any) { m["schema_version"] = 2 },
		"empty tier":        func(m map[string]any) { m["tier"] = "" },
		"unknown status":    func(m map[string]any) { m["gates"].([]any)[0].(map[string]any)["status"] = "passed" },
		"null gates":        func(m map[string]any) { m["gates"] = nil },
		"figure as string":  func(m map[string]any) { m["change"].(map[string]any)["files"] = "3" },
	}
	for name, mutate := range tests {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		bad, _ := json.Marshal(m)
		if err := validateVerdict(t, s, bad); err == nil {
			t.Errorf("%s: the schema accepted %s", name, bad)
		}
	}
	// The checks figure holds its shape too.
	pending, err := JSON(renderCases()["pending_platform"])
	if err != nil {
		t.Fatal(err)
	}
	checksFigure := func(m map[string]any) map[string]any {
		for _, g := range m["gates"].([]any) {
			if g.(map[string]any)["name"] == GateChecks {
				return g.(map[string]any)["checks"].(map[string]any)
			}
		}
		t.Fatal("no checks gate")
		return nil
	}
	for name, mutate := range map[string]func(m map[string]any){
		"unknown conclusion": func(m map[string]any) { m["conclusion"] = "waiting" },
		"match of a kind": func(m map[string]any) {
			checksFigure(m)["required"].([]any)[0].(map[string]any)["matches"].([]any)[0].(map[string]any)["kind"] = "app"
		},
		"no deadline key": func(m map[string]any) { delete(checksFigure(m), "deadline") },
		"timeout in text": func(m map[string]any) { checksFigure(m)["timeout_seconds"] = "2h" },
	} {
		var m map[string]any
		if err := json.Unmarshal(pending, &m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		bad, _ := json.Marshal(m)
		if err := validateVerdict(t, s, bad); err == nil {
			t.Errorf("%s: the schema accepted %s", name, bad)
		}
	}
	if err := validateVerdict(t, s, []byte(`{"schema_version": 1, "error": {"kind": "git"}}`)); err == nil {
		t.Error("the schema accepted an error object without a message")
	}
}

func TestJSONFigures(t *testing.T) {
	var got struct {
		Tier   *string `json:"tier"`
		Change *struct {
			Files, Additions, Deletions, ChangedLines int
		} `json:"change"`
		CriticalPaths []struct {
			Name  string
			Files []struct {
				Path         string  `json:"path"`
				PreviousPath *string `json:"previous_path"`
				MatchedBy    string  `json:"matched_by"`
			}
		} `json:"critical_paths"`
		Gates []struct {
			Name      string
			Approvals *struct{ Required, Counted int } `json:"approvals"`
			Size      *struct {
				Limit        *int `json:"limit"`
				ChangedLines int  `json:"changed_lines"`
			} `json:"size"`
		} `json:"gates"`
		Labels []struct {
			Name, Role string
			Decided    bool
		} `json:"labels"`
		Overrides []struct{ Label, Status string } `json:"overrides"`
	}
	b, _ := JSON(renderCases()["failing_platform"])
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Tier == nil || *got.Tier != "platform" || got.Change == nil || got.Change.Files != 3 || got.Change.Additions != 30 || got.Change.Deletions != 6 {
		t.Errorf("tier and change = %v %+v, want platform, 3 files, +30 -6", got.Tier, got.Change)
	}
	if len(got.CriticalPaths) != 1 || got.CriticalPaths[0].Name != "payments" || got.CriticalPaths[0].Files[0].Path != "payments/charge.go" {
		t.Errorf("critical_paths = %+v, want payments touched by payments/charge.go", got.CriticalPaths)
	}
	for _, g := range got.Gates {
		switch g.Name {
		case GateApprovals:
			if g.Approvals == nil || g.Approvals.Required != 2 || g.Approvals.Counted != 1 {
				t.Errorf("approvals figures = %+v, want 2 required, 1 counted", g.Approvals)
			}
		case GateMaxChangedLines:
			if g.Size == nil || g.Size.Limit == nil || *g.Size.Limit != 800 || g.Size.ChangedLines != 36 {
				t.Errorf("size figures = %+v, want limit 800, 36 lines", g.Size)
			}
		}
	}
	if len(got.Labels) != 3 || got.Labels[0].Role != "tier" || !got.Labels[0].Decided || got.Labels[1].Role != "override" {
		t.Errorf("labels = %+v, want the tier label (decided) and two override labels", got.Labels)
	}
	if len(got.Overrides) != 2 || got.Overrides[0].Status != "ignored" || got.Overrides[1].Status != "not_needed" {
		t.Errorf("overrides = %+v, want ignored (the author's) and not_needed (docs passes)", got.Overrides)
	}

	// A config error has no tier: null, not "".
	b, _ = JSON(ConfigFailure(errors.New("x.yml:1:1: broken")))
	if !strings.Contains(string(b), `"tier": null`) || !strings.Contains(string(b), `"change": null`) {
		t.Errorf("config failure JSON wants tier and change null:\n%s", b)
	}
}

func TestRenamedOutOfCriticalPathNamedByOldName(t *testing.T) {
	res := verdictsUnderTest()["renamed_out"]
	reason := res.TierReason.String()
	if !strings.Contains(reason, "payments/build.sh (renamed to build.sh) touches critical path") {
		t.Errorf("TierReason = %q, want the old name, in the critical path, named first", reason)
	}
	if len(res.CriticalPaths) != 1 || len(res.CriticalPaths[0].Files) != 1 || !res.CriticalPaths[0].Files[0].ByPreviousPath {
		t.Errorf("CriticalPaths = %+v, want payments touched by the old name", res.CriticalPaths)
	}
}

// TestVerdictSchemaRejectsApprovalFields: the fields issue 10 added are
// held to the schema too.
func TestVerdictSchemaRejectsApprovalFields(t *testing.T) {
	s := compileVerdictSchema(t)
	review := func(m map[string]any, i int) map[string]any {
		for _, g := range m["gates"].([]any) {
			if a, ok := g.(map[string]any)["approvals"].(map[string]any); ok {
				return a["reviews"].([]any)[i].(map[string]any)
			}
		}
		t.Fatal("no approvals gate")
		return nil
	}
	tests := []struct {
		name, verdict string
		mutate        func(m map[string]any)
	}{
		{"unknown comparison outcome", "approvals_after_rebase", func(m map[string]any) {
			review(m, 1)["compared_with_head"].(map[string]any)["outcome"] = "similar"
		}},
		{"comparison without file", "approvals_after_rebase", func(m map[string]any) {
			delete(review(m, 1)["compared_with_head"].(map[string]any), "file")
		}},
		{"unknown approved_at status", "local_approved_at", func(m map[string]any) {
			m["approved_at"].(map[string]any)["status"] = "fresh"
		}},
		{"approved_at without commit", "local_approved_at", func(m map[string]any) {
			delete(m["approved_at"].(map[string]any), "commit")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good, err := JSON(renderCases()[tt.verdict])
			if err != nil {
				t.Fatal(err)
			}
			if err := validateVerdict(t, s, good); err != nil {
				t.Fatalf("the unmodified %s verdict does not validate: %v", tt.verdict, err)
			}
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			tt.mutate(m)
			bad, _ := json.Marshal(m)
			if err := validateVerdict(t, s, bad); err == nil {
				t.Errorf("the schema accepted %s", bad)
			}
		})
	}
}
