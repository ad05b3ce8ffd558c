package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// Sizes from the performance target: a repository with 10,000 commits and
// a 3,000-file change checked in well under a second.
const (
	benchCommits = 10_000
	benchFiles   = 3_000
)

// BenchmarkCheck times the whole check path (resolve refs, guess the base,
// read the config at the base, diff, evaluate, render JSON) on a large
// repository. Run: go test ./cmd/tiergate -run '^$' -bench BenchmarkCheck -benchtime 10x -count 5
func BenchmarkCheck(b *testing.B) {
	dir := buildBenchRepo(b)
	opts := checkOptions{
		Repo:   dir,
		Format: "json",
		Labels: []string{"tier/platform"},
		Stdout: io.Discard,
		Stderr: io.Discard,
	}
	// Sanity-check once that the benchmark measures a real verdict on the
	// full change, not an early error.
	var out bytes.Buffer
	opts.Stdout = &out
	if err := runCheck(context.Background(), opts); err != nil && err != exitStatus(1) {
		b.Fatalf("runCheck() error: %v", err)
	}
	// Every file rewrites two lines: two deletions and two additions.
	wantLines := fmt.Sprintf("%d lines changed", 4*benchFiles)
	if v := parseVerdict(b, out.String()); v.Tier != "platform" || !strings.Contains(v.reason("max_changed_lines"), wantLines) {
		b.Fatalf("runCheck() = %s, want a platform verdict with %s", out.String(), wantLines)
	}
	opts.Stdout = io.Discard

	for b.Loop() {
		if err := runCheck(context.Background(), opts); err != nil && err != exitStatus(1) {
			b.Fatalf("runCheck() error: %v", err)
		}
	}
}

// buildBenchRepo writes a repository with git fast-import: a first commit
// of benchFiles files plus the config, benchCommits-2 small commits on main,
// and a branch "topic" (checked out) whose one commit changes every file.
func buildBenchRepo(b *testing.B) string {
	b.Helper()
	r := newRepo(b)
	var s bytes.Buffer
	when := int64(1_700_000_000)
	commit := func(ref, msg, from string) {
		when++
		fmt.Fprintf(&s, "commit %s\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s\n", ref, when, len(msg), msg)
		if from != "" {
			fmt.Fprintf(&s, "from %s\n", from)
		}
	}
	file := func(path, content string) {
		fmt.Fprintf(&s, "M 100644 inline %s\ndata %d\n%s\n", path, len(content), content)
	}
	// A third of the files are tests, a tenth docs, the rest source.
	name := func(i int) string {
		switch {
		case i%10 == 0:
			return fmt.Sprintf("docs/d%02d/page%04d.md", i%50, i)
		case i%3 == 0:
			return fmt.Sprintf("pkg/p%02d/f%04d_test.go", i%50, i)
		}
		return fmt.Sprintf("pkg/p%02d/f%04d.go", i%50, i)
	}

	commit("refs/heads/main", "initial", "")
	file(repoConfigPath, testdata(b, "tiergate.yml"))
	for i := range benchFiles {
		file(name(i), fmt.Sprintf("package p\n\n// File %d.\nfunc F%d() int { return %d }\n", i, i, i))
	}
	for i := 1; i < benchCommits-1; i++ {
		commit("refs/heads/main", fmt.Sprintf("change %d", i), "")
		file("HISTORY", fmt.Sprintf("change %d\n", i))
	}
	commit("refs/heads/topic", "touch every file", "refs/heads/main")
	for i := range benchFiles {
		file(name(i), fmt.Sprintf("package p\n\n// File %d, edited.\nfunc F%d() int { return %d }\n", i, i, i+1))
	}

	cmd := exec.Command("git", "-C", r.dir, "fast-import", "--quiet")
	cmd.Stdin = &s
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git fast-import: %v\n%s", err, out)
	}
	r.git("symbolic-ref", "HEAD", "refs/heads/topic")
	if n := r.git("rev-list", "--count", "topic"); n != fmt.Sprint(benchCommits) {
		b.Fatalf("bench repo has %s commits on topic, want %d", n, benchCommits)
	}
	return r.dir
}
