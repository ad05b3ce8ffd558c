package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/tiergate/tiergate/rules"
)

// gitRepo runs the git command line in one repository. Shelling out to git
// (rather than reading objects in Go) keeps every repository layout git
// supports working: worktrees, alternates, partial clones, packed refs.
type gitRepo struct {
	dir string
}

// gitError is a failed git invocation, carrying what git said on stderr.
type gitError struct {
	dir    string
	args   []string
	stderr string
	code   int // exit status, -1 when git did not run
	err    error
}

func (e *gitError) Error() string {
	msg := strings.TrimSpace(e.stderr)
	for _, prefix := range []string{"fatal: ", "error: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	if msg == "" {
		msg = e.err.Error()
	}
	return fmt.Sprintf("git %s in %s: %s", e.args[0], e.dir, msg)
}

func (e *gitError) Unwrap() error { return e.err }

// run runs git with args and returns its stdout. stdin may be nil.
func (g gitRepo) run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	full := append([]string{"--no-pager", "-C", g.dir}, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	// Optional locks would make a read-only check write the index; LC_ALL=C
	// keeps messages stable for users and tests alike.
	cmd.Env = append(os.Environ(), "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C", "GIT_TERMINAL_PROMPT=0")
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return nil, fmt.Errorf("git is not installed or not on PATH: %w", err)
		}
		code := -1
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		}
		return nil, &gitError{dir: g.dir, args: args, stderr: stderr.String(), code: code, err: err}
	}
	return stdout.Bytes(), nil
}

// resolveCommit returns the full hash of the commit ref names.
func (g gitRepo) resolveCommit(ctx context.Context, ref string) (string, error) {
	out, err := g.run(ctx, nil, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	var ge *gitError
	// With --quiet, an unknown name exits 1 and says nothing; anything on
	// stderr is a bigger problem (not a repository, corrupt objects).
	if errors.As(err, &ge) && ge.code == 1 && strings.TrimSpace(ge.stderr) == "" {
		return "", fmt.Errorf("unknown revision %q: no commit by that name in %s", ref, g.dir)
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// defaultBase guesses the branch a change would be merged into, as a pull
// request would: the remote's default branch, else main, else master.
func (g gitRepo) defaultBase(ctx context.Context) (string, error) {
	out, err := g.run(ctx, nil, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
	if err == nil {
		return strings.TrimSpace(string(out)), nil
	}
	var ge *gitError
	if !errors.As(err, &ge) || ge.code != 1 {
		return "", err
	}
	for _, name := range []string{"main", "master"} {
		if _, err := g.resolveCommit(ctx, name); err == nil {
			return name, nil
		} else if errors.As(err, &ge) {
			return "", err // git itself failed, not just a missing branch
		}
	}
	return "", usageErrorf("cannot guess the base branch (no origin/HEAD, main or master); pass --base")
}

// readFile returns the content of path as it is in commit rev, and false
// when the path does not exist there.
func (g gitRepo) readFile(ctx context.Context, rev, path string) ([]byte, bool, error) {
	// cat-file --batch tells "missing" apart from real failures without
	// parsing error messages, in one invocation.
	out, err := g.run(ctx, strings.NewReader(rev+":"+path+"\n"), "cat-file", "--batch")
	if err != nil {
		return nil, false, err
	}
	r := bufio.NewReader(bytes.NewReader(out))
	header, err := r.ReadString('\n')
	if err != nil {
		return nil, false, fmt.Errorf("reading %s at %s: malformed git cat-file output", path, rev)
	}
	fields := strings.Fields(header)
	if len(fields) == 2 && fields[1] == "missing" {
		return nil, false, nil
	}
	if len(fields) != 3 {
		return nil, false, fmt.Errorf("reading %s at %s: malformed git cat-file output %q", path, rev, header)
	}
	if fields[1] != "blob" {
		return nil, false, fmt.Errorf("reading %s at %s: it is a %s, not a file", path, rev, fields[1])
	}
	size, err := strconv.Atoi(fields[2])
	if err != nil || size < 0 {
		return nil, false, fmt.Errorf("reading %s at %s: malformed size in git cat-file output %q", path, rev, header)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, false, fmt.Errorf("reading %s at %s: short git cat-file output: %w", path, rev, err)
	}
	return data, true, nil
}

// changedFiles lists the files changed by head since it forked from base
// (base...head, as a pull request's diff), in one git invocation.
func (g gitRepo) changedFiles(ctx context.Context, base, head string) ([]rules.ChangedFile, error) {
	// The explicit flags override user config that would change the output
	// format (external diff drivers, textconv, diff.relative, colors).
	out, err := g.run(ctx, nil, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
		"--raw", "--numstat", "-z", "-M", base+"..."+head, "--")
	if err != nil {
		return nil, err
	}
	files, err := parseDiff(out)
	if err != nil {
		return nil, fmt.Errorf("reading git diff %s...%s: %w", base, head, err)
	}
	return files, nil
}
