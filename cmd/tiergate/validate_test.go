package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/rules"
)

func TestValidate(t *testing.T) {
	good := filepath.Join("testdata", "tiergate.yml")
	broken := filepath.Join("testdata", "broken.yml")
	missing := filepath.Join(t.TempDir(), "missing.yml")
	located := regexp.MustCompile(`(?m)^testdata/broken\.yml:\d+:\d+: .+ \(.+\)$`)

	tests := []struct {
		name        string
		args        []string
		wantCode    int
		wantStdout  string
		wantErrors  int    // located errors on stderr
		wantStderr  string // a substring of stderr
		emptyStderr bool
	}{
		{name: "valid", args: []string{good}, wantStdout: good + ": ok\n", emptyStderr: true},
		{name: "valid as org", args: []string{"--org", good}, wantStdout: good + ": ok\n", emptyStderr: true},
		{name: "flag after file", args: []string{good, "--org"}, wantStdout: good + ": ok\n", emptyStderr: true},
		{name: "invalid", args: []string{broken}, wantCode: 1, wantErrors: 2},
		{name: "valid and invalid", args: []string{broken, good}, wantCode: 1, wantStdout: good + ": ok\n", wantErrors: 2},
		{name: "missing file", args: []string{missing, good}, wantCode: 2, wantStdout: good + ": ok\n", wantStderr: missing + ": no such file"},
		{name: "missing outranks invalid", args: []string{broken, missing}, wantCode: 2, wantErrors: 2, wantStderr: "no such file"},
		{name: "unknown flag", args: []string{"--strict", good}, wantCode: 2, wantStderr: "flag provided but not defined"},
		{name: "schema with files", args: []string{"--schema", good}, wantCode: 2, wantStderr: "--schema takes no files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"validate"}, tt.args...)
			got := tiergate(t, args...)
			if got.code != tt.wantCode {
				t.Errorf("tiergate %v exit = %d, want %d\nstderr: %s", args, got.code, tt.wantCode, got.stderr)
			}
			if got.stdout != tt.wantStdout {
				t.Errorf("tiergate %v stdout = %q, want %q", args, got.stdout, tt.wantStdout)
			}
			if n := len(located.FindAllString(got.stderr, -1)); n != tt.wantErrors {
				t.Errorf("tiergate %v stderr has %d located errors, want %d:\n%s", args, n, tt.wantErrors, got.stderr)
			}
			if !strings.Contains(got.stderr, tt.wantStderr) {
				t.Errorf("tiergate %v stderr = %q, want it to contain %q", args, got.stderr, tt.wantStderr)
			}
			if tt.emptyStderr && got.stderr != "" {
				t.Errorf("tiergate %v stderr = %q, want nothing", args, got.stderr)
			}
		})
	}
}

// TestValidateDefaultFile validates .github/tiergate.yml in the working
// directory when no file is named.
func TestValidateDefaultFile(t *testing.T) {
	config := testdata(t, "tiergate.yml")
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".github"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, repoConfigPath), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)

	got := tiergate(t, "validate")
	if want := repoConfigPath + ": ok\n"; got.code != 0 || got.stdout != want {
		t.Errorf("tiergate validate = exit %d, stdout %q, want 0, %q\nstderr: %s", got.code, got.stdout, want, got.stderr)
	}
}

func TestValidateSchema(t *testing.T) {
	got := tiergate(t, "validate", "--schema")
	if got.code != 0 || got.stderr != "" {
		t.Fatalf("tiergate validate --schema = exit %d, stderr %q, want 0 and nothing", got.code, got.stderr)
	}
	var schema map[string]any
	if err := json.Unmarshal([]byte(got.stdout), &schema); err != nil {
		t.Fatalf("tiergate validate --schema printed invalid JSON: %v", err)
	}
	if got.stdout != string(rules.Schema) {
		t.Errorf("tiergate validate --schema printed %d bytes, want rules.Schema (%d bytes)", len(got.stdout), len(rules.Schema))
	}
}
