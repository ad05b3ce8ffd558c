package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckApprovedAt: --approved-at says whether an approval given on a
// commit would still count at the head, in one more line of text and a
// field of JSON, and never changes the exit status.
func TestCheckApprovedAt(t *testing.T) {
	const (
		change   = "package svc\n\nfunc A() int { return 2 }\n"
		testFile = "package svc\n\n// tested\n"
	)
	tests := []struct {
		name string
		// build leaves topic at the head and returns the approved commit.
		build      func(r *testRepo) string
		args       []string
		wantCode   int
		wantLine   string // the text output's last line; <sha> is the approved commit's
		wantStatus string
		wantFile   string
	}{
		{
			name: "rebased onto a moved base: kept",
			build: func(r *testRepo) string {
				r.write("svc/a.go", change, "svc/a_test.go", testFile)
				approved := r.commit("change")
				r.git("checkout", "-q", "main")
				r.write("docs/more.md", "# More\n")
				r.commit("main moves on")
				r.git("checkout", "-q", "topic")
				r.git("rebase", "-q", "main")
				return approved
			},
			wantLine: "approval at <sha>: kept", wantStatus: "kept",
		},
		{
			name: "merged from the base: kept",
			build: func(r *testRepo) string {
				r.write("svc/a.go", change, "svc/a_test.go", testFile)
				approved := r.commit("change")
				r.git("checkout", "-q", "main")
				r.write("docs/more.md", "# More\n")
				r.commit("main moves on")
				r.git("checkout", "-q", "topic")
				r.git("merge", "-q", "--no-edit", "main")
				return approved
			},
			wantLine: "approval at <sha>: kept", wantStatus: "kept",
		},
		{
			name: "a change pushed since: stale, naming the file",
			build: func(r *testRepo) string {
				r.write("svc/a.go", change, "svc/a_test.go", testFile)
				approved := r.commit("change")
				r.write("svc/a.go", change+"\n// and more\n")
				r.commit("more")
				return approved
			},
			wantLine: "approval at <sha>: stale (the change differs: svc/a.go)", wantStatus: "stale", wantFile: "svc/a.go",
		},
		{
			// The same edit with the same context lines, made elsewhere in
			// the file, without a rebase: the same pre-image, another place.
			name: "an identical edit moved elsewhere in the file: stale",
			build: func(r *testRepo) string {
				r.write("deploy/auth.toml", envFile("true", "true"))
				r.commit("auth config")
				r.write("deploy/auth.toml", envFile("false", "true"))
				approved := r.commit("staging: no MFA")
				r.write("deploy/auth.toml", envFile("true", "false"))
				r.commit("production: no MFA")
				return approved
			},
			wantLine: "approval at <sha>: stale (the change differs: deploy/auth.toml)", wantStatus: "stale", wantFile: "deploy/auth.toml",
		},
		{
			// core.abbrev=4 would print blob names too short to tell the
			// pre-images apart; --full-index pins them.
			name: "rebased onto a base that changed the file, core.abbrev=4: kept",
			build: func(r *testRepo) string {
				r.git("config", "core.abbrev", "4")
				lines := func(first, last string) string {
					var b strings.Builder
					for i := 1; i <= 30; i++ {
						switch i {
						case 3:
							b.WriteString(first + "\n")
						case 28:
							b.WriteString(last + "\n")
						default:
							fmt.Fprintf(&b, "line %d\n", i)
						}
					}
					return b.String()
				}
				r.git("checkout", "-q", "main")
				r.write("docs/notes.md", lines("line 3", "line 28"))
				r.commit("notes")
				r.git("checkout", "-q", "topic")
				r.git("rebase", "-q", "main")
				r.write("svc/a.go", change, "svc/a_test.go", testFile, "docs/notes.md", lines("topic 3", "line 28"))
				approved := r.commit("change")
				r.git("checkout", "-q", "main")
				r.write("docs/notes.md", lines("line 3", "main 28"))
				r.commit("main edits the notes further down")
				r.git("checkout", "-q", "topic")
				r.git("rebase", "-q", "main")
				return approved
			},
			wantLine: "approval at <sha>: kept", wantStatus: "kept",
		},
		{
			name: "a binary file cannot be compared: stale",
			build: func(r *testRepo) string {
				r.write("svc/a.go", change, "svc/a_test.go", testFile, "docs/logo.png", "\x89PNG\x00\x01")
				approved := r.commit("change")
				r.git("commit", "-q", "--amend", "-m", "reworded")
				return approved
			},
			wantLine:   "approval at <sha>: stale (the change to docs/logo.png cannot be compared: it is a binary file)",
			wantStatus: "stale", wantFile: "docs/logo.png",
		},
		{
			name: "the head itself counts",
			build: func(r *testRepo) string {
				r.write("svc/a.go", change, "svc/a_test.go", testFile)
				return r.commit("change")
			},
			wantLine: "approval at <sha>: counted (given on the head)", wantStatus: "counted",
		},
		{
			name: "a failing verdict keeps its exit status",
			build: func(r *testRepo) string {
				r.write("svc/a.go", change)
				approved := r.commit("change without a test")
				r.git("commit", "-q", "--amend", "-m", "reworded")
				return approved
			},
			wantCode: 1, wantLine: "approval at <sha>: kept", wantStatus: "kept",
		},
		{
			name: "keep_on_same_diff off: stale",
			build: func(r *testRepo) string {
				r.write("svc/a.go", change, "svc/a_test.go", testFile)
				approved := r.commit("change")
				r.git("commit", "-q", "--amend", "-m", "reworded")
				return approved
			},
			args:     []string{"--config", "strict.yml"},
			wantLine: "approval at <sha>: stale (approvals.keep_on_same_diff is off, so only approvals of the head count)", wantStatus: "stale",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newCheckRepo(t, testdata(t, "tiergate.yml"))
			approved := tt.build(r)
			args := append([]string{"check", "--repo", r.dir, "--base", "main", "--approved-at", approved}, tt.args...)
			for i, a := range args {
				if a == "strict.yml" {
					args[i] = filepath.Join(t.TempDir(), "strict.yml")
					if err := os.WriteFile(args[i], []byte(testdata(t, "tiergate.yml")+"approvals: {keep_on_same_diff: false}\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}

			text := tiergate(t, args...)
			if text.code != tt.wantCode {
				t.Fatalf("tiergate %v exit = %d, want %d\n%s%s", args, text.code, tt.wantCode, text.stdout, text.stderr)
			}
			lines := strings.Split(strings.TrimRight(text.stdout, "\n"), "\n")
			want := strings.ReplaceAll(tt.wantLine, "<sha>", approved[:7])
			if last := lines[len(lines)-1]; last != want {
				t.Errorf("text output ends %q, want %q\n%s", last, want, text.stdout)
			}

			js := tiergate(t, append(args, "--format", "json")...)
			if js.code != tt.wantCode {
				t.Errorf("json exit = %d, want %d", js.code, tt.wantCode)
			}
			var got struct {
				ApprovedAt *struct {
					Commit, Status, Reason string
					File                   *string
				} `json:"approved_at"`
			}
			if err := json.Unmarshal([]byte(js.stdout), &got); err != nil {
				t.Fatalf("json output: %v\n%s", err, js.stdout)
			}
			a := got.ApprovedAt
			if a == nil || a.Commit != approved || a.Status != tt.wantStatus || (a.File == nil) != (tt.wantFile == "") ||
				(a.File != nil && *a.File != tt.wantFile) {
				t.Errorf("approved_at = %+v, want commit %s, status %s, file %q", a, approved, tt.wantStatus, tt.wantFile)
			}
		})
	}
}

func TestCheckApprovedAtUnknownCommit(t *testing.T) {
	t.Parallel()
	r := newCheckRepo(t, testdata(t, "tiergate.yml"))
	r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n")
	r.commit("change")
	got := tiergate(t, "check", "--repo", r.dir, "--base", "main", "--approved-at", "no-such-commit")
	if got.code != 2 || !strings.Contains(got.stderr, `--approved-at: unknown revision "no-such-commit"`) {
		t.Errorf("check --approved-at no-such-commit = exit %d, stderr %q; want 2 naming the revision", got.code, got.stderr)
	}
}

// envFile is a config file with two environments whose settings read
// alike: every 7-line window around require_mfa is the same in both.
func envFile(stagingMFA, productionMFA string) string {
	block := func(env, mfa string) string {
		return "[env." + env + "]\n# access\nlog_level = info\ntimeout = 30\nallow_anonymous = false\n" +
			"require_mfa = " + mfa + "\naudit = true\nretention = 30\nbackups = on\n\n"
	}
	return block("staging", stagingMFA) + block("production", productionMFA)
}
