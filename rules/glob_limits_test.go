package rules

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// hostileGlob is the glob from the fail-closed issue: 150 bytes whose braces
// expand to 4^10 alternatives; doublestar took 2.2 s per match on it.
var hostileGlob = strings.Repeat("**/{a,a*,*a,*}/", 10)

func TestParseRejectsHostileGlobWithPosition(t *testing.T) {
	data := "version: 1\ncritical_paths:\n  - name: payments\n    paths: [\"payments/**\", \"" + hostileGlob + "\"]\n"
	_, err := Parse("tiergate.yml", []byte(data))
	errs, ok := err.(ConfigErrors)
	if !ok || len(errs) != 1 {
		t.Fatalf("Parse(hostile glob) = %v, want one ConfigError", err)
	}
	// The glob is 150 bytes; messages quote 60 characters of it.
	want := "tiergate.yml:4:28: critical_paths[0].paths: glob \"" + hostileGlob[:60] + "…\" (150 bytes): glob's braces expand to more than 32 alternatives"
	if got := errs[0].Error(); !strings.HasPrefix(got, want) {
		t.Errorf("Parse(hostile glob) = %q, want it to start %q", got, want)
	}
}

// TestGlobLimits checks each limit at its value (accepted) and one past it
// (refused, naming the limit).
func TestGlobLimits(t *testing.T) {
	tests := []struct {
		name    string
		at, ove string
		want    string
	}{
		{"length", strings.Repeat("a", MaxGlobLength), strings.Repeat("a", MaxGlobLength+1), "257 bytes long"},
		{"alternatives", "{a,b}/{a,b}/{a,b}/{a,b}/{a,b}", "{a,b}/{a,b}/{a,b}/{a,b}/{a,b,c}", "more than 32 alternatives"},
		{"alternatives nested", "{a,{b,c,d,e,f,g,h}}/{a,b,c,d}", "{a,{b,c,d,e,f,g,h,i}}/{a,b,c,d}", "more than 32 alternatives"},
		{"brace depth", "{a,{b,{c,d}}}", "{a,{b,{c,{d,e}}}}", "nests braces 4 deep"},
		{"double stars", "**/a/**/b/**/c/**/d", "**/a/**/b/**/c/**/d/**", "5 \"**\""},
		{"wildcards", strings.Repeat("*a", 16), strings.Repeat("*a", 16) + "?", "17 wildcards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := CompileGlobs([]string{tt.at}); err != nil {
				t.Errorf("CompileGlobs(%q) = %v, want it accepted", tt.at, err)
			}
			_, err := CompileGlobs([]string{tt.ove})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CompileGlobs(%q) = %v, want an error containing %q", tt.ove, err, tt.want)
			}
		})
	}
	if _, err := CompileGlobs([]string{hostileGlob}); err == nil {
		t.Errorf("CompileGlobs(hostile glob) = nil error, want it refused")
	}
}

// worstCaseGlob is the costliest accepted glob found: every '*' and literal
// stays a live state against a long run of a's.
var worstCaseGlob = "**/" + strings.Repeat("*a", 15) + strings.Repeat("a", MaxGlobLength-3-30)

// TestWorstCaseGlobSteps counts the steps the worst accepted globs take on
// 4 KiB paths and holds them to the stated bound.
func TestWorstCaseGlobSteps(t *testing.T) {
	paths := map[string]string{
		"one segment": strings.Repeat("a", 4096),
		"no match":    strings.Repeat("a", 4095) + "b",
		"segments":    strings.Repeat("a/", 2048),
	}
	for _, p := range []string{worstCaseGlob, "*" + strings.Repeat("a", MaxGlobLength-1), strings.Repeat("{*a,*b}", 5) + strings.Repeat("a", MaxGlobLength-35)} {
		g, err := CompileGlobs([]string{p})
		if err != nil {
			t.Fatalf("CompileGlobs(%.20q...) = %v", p, err)
		}
		for name, path := range paths {
			steps := GlobStepsPerByte * len(path)
			ok, undecided := g.match(path, &steps)
			used := GlobStepsPerByte*len(path) - steps
			t.Logf("%.20q... on %s: %d steps, matched %v", p, name, used, ok)
			if undecided != "" {
				t.Errorf("%.20q... on %s: undecided within %d steps", p, name, GlobStepsPerByte*len(path))
			}
		}
	}
	// The worst glob does cost about a million steps: the bound is not slack
	// by orders of magnitude, and the budget test below relies on it.
	steps := 1 << 30
	compileProg(worstCaseGlob).match(strings.Repeat("a", 4096), &steps)
	if used := 1<<30 - steps; used < 1_000_000 {
		t.Errorf("worst-case glob took %d steps on a 4 KiB path, want over 1,000,000", used)
	}
}

