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

// configRepo builds a change that each git setting under test would report
// differently if tiergate let it: a submodule bump, three edited renames,
// a file whose line counts depend on the diff algorithm, a file with a diff
// driver, a file in a subdirectory, a non-ASCII name with a tab. It returns
// the base and head commits.
func configRepo(t *testing.T) (r *testRepo, base, head string) {
	t.Helper()
	r = newRepo(t)
	r.write(
		".gitattributes", "*.dat diff=data\n",
		".gitmodules", "[submodule \"vendor\"]\n\tpath = payments/vendor\n\turl = ./vendor\n",
		"data.dat", "x\n",
		"f.txt", "a\na\nc\n",
		"svc/a.go", "package svc\n",
		"é dir/naïve\tfile.go", "package x\n",
	)
	for _, name := range []string{"r1", "r2", "r3"} {
		r.write(name, strings.Repeat(name+" line\n", 20))
	}
	r.gitlink("payments/vendor", strings.Repeat("1", 40))
	base = r.commit("base")
	r.write(
		"data.dat", "x\ny\n",
		"f.txt", "a\nb\nc\na\nb\nc\na\n",
		"svc/a.go", "package svc\n\n// x\n",
		"é dir/naïve\tfile.go", "package x\n\n",
	)
	for _, n := range []string{"1", "2", "3"} {
		r.git("mv", "r"+n, "s"+n)
		r.write("s"+n, strings.Repeat("r"+n+" line\n", 20)+"more\n")
	}
	r.gitlink("payments/vendor", strings.Repeat("2", 40))
	head = r.commit("change")
	return r, base, head
}

// gitlink records a submodule at path pointing at commit, without cloning
// anything: an empty directory is an uninitialised submodule.
func (r *testRepo) gitlink(path, commit string) {
	r.t.Helper()
	if err := os.MkdirAll(filepath.Join(r.dir, filepath.FromSlash(path)), 0o755); err != nil {
		r.t.Fatal(err)
	}
	r.git("update-index", "--add", "--cacheinfo", "160000,"+commit+","+path)
}

