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
	dir    string
	config []string // extra key=value settings, given with -c
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

// missingError is a commit, or a merge base, that the repository does not
// have: a mistyped name, or history a shallow clone never fetched.
type missingError struct{ msg string }

func (e *missingError) Error() string { return e.msg }

// run runs git with args and returns its stdout. stdin may be nil.
func (g gitRepo) run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	// See gitenv.go for why each of these is here. Replace refs swap
	// objects for others, commits and trees alike, which GitHub ignores.
	full := append([]string{"--no-pager", "--no-replace-objects", "-C", g.dir}, gitConfigArgs()...)
	for _, kv := range g.config {
		full = append(full, "-c", kv)
	}
	full = append(full, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = gitEnv(os.Environ())
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
		return "", &missingError{fmt.Sprintf("unknown revision %q: no commit by that name in %s", ref, g.dir)}
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

// mergeBase returns the commit a pull request from head into base would be
// diffed from: their best common ancestor.
func (g gitRepo) mergeBase(ctx context.Context, base, head string) (string, error) {
	out, err := g.run(ctx, nil, "merge-base", base, head)
	var ge *gitError
	// Exit 1 with nothing said means no common ancestor.
	if errors.As(err, &ge) && ge.code == 1 && strings.TrimSpace(ge.stderr) == "" {
		return "", &missingError{"no merge base: the two share no history"}
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// explainShallow adds the likely cause and its fix to a missing commit or
// merge base when the repository is a shallow clone, the default in CI
// (actions/checkout fetches one commit), where "unknown revision HEAD~1"
// alone sends people looking for a typo.
func (g gitRepo) explainShallow(ctx context.Context, err error) error {
	var missing *missingError
	if !errors.As(err, &missing) {
		return err
	}
	out, serr := g.run(ctx, nil, "rev-parse", "--is-shallow-repository")
	if serr != nil || strings.TrimSpace(string(out)) != "true" {
		return err
	}
	return fmt.Errorf("%w; the repository is a shallow clone, so older history is missing: "+
		"run 'git fetch --unshallow' (in GitHub Actions, set fetch-depth: 0 on actions/checkout)", err)
}

// binaryOverrides returns settings resetting each diff.<driver>.binary in
// the config to auto. A driver named by the repository's .gitattributes
// (diff=lockfile) and declared binary in a user's config would make numstat
// count that file as zero lines; GitHub, knowing no drivers, counts them.
func (g gitRepo) binaryOverrides(ctx context.Context) ([]string, error) {
	out, err := g.run(ctx, nil, "config", "--null", "--name-only", "--get-regexp", `^diff\..+\.binary$`)
	var ge *gitError
	if errors.As(err, &ge) && ge.code == 1 && strings.TrimSpace(ge.stderr) == "" {
		return nil, nil // none set
	}
	if err != nil {
		return nil, err
	}
	var kv []string
	for _, name := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		// git -c splits at the first "=", so such a key cannot be
		// overridden; better to stop than to count the file as binary.
		if strings.Contains(name, "=") {
			return nil, fmt.Errorf("cannot override %s from the git config (a driver name with \"=\"); rename that diff driver", name)
		}
		kv = append(kv, name+"=auto")
	}
	return kv, nil
}

// changedFiles lists the files changed by head since it forked from base
// (base...head, as a pull request's diff).
func (g gitRepo) changedFiles(ctx context.Context, base, head string) ([]rules.ChangedFile, error) {
	from, err := g.mergeBase(ctx, base, head)
	if err != nil {
		return nil, err
	}
	overrides, err := g.binaryOverrides(ctx)
	if err != nil {
		return nil, err
	}
	d := gitRepo{dir: g.dir, config: overrides}
	// The flags override config that would change the list or the
	// counts (see gitenv.go): diff.relative (in a subdirectory);
	// diff.ignoreSubmodules and submodule.<name>.ignore, which hide a
	// submodule bump; diff.algorithm, which changes line counts (myers is
	// git's default); diff.renames and diff.renameLimit, which turn
	// renames into additions and deletions (1000 is git's default limit);
	// diff.orderFile, which reorders files. -z prints paths verbatim
	// whatever core.quotePath says. Colours, external diffs and textconv
	// do not reach --raw --numstat output today; turning them off costs
	// nothing should that change.
	out, err := d.run(ctx, nil, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
		"--ignore-submodules=none", "--diff-algorithm=myers", "-M", "-l1000", "-O"+os.DevNull,
		"--raw", "--numstat", "-z", from, head, "--")
	if err != nil {
		return nil, err
	}
	files, err := parseDiff(out)
	if err != nil {
		return nil, fmt.Errorf("reading git diff %s...%s: %w", base, head, err)
	}
	return files, nil
}