// TestEvaluateGlobBudgetFailsClosed spends the evaluation's glob budget and
// checks the undecided globs land on the strict side, with warnings.
func TestEvaluateGlobBudgetFailsClosed(t *testing.T) {
	cfg := exampleConfig()
	cfg.CriticalPaths = append(cfg.CriticalPaths, CriticalPath{Name: "deep", Paths: MustCompileGlobs(worstCaseGlob), MinTier: TierPlatform})
	cfg.Paths.Tests = MustCompileGlobs("**/" + strings.Repeat("*a", 14) + "*_test.go")
	pr := basePR()
	pr.Labels = labels("tier/experiment")
	// Each file costs the critical glob about a million steps, so the budget
	// runs out after about twenty. No path touches the critical path (its
	// glob wants a name ending in "a"); every path is a test.
	n := EvaluateGlobSteps/1_000_000 + 5
	for i := range n {
		pr.Files = append(pr.Files, ChangedFile{Path: fmt.Sprintf("%s%04d_test.go", strings.Repeat("a", 4000), i), Status: FileModified, Additions: 1})
	}
	res := Evaluate(cfg, pr)
	if res.Tier != TierPlatform {
		t.Errorf("Evaluate(...).Tier = %s, want platform: an undecided critical glob counts as touched", res.Tier)
	}
	var warnings []string
	for _, w := range res.Warnings {
		if strings.Contains(w.String(), "could not be decided") {
			warnings = append(warnings, w.String())
		}
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], `critical path "deep"`) || !strings.Contains(warnings[0], "counted as matching") ||
		!strings.Contains(warnings[1], "paths.tests") || !strings.Contains(warnings[1], "not counted as matching") {
		t.Errorf("Evaluate(...).Warnings = %q, want one for the critical path (counted as matching) and one for paths.tests (not counted)", warnings)
	}
}

// TestGlobJudgeFailsClosed checks both directions with the budget spent: a
// glob that would match is not believed when matching is the lenient answer
// (tests, docs), and one that would not match is assumed to where matching
// is the strict answer (critical paths, source).
func TestGlobJudgeFailsClosed(t *testing.T) {
	g := MustCompileGlobs("src/**/test/*.go")
	for _, tt := range []struct {
		path       string
		failClosed bool
		want       bool
	}{
		{"src/a/test/x.go", false, false},
		{"src/a/test/x.gox", true, true}, // passes the literal prefilter
	} {
		j := globJudge{steps: 0}
		if got := j.match(g, tt.path, "list", false, tt.failClosed); got != tt.want {
			t.Errorf("globJudge{steps: 0}.match(%q, failClosed %v) = %v, want %v", tt.path, tt.failClosed, got, tt.want)
		}
		j = globJudge{steps: EvaluateGlobSteps}
		if got, _ := g.match(tt.path, nil); j.match(g, tt.path, "list", false, tt.failClosed) != got || len(j.warnings) != 0 {
			t.Errorf("globJudge with budget disagrees with Match(%q) or warns %q", tt.path, j.warnings)
		}
	}
}

// BenchmarkWorstCaseGlob matches the costliest accepted glob against a
// 4 KiB path; the steps are reported alongside the time.
func BenchmarkWorstCaseGlob(b *testing.B) {
	prog := compileProg(worstCaseGlob)
	path := strings.Repeat("a", 4096)
	var used int
	for b.Loop() {
		steps := 1 << 30
		prog.match(path, &steps)
		used = 1<<30 - steps
	}
	b.ReportMetric(float64(used), "steps/op")
}

// TestSchemaGlobMaxLength keeps schema.json's maxLength for a glob equal to
// MaxGlobLength (the other limits are in its description).
func TestSchemaGlobMaxLength(t *testing.T) {
	var s struct {
		Defs struct {
			Glob struct {
				MaxLength int `json:"maxLength"`
			} `json:"glob"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema, &s); err != nil {
		t.Fatal(err)
	}
	if s.Defs.Glob.MaxLength != MaxGlobLength {
		t.Errorf("schema.json $defs.glob.maxLength = %d, want MaxGlobLength %d", s.Defs.Glob.MaxLength, MaxGlobLength)
	}
}