// TestChangedFilesIgnoresGitConfig sets, in the repository's own config
// (where it beats the user's and the system's), each setting that could
// change the list of changed files or their counts, and expects the list a
// clean config gives.
func TestChangedFilesIgnoresGitConfig(t *testing.T) {
	want := []rules.ChangedFile{
		{Path: "data.dat", Status: rules.FileModified, Additions: 1},
		{Path: "f.txt", Status: rules.FileModified, Additions: 4},
		{Path: "payments/vendor", Status: rules.FileModified, Additions: 1, Deletions: 1},
		{Path: "s1", PreviousPath: "r1", Status: rules.FileRenamed, Additions: 1},
		{Path: "s2", PreviousPath: "r2", Status: rules.FileRenamed, Additions: 1},
		{Path: "s3", PreviousPath: "r3", Status: rules.FileRenamed, Additions: 1},
		{Path: "svc/a.go", Status: rules.FileModified, Additions: 2},
		{Path: "é dir/naïve\tfile.go", Status: rules.FileModified, Additions: 1},
	}
	orderFile := filepath.Join(t.TempDir(), "order")
	attributes := filepath.Join(t.TempDir(), "attributes")
	for name, content := range map[string]string{orderFile: "svc/*\ns*\n", attributes: "* -diff\n"} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name   string
		config []string // key=value, set with git config
		setup  func(t *testing.T, r *testRepo, head string)
		subdir string // run from this directory of the repository
	}{
		{name: "clean"},
		// The issue: a bump of a submodule in a critical path was hidden.
		{name: "diff.ignoreSubmodules", config: []string{"diff.ignoreSubmodules=all"}},
		{name: "submodule ignore in config", config: []string{"submodule.vendor.ignore=all"}},
		{name: "submodule ignore in .gitmodules", setup: func(t *testing.T, r *testRepo, _ string) {
			r.git("config", "-f", ".gitmodules", "submodule.vendor.ignore", "all")
		}},
		{name: "diff.algorithm", config: []string{"diff.algorithm=histogram"}},
		{name: "diff.renameLimit", config: []string{"diff.renameLimit=1"}},
		{name: "diff.renames off", config: []string{"diff.renames=false"}},
		{name: "diff.renames copies", config: []string{"diff.renames=copies"}},
		{name: "diff.orderFile", config: []string{"diff.orderFile=" + orderFile}},
		{name: "core.bigFileThreshold", config: []string{"core.bigFileThreshold=1"}},
		{name: "core.attributesFile", config: []string{"core.attributesFile=" + attributes}},
		{name: "diff driver binary", config: []string{"diff.data.binary=true"}},
		{name: "diff driver textconv", config: []string{"diff.data.textconv=sed p"}},
		{name: "diff.external", config: []string{"diff.external=false"}},
		{name: "diff.relative", config: []string{"diff.relative=true"}, subdir: "svc"},
		{name: "core.quotePath", config: []string{"core.quotePath=true"}},
		{name: "colors", config: []string{"color.ui=always", "color.diff=always"}},
		{name: "prefixes", config: []string{"diff.noprefix=true", "diff.mnemonicPrefix=true", "diff.srcPrefix=x/", "diff.dstPrefix=y/"}},
		{name: "line endings", config: []string{"core.autocrlf=true", "core.eol=crlf", "core.safecrlf=true"}},
		{name: "replace refs", setup: func(t *testing.T, r *testRepo, head string) {
			// An empty commit on the base stands in for the change.
			fake := r.git("commit-tree", "-p", head+"~1", "-m", "fake", head+"~1^{tree}")
			r.git("replace", head, fake)
		}},
		{name: "grafts", setup: func(t *testing.T, r *testRepo, head string) {
			// The change, grafted onto nothing, shares no history.
			if err := os.WriteFile(filepath.Join(r.dir, ".git", "info", "grafts"), []byte(head+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, base, head := configRepo(t)
			for _, kv := range tt.config {
				key, value, _ := strings.Cut(kv, "=")
				r.git("config", key, value)
			}
			if tt.setup != nil {
				tt.setup(t, r, head)
			}
			g := gitRepo{dir: filepath.Join(r.dir, filepath.FromSlash(tt.subdir))}
			got, err := g.changedFiles(context.Background(), base, head)
			if err != nil {
				t.Fatalf("changedFiles() with %v error: %v", tt.config, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("changedFiles() with %v mismatch (-want +got):\n%s", tt.config, diff)
			}
		})
	}
}

// TestCheckReportsHiddenSubmoduleBump is the case end to end: with
// diff.ignoreSubmodules=all in the config, bumping a submodule inside a
// critical path still raises the tier and names the path.
func TestCheckReportsHiddenSubmoduleBump(t *testing.T) {
	t.Parallel()
	r := newCheckRepo(t, testdata(t, "tiergate.yml"))
	r.git("checkout", "-q", "main")
	r.gitlink("payments/vendor", strings.Repeat("1", 40))
	r.commit("vendor a submodule")
	r.git("checkout", "-q", "-B", "topic")
	r.gitlink("payments/vendor", strings.Repeat("2", 40))
	r.commit("bump the submodule")
	r.git("config", "diff.ignoreSubmodules", "all")

	got := tiergate(t, "check", "--repo", r.dir, "--base", "main", "--format", "json")
	v := parseVerdict(t, got.stdout)
	if v.Tier != "platform" || v.statuses()["critical_paths/payments"] != "not_checked" {
		t.Errorf("check = tier %q, gates %v, want platform with the payments critical path\nstderr: %s", v.Tier, v.statuses(), got.stderr)
	}
	if reason := v.reason("max_changed_lines"); !strings.Contains(reason, "2 lines changed") {
		t.Errorf("check max_changed_lines reason = %q, want the bump counted as 2 lines", reason)
	}
}

// TestChangedFilesIgnoresUserConfig puts the settings where a user keeps
// them: the global config file, which tiergate still reads (for
// safe.directory), and the default attributes file under XDG_CONFIG_HOME.
// Not parallel: t.Setenv changes the whole process's environment.
func TestChangedFilesIgnoresUserConfig(t *testing.T) {
	r, base, head := configRepo(t)
	want, err := gitRepo{dir: r.dir}.changedFiles(context.Background(), base, head)
	if err != nil {
		t.Fatal(err)
	}

	home := t.TempDir()
	global := filepath.Join(home, "gitconfig")
	settings := "[diff]\n\tignoreSubmodules = all\n\talgorithm = histogram\n\trenameLimit = 1\n[core]\n\tbigFileThreshold = 1\n"
	if err := os.WriteFile(global, []byte(settings), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(home, "git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "git", "attributes"), []byte("* -diff\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_CONFIG_GLOBAL", global)
	t.Setenv("XDG_CONFIG_HOME", home)

	got, err := gitRepo{dir: r.dir}.changedFiles(context.Background(), base, head)
	if err != nil {
		t.Fatalf("changedFiles() with a user config error: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changedFiles() with a user config mismatch (-without +with):\n%s", diff)
	}
}

// TestChangedFilesUnoverridableDriver: a diff driver whose name holds "="
// cannot be reset with git -c; the check stops rather than let it count a
// file as binary.
func TestChangedFilesUnoverridableDriver(t *testing.T) {
	t.Parallel()
	r, base, head := configRepo(t)
	r.git("config", "diff.a=b.binary", "true")
	_, err := gitRepo{dir: r.dir}.changedFiles(context.Background(), base, head)
	if err == nil || !strings.Contains(err.Error(), "cannot override diff.a=b.binary") {
		t.Errorf("changedFiles() error = %v, want one naming diff.a=b.binary", err)
	}
}
