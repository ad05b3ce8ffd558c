package main

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
)

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string // a substring; "" means stdout must be empty
		wantStderr string // a substring; "" means stderr must be empty
	}{
		{name: "no arguments", args: nil, wantCode: 2, wantStderr: "Commands:"},
		{name: "help", args: []string{"--help"}, wantStdout: "Commands:"},
		{name: "short help", args: []string{"-h"}, wantStdout: "Commands:"},
		{name: "unknown command", args: []string{"deploy"}, wantCode: 2, wantStderr: `unknown command "deploy"`},
		{name: "check help", args: []string{"check", "--help"}, wantStdout: "-config-from-worktree"},
		{name: "validate help", args: []string{"validate", "-h"}, wantStdout: "Usage: tiergate validate"},
		{name: "version help", args: []string{"version", "--help"}, wantStdout: "Usage: tiergate version"},
		{name: "version with argument", args: []string{"version", "extra"}, wantCode: 2, wantStderr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tiergate(t, tt.args...)
			if got.code != tt.wantCode {
				t.Errorf("tiergate %v exit = %d, want %d", tt.args, got.code, tt.wantCode)
			}
			for _, s := range []struct{ name, got, want string }{
				{"stdout", got.stdout, tt.wantStdout},
				{"stderr", got.stderr, tt.wantStderr},
			} {
				if s.want == "" && s.got != "" || !strings.Contains(s.got, s.want) {
					t.Errorf("tiergate %v %s = %q, want %q", tt.args, s.name, s.got, s.want)
				}
			}
		})
	}
}

func TestUsageListsCommands(t *testing.T) {
	for _, cmd := range []string{"check", "validate", "serve", "version"} {
		if !regexp.MustCompile(`(?m)^  ` + cmd + ` `).MatchString(usage) {
			t.Errorf("usage does not list %q:\n%s", cmd, usage)
		}
	}
}

func TestVersion(t *testing.T) {
	got := tiergate(t, "version")
	if got.code != 0 || got.stderr != "" {
		t.Fatalf("tiergate version = exit %d, stderr %q, want 0 and nothing", got.code, got.stderr)
	}
	want := regexp.MustCompile(`^tiergate \S+ \(` + regexp.QuoteMeta(runtime.Version()) + `\)\n$`)
	if !want.MatchString(got.stdout) {
		t.Errorf("tiergate version = %q, want it to match %s", got.stdout, want)
	}
}

func TestVersionString(t *testing.T) {
	if got, want := versionString("v1.2.3"), "tiergate v1.2.3 ("+runtime.Version()+")"; got != want {
		t.Errorf("versionString(%q) = %q, want %q", "v1.2.3", got, want)
	}
}
