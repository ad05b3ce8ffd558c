package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCheckErrors covers calls that cannot produce a verdict: exit 2 and a
// message on stderr naming the problem; on stdout, nothing in text and one
// JSON error object of the right kind with --format json.
func TestCheckErrors(t *testing.T) {
	r := newCheckRepo(t, testdata(t, "tiergate.yml"))
	r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n")
	r.commit("change")
	notRepo := t.TempDir()
	dirConfig := newCheckRepo(t, "")
	dirConfig.write(repoConfigPath+"/oops.yml", "version: 1\n")
	dirConfig.commit("config path is a directory")

	tests := []struct {
		name       string
		args       []string
		wantStderr string
		wantKind   string // with --format json
	}{
		{name: "bad base ref", args: []string{"--repo", r.dir, "--base", "no-such-branch"}, wantStderr: `unknown revision "no-such-branch"`, wantKind: "git"},
		{name: "bad head ref", args: []string{"--repo", r.dir, "--base", "main", "--head", "v9.9.9"}, wantStderr: `unknown revision "v9.9.9"`, wantKind: "git"},
		{name: "not a git repository", args: []string{"--repo", notRepo}, wantStderr: "not a git repository", wantKind: "git"},
		{name: "missing directory", args: []string{"--repo", filepath.Join(notRepo, "gone")}, wantStderr: "cannot change to", wantKind: "git"},
		{name: "unknown flag", args: []string{"--repo", r.dir, "--colour"}, wantStderr: "flag provided but not defined: -colour", wantKind: "usage"},
		{name: "stray argument", args: []string{"--repo", r.dir, "main"}, wantStderr: `unexpected argument "main"`, wantKind: "usage"},
		{name: "two config sources", args: []string{"--repo", r.dir, "--config", "x.yml", "--config-from-worktree"}, wantStderr: "cannot be used together", wantKind: "usage"},
		{name: "missing config file", args: []string{"--repo", r.dir, "--config", filepath.Join(notRepo, "x.yml")}, wantStderr: "x.yml does not exist", wantKind: "usage"},
		{name: "missing org config file", args: []string{"--repo", r.dir, "--org-config", filepath.Join(notRepo, "org.yml")}, wantStderr: "org.yml does not exist", wantKind: "usage"},
		{name: "unreadable config file", args: []string{"--repo", r.dir, "--config", notRepo}, wantStderr: "reading config", wantKind: "config"},
		{name: "unreadable org config file", args: []string{"--repo", r.dir, "--org-config", notRepo}, wantStderr: "reading config", wantKind: "config"},
		{name: "config at base is a directory", args: []string{"--repo", dirConfig.dir, "--base", "topic"}, wantStderr: "not a file", wantKind: "config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []string{"text", "json"} {
				args := append([]string{"check", "--format", format}, tt.args...)
				got := tiergate(t, args...)
				if got.code != 2 {
					t.Errorf("tiergate %v exit = %d, want 2", args, got.code)
				}
				if !strings.Contains(got.stderr, tt.wantStderr) {
					t.Errorf("tiergate %v stderr = %q, want it to contain %q", args, got.stderr, tt.wantStderr)
				}
				switch format {
				case "text":
					if got.stdout != "" {
						t.Errorf("tiergate %v stdout = %q, want nothing", args, got.stdout)
					}
				case "json":
					checkJSONError(t, got.stdout, tt.wantKind, tt.wantStderr)
				}
			}
		})
	}
}

// TestCheckErrorsBeforeFormat: a usage error the flag parser meets before
// --format still honours --format json; an unknown format prints nothing
// on stdout, since no format was chosen.
func TestCheckErrorsBeforeFormat(t *testing.T) {
	got := tiergate(t, "check", "--colour", "--format", "json")
	if got.code != 2 || got.stderr == "" {
		t.Errorf("check --colour --format json = exit %d, stderr %q, want 2 and a message", got.code, got.stderr)
	}
	checkJSONError(t, got.stdout, "usage", "-colour")
	got = tiergate(t, "check", "--format", "yaml")
	if got.code != 2 || got.stdout != "" || got.stderr == "" {
		t.Errorf("check --format yaml = exit %d, stdout %q, stderr %q, want 2, nothing, a message", got.code, got.stdout, got.stderr)
	}
}

