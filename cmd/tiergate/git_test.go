package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tiergate/tiergate/rules"
)

func TestChangedFiles(t *testing.T) {
	tests := []struct {
		name   string
		base   map[string]string // files at the base commit
		change func(r *testRepo)
		want   []rules.ChangedFile
	}{
		{
			name: "added modified removed",
			base: map[string]string{"a.go": "package a\n", "b.go": "package b\n\nvar x = 1\n"},
			change: func(r *testRepo) {
				r.write("b.go", "package b\n\nvar x = 2\n", "c.go", "package c\n")
				r.git("rm", "-q", "a.go")
			},
			want: []rules.ChangedFile{
				{Path: "a.go", Status: rules.FileRemoved, Deletions: 1},
				{Path: "b.go", Status: rules.FileModified, Additions: 1, Deletions: 1},
				{Path: "c.go", Status: rules.FileAdded, Additions: 1},
			},
		},
		{
			name: "rename with spaces tabs newlines and unicode",
			base: map[string]string{"old dir/a file.txt": "one\ntwo\nthree\nfour\nfive\n"},
			change: func(r *testRepo) {
				r.git("mv", "old dir", "new\tdir")
				r.git("mv", "new\tdir/a file.txt", "new\tdir/é\nfile.txt")
			},
			want: []rules.ChangedFile{
				{Path: "new\tdir/é\nfile.txt", PreviousPath: "old dir/a file.txt", Status: rules.FileRenamed},
			},
		},
		{
			name: "rename with edits",
			base: map[string]string{"pkg/x.go": "package pkg\n\n// one\n// two\n// three\n// four\n// five\n"},
			change: func(r *testRepo) {
				r.git("mv", "pkg/x.go", "pkg/y.go")
				r.write("pkg/y.go", "package pkg\n\n// one\n// two\n// three\n// four\n// five\n// six\n")
			},
			want: []rules.ChangedFile{
				{Path: "pkg/y.go", PreviousPath: "pkg/x.go", Status: rules.FileRenamed, Additions: 1},
			},
		},
		{
			name:   "binary file counts no lines",
			base:   map[string]string{"img.png": "\x89PNG\x00\x01\x02"},
			change: func(r *testRepo) { r.write("img.png", "\x89PNG\x00\x03\x04\x05") },
			want:   []rules.ChangedFile{{Path: "img.png", Status: rules.FileModified}},
		},
		{
			name: "type change to symlink",
			base: map[string]string{"link": "target\n", "target": "x\n"},
			change: func(r *testRepo) {
				if err := os.Remove(filepath.Join(r.dir, "link")); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink("target", filepath.Join(r.dir, "link")); err != nil {
					t.Skipf("symlinks unsupported: %v", err)
				}
			},
			want: []rules.ChangedFile{{Path: "link", Status: rules.FileChanged, Additions: 1, Deletions: 1}},
		},
		{
			name:   "path starting with a colon",
			base:   map[string]string{"keep": "k\n"},
			change: func(r *testRepo) { r.write(":odd", "x\ny\n") },
			want:   []rules.ChangedFile{{Path: ":odd", Status: rules.FileAdded, Additions: 2}},
		},
		{
			name:   "no changes",
			base:   map[string]string{"a": "a\n"},
			change: func(r *testRepo) {},
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRepo(t)
			for name, content := range tt.base {
				r.write(name, content)
			}
			base := r.commit("base")
			tt.change(r)
			head := r.commit("change")

			got, err := gitRepo{dir: r.dir}.changedFiles(context.Background(), base, head)
			if err != nil {
				t.Fatalf("changedFiles() error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("changedFiles() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChangedFilesUsesMergeBase checks that commits on the base after the
// fork do not count as part of the change, as in a pull request.
func TestChangedFilesUsesMergeBase(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("a.txt", "a\n")
	r.commit("root")
	r.git("checkout", "-q", "-b", "topic")
	r.write("topic.txt", "t\n")
	head := r.commit("topic work")
	r.git("checkout", "-q", "main")
	r.write("main-only.txt", "m\n")
	base := r.commit("main moves on")

	got, err := gitRepo{dir: r.dir}.changedFiles(context.Background(), base, head)
	if err != nil {
		t.Fatalf("changedFiles() error: %v", err)
	}
	want := []rules.ChangedFile{{Path: "topic.txt", Status: rules.FileAdded, Additions: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changedFiles() mismatch (-want +got):\n%s", diff)
	}
}

func TestResolveCommit(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("a", "a\n")
	sha := r.commit("one")
	r.git("tag", "v1")
	g := gitRepo{dir: r.dir}
	notRepo := gitRepo{dir: t.TempDir()}

	tests := []struct {
		name    string
		g       gitRepo
		ref     string
		want    string
		wantErr string // substring of the error, "" for none
	}{
		{name: "branch", g: g, ref: "main", want: sha},
		{name: "tag", g: g, ref: "v1", want: sha},
		{name: "HEAD", g: g, ref: "HEAD", want: sha},
		{name: "unknown ref", g: g, ref: "nope", wantErr: `unknown revision "nope"`},
		{name: "option-like ref", g: g, ref: "--all", wantErr: `unknown revision "--all"`},
		{name: "tree is not a commit", g: g, ref: "HEAD^{tree}", wantErr: `HEAD^{tree}^{commit}: expected commit type`},
		{name: "not a repository", g: notRepo, ref: "HEAD", wantErr: "not a git repository"},
		{name: "missing directory", g: gitRepo{dir: filepath.Join(t.TempDir(), "gone")}, ref: "HEAD", wantErr: "cannot change to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.g.resolveCommit(context.Background(), tt.ref)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolveCommit(%q) = %q, %v, want error containing %q", tt.ref, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("resolveCommit(%q) = %q, %v, want %q", tt.ref, got, err, tt.want)
			}
		})
	}
}

func TestDefaultBase(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T) string // returns the repo directory
		want    string
		wantErr string
	}{
		{
			name: "origin HEAD",
			setup: func(t *testing.T) string {
				origin := newRepo(t)
				origin.git("checkout", "-q", "-b", "trunk")
				origin.write("a", "a\n")
				origin.commit("root")
				clone := t.TempDir()
				gitIn(t, clone, "clone", "-q", origin.dir, ".")
				return clone
			},
			want: "origin/trunk",
		},
		{
			name: "main",
			setup: func(t *testing.T) string {
				r := newRepo(t)
				r.write("a", "a\n")
				r.commit("root")
				r.git("checkout", "-q", "-b", "topic")
				return r.dir
			},
			want: "main",
		},
		{
			name: "master",
			setup: func(t *testing.T) string {
				r := newRepo(t)
				r.git("checkout", "-q", "-b", "master")
				r.write("a", "a\n")
				r.commit("root")
				return r.dir
			},
			want: "master",
		},
		{
			name: "nothing to guess",
			setup: func(t *testing.T) string {
				r := newRepo(t)
				r.git("checkout", "-q", "-b", "trunk")
				r.write("a", "a\n")
				r.commit("root")
				return r.dir
			},
			wantErr: "pass --base",
		},
		{
			name:    "not a repository",
			setup:   func(t *testing.T) string { return t.TempDir() },
			wantErr: "not a git repository",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := tt.setup(t)
			got, err := gitRepo{dir: dir}.defaultBase(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("defaultBase() = %q, %v, want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("defaultBase() = %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	content := "version: 1\n# ends without newline: \x00binary ok"
	r.write(".github/tiergate.yml", content, "dir/x", "x\n")
	sha := r.commit("one")
	g := gitRepo{dir: r.dir}

	tests := []struct {
		name      string
		path      string
		want      string
		wantFound bool
		wantErr   string
	}{
		{name: "present", path: ".github/tiergate.yml", want: content, wantFound: true},
		{name: "absent", path: "nope.yml"},
		{name: "directory", path: "dir", wantErr: "not a file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := g.readFile(context.Background(), sha, tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("readFile(%q) error = %v, want error containing %q", tt.path, err, tt.wantErr)
				}
				return
			}
			if err != nil || found != tt.wantFound || string(got) != tt.want {
				t.Errorf("readFile(%q) = %q, %v, %v, want %q, %v, nil", tt.path, got, found, err, tt.want, tt.wantFound)
			}
		})
	}
}
