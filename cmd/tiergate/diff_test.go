package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tiergate/tiergate/rules"
)

func TestParseDiff(t *testing.T) {
	// z joins fields the way git diff -z ends them.
	z := func(fields ...string) string { return strings.Join(fields, "\x00") + "\x00" }
	tests := []struct {
		name    string
		out     string
		want    []rules.ChangedFile
		wantErr string
	}{
		{name: "empty", out: ""},
		{
			name: "every status",
			out: z(":000000 100644 0000000 1111111 A", "new.go",
				":100644 000000 2222222 0000000 D", "gone.go",
				":100644 100644 3333333 4444444 M", "mod.go",
				":100644 120000 5555555 6666666 T", "link",
				":100644 100644 7777777 7777777 R100", "old name", "new name",
				":100644 100644 8888888 9999999 C075", "src", "copy",
				"3\t0\tnew.go", "0\t7\tgone.go", "2\t1\tmod.go", "1\t1\tlink",
				"0\t0\t", "old name", "new name",
				"-\t-\t", "src", "copy"),
			want: []rules.ChangedFile{
				{Path: "new.go", Status: rules.FileAdded, Additions: 3},
				{Path: "gone.go", Status: rules.FileRemoved, Deletions: 7},
				{Path: "mod.go", Status: rules.FileModified, Additions: 2, Deletions: 1},
				{Path: "link", Status: rules.FileChanged, Additions: 1, Deletions: 1},
				{Path: "new name", PreviousPath: "old name", Status: rules.FileRenamed},
				{Path: "copy", PreviousPath: "src", Status: rules.FileCopied},
			},
		},
		{
			name: "path with a tab in numstat",
			out:  z(":100644 100644 1111111 2222222 M", "a\tb", "1\t2\ta\tb"),
			want: []rules.ChangedFile{{Path: "a\tb", Status: rules.FileModified, Additions: 1, Deletions: 2}},
		},
		{
			name:    "unmerged status",
			out:     z(":100644 100644 1111111 2222222 U", "x", "1\t1\tx"),
			wantErr: `unexpected file status "U"`,
		},
		{
			name:    "short raw header",
			out:     z(":100644 M", "x", "1\t1\tx"),
			wantErr: "malformed raw record",
		},
		{
			name:    "missing numstat",
			out:     z(":100644 100644 1111111 2222222 M", "x"),
			wantErr: "numstat record was expected",
		},
		{
			name:    "numstat names another file",
			out:     z(":100644 100644 1111111 2222222 M", "x", "1\t1\ty"),
			wantErr: `names "y"`,
		},
		{
			name:    "bad count",
			out:     z(":100644 100644 1111111 2222222 M", "x", "one\t1\tx"),
			wantErr: `malformed line count "one"`,
		},
		{
			name:    "rename missing new path",
			out:     z(":100644 100644 1111111 2222222 R090", "old"),
			wantErr: "new path was expected",
		},
		{
			name:    "trailing field",
			out:     z(":100644 100644 1111111 2222222 M", "x", "1\t1\tx", "extra"),
			wantErr: `unexpected trailing field "extra"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDiff([]byte(tt.out))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseDiff(%q) error = %v, want error containing %q", tt.out, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseDiff(%q) error: %v", tt.out, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseDiff(%q) mismatch (-want +got):\n%s", tt.out, diff)
			}
		})
	}
}

// FuzzParseDiff checks that no output, however mangled, panics the parser,
// and that whatever it accepts is well formed.
func FuzzParseDiff(f *testing.F) {
	f.Add([]byte(":100644 100644 1111111 2222222 M\x00x\x001\t1\tx\x00"))
	f.Add([]byte(":100644 100644 1111111 2222222 R100\x00a\x00b\x000\t0\t\x00a\x00b\x00"))
	f.Add([]byte("-\t-\t\x00"))
	f.Fuzz(func(t *testing.T, out []byte) {
		files, err := parseDiff(out)
		if err != nil {
			return
		}
		for _, file := range files {
			if file.Additions < 0 || file.Deletions < 0 {
				t.Errorf("parseDiff(%q) gave negative counts: %+v", out, file)
			}
			renamed := file.Status == rules.FileRenamed || file.Status == rules.FileCopied
			if !renamed && file.PreviousPath != "" {
				t.Errorf("parseDiff(%q) gave PreviousPath %q with status %s", out, file.PreviousPath, file.Status)
			}
		}
	})
}