// TestCheckInterruptedJSON: a check stopped by a signal is an internal
// error in JSON too.
func TestCheckInterruptedJSON(t *testing.T) {
	r := newCheckRepo(t, testdata(t, "tiergate.yml"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"check", "--repo", r.dir, "--format", "json"}, func(string) string { return "" }, nil, &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("check with a cancelled context = exit %d, stderr %q, want 2 and interrupted", code, stderr.String())
	}
	checkJSONError(t, stdout.String(), "internal", "interrupted")
}

// checkJSONError checks that stdout is exactly one JSON error object, with
// nothing else, of kind and with a one-line message containing message.
func checkJSONError(t *testing.T, stdout, kind, message string) {
	t.Helper()
	if !strings.HasSuffix(stdout, "}\n") || strings.Count(stdout, "\n") != 1 {
		t.Errorf("stdout = %q, want one JSON object on one line", stdout)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	detail, _ := got["error"].(map[string]any)
	msg, _ := detail["message"].(string)
	if !strings.Contains(msg, message) || strings.Contains(msg, "\n") {
		t.Errorf("JSON error message = %q, want one line containing %q", msg, message)
	}
	want := map[string]any{"schema_version": 1.0, "error": map[string]any{"kind": kind, "message": msg}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON error mismatch (-want +got):\n%s", diff)
	}
}

// TestCheckGuessesBase checks the default base: origin's default branch
// when there is one, else main; text output says which was used.
func TestCheckGuessesBase(t *testing.T) {
	t.Run("origin HEAD over local main", func(t *testing.T) {
		t.Parallel()
		upstream := newCheckRepo(t, testdata(t, "tiergate.yml"))
		upstream.git("checkout", "-q", "main")
		bare := filepath.Join(t.TempDir(), "origin.git")
		gitIn(t, upstream.dir, "clone", "-q", "--bare", upstream.dir, bare)
		work := repoAt(t, t.TempDir())
		gitIn(t, work.dir, "clone", "-q", bare, ".")
		work.git("checkout", "-q", "-b", "topic")
		work.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n")
		work.commit("change without a test")
		// Local main at the change would hide it if it were the base.
		work.git("branch", "-f", "main", "topic")

		got := tiergate(t, "check", "--repo", work.dir)
		if got.code != 1 {
			t.Errorf("check exit = %d, want 1 (the change against origin/main)\nstdout: %s\nstderr: %s", got.code, got.stdout, got.stderr)
		}
		if !strings.Contains(got.stderr, "comparing against origin/main") {
			t.Errorf("check stderr = %q, want it to name the guessed base origin/main", got.stderr)
		}
	})
	t.Run("main without a remote", func(t *testing.T) {
		t.Parallel()
		r := newCheckRepo(t, testdata(t, "tiergate.yml"))
		r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n")
		r.commit("change without a test")

		got := tiergate(t, "check", "--repo", r.dir)
		if got.code != 1 {
			t.Errorf("check exit = %d, want 1\nstderr: %s", got.code, got.stderr)
		}
		if !strings.Contains(got.stderr, "comparing against main") {
			t.Errorf("check stderr = %q, want it to name the guessed base main", got.stderr)
		}
		if !strings.Contains(got.stdout, "tests") {
			t.Errorf("check stdout = %q, want the text verdict listing the tests gate", got.stdout)
		}
	})
	t.Run("explicit base is not announced", func(t *testing.T) {
		t.Parallel()
		r := newCheckRepo(t, testdata(t, "tiergate.yml"))
		r.write("svc/a_test.go", "package svc\n\n// more\n")
		r.commit("test only")

		got := tiergate(t, "check", "--repo", r.dir, "--base", "main")
		if got.code != 0 || got.stderr != "" {
			t.Errorf("check --base main = exit %d, stderr %q, want 0 and nothing", got.code, got.stderr)
		}
	})
}

// TestCheckFormats checks that each format prints the same verdict on
// stdout and nothing on stderr, with the verdict's exit status.
func TestCheckFormats(t *testing.T) {
	r := newCheckRepo(t, testdata(t, "tiergate.yml"))
	r.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n")
	r.commit("change")

	outputs := map[string]string{}
	for _, format := range []string{"text", "markdown", "json"} {
		got := tiergate(t, "check", "--repo", r.dir, "--base", "main", "--format", format)
		if got.code != 1 || got.stderr != "" {
			t.Errorf("check --format %s = exit %d, stderr %q, want 1 and nothing", format, got.code, got.stderr)
		}
		if !strings.Contains(got.stdout, "svc/a.go") {
			t.Errorf("check --format %s stdout = %q, want the failing file named", format, got.stdout)
		}
		outputs[format] = got.stdout
	}
	if outputs["text"] == outputs["markdown"] || outputs["text"] == outputs["json"] {
		t.Errorf("check formats print the same output; want each rendered its own way:\n%v", outputs)
	}
}

// TestCheckShallowClone: a commit or merge base missing from a shallow
// clone (CI's default) is explained with the fix, not just reported as
// unknown; in a full clone the plain message stays.
func TestCheckShallowClone(t *testing.T) {
	origin := newCheckRepo(t, testdata(t, "tiergate.yml"))
	origin.write("svc/a.go", "package svc\n\nfunc A() int { return 2 }\n")
	origin.commit("change")
	origin.git("checkout", "-q", "main")
	origin.write("docs/index.md", "# Docs\n\nMain moves on.\n")
	origin.commit("main moves on")
	origin.git("checkout", "-q", "--orphan", "unrelated")
	origin.commit("no shared history")
	origin.git("checkout", "-q", "main")
	url := "file://" + filepath.ToSlash(origin.dir)
	shallow := t.TempDir()
	gitIn(t, shallow, "clone", "-q", "--depth", "1", "--no-single-branch", url, ".")

	const hint = "the repository is a shallow clone"
	tests := []struct {
		name      string
		args      []string
		wantError string
		wantHint  bool
	}{
		{name: "base before the clone's depth", args: []string{"--repo", shallow, "--base", "HEAD~1"}, wantError: `unknown revision "HEAD~1"`, wantHint: true},
		{name: "merge base before the clone's depth", args: []string{"--repo", shallow, "--base", "origin/main", "--head", "origin/topic"}, wantError: "comparing origin/main with origin/topic: no merge base", wantHint: true},
		{name: "unknown name in a full clone", args: []string{"--repo", origin.dir, "--base", "HEAD~9"}, wantError: `unknown revision "HEAD~9"`},
		{name: "no merge base in a full clone", args: []string{"--repo", origin.dir, "--base", "main", "--head", "unrelated"}, wantError: "no merge base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"check", "--format", "json"}, tt.args...)
			got := tiergate(t, args...)
			if got.code != 2 || !strings.Contains(got.stderr, tt.wantError) {
				t.Fatalf("tiergate %v = exit %d, stderr %q, want 2 and %q", args, got.code, got.stderr, tt.wantError)
			}
			fix := "git fetch --unshallow' (in GitHub Actions, set fetch-depth: 0 on actions/checkout)"
			if hinted := strings.Contains(got.stderr, hint) && strings.Contains(got.stderr, fix); hinted != tt.wantHint {
				t.Errorf("tiergate %v stderr = %q, want the shallow clone hint: %v", args, got.stderr, tt.wantHint)
			}
			checkJSONError(t, got.stdout, "git", tt.wantError)
		})
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"unknown revision", "unknown revision"},
		{"git rev-parse in /r: detected dubious ownership\nTo add an exception, call:\n\n\tgit config --global --add safe.directory /r\n",
			"git rev-parse in /r: detected dubious ownership; To add an exception, call:; git config --global --add safe.directory /r"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStderrEscaped: text quoted in messages on stderr (here a guessed base
// whose name holds a bidirectional override and an escape sequence) reaches
// the terminal escaped.
func TestStderrEscaped(t *testing.T) {
	var b strings.Builder
	w := terminalWriter{w: &b}
	fmt.Fprintf(w, "tiergate: comparing against %s (guessed)\n\tnext\n", "origin/ma\u202eni\x1b[2J")
	if want := "tiergate: comparing against origin/ma\\u202eni\\x1b[2J (guessed)\n\tnext\n"; b.String() != want {
		t.Errorf("stderr = %q, want %q", b.String(), want)
	}
	got := tiergate(t, "validate", "no/such/file\x1b[2J.yml")
	if strings.ContainsRune(got.stderr, 0x1b) || !strings.Contains(got.stderr, `\x1b[2J`) {
		t.Errorf("validate stderr = %q, want the argument escaped", got.stderr)
	}
}
