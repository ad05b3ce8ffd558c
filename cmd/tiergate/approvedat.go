package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tiergate/tiergate/rules"
)

// approvedAt answers tiergate check --approved-at: whether an approval given
// on ref would still count at head, judged by the engine exactly as on
// GitHub, from the pull request's change at each commit as git computes it
// here and GitHub's compare API computes it there.
func approvedAt(ctx context.Context, g gitRepo, cfg *rules.Config, base, head, ref string) (*rules.ApprovalCheck, error) {
	commit, err := g.resolveCommit(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("--approved-at: %w", err)
	}
	pr := rules.PullRequest{HeadSHA: head, Patches: map[string]rules.Patch{}}
	for _, c := range []string{commit, head} {
		if _, done := pr.Patches[c]; done {
			continue
		}
		if pr.Patches[c], err = g.change(ctx, base, c); err != nil {
			return nil, err
		}
	}
	check := rules.ApprovedAt(cfg, pr, commit)
	return &check, nil
}

// change is a pull request's change at commit when it targets base: the
// diff from their merge base to commit, as GitHub's compare API gives
// base...commit. The flags pin everything user config could change in
// the output (external diff drivers, textconv, prefixes, context, hunk
// merging, the diff algorithm, renames, and with --full-index the length
// of the blob names on index lines, which core.abbrev could shorten below
// what the comparison reads: it tells by the pre-image blob whether the
// base moved under a file, and so whether a hunk's place counts). A binary
// file shows as "Binary files ... differ", which the comparison never takes
// as equal.
func (g gitRepo) change(ctx context.Context, base, commit string) (rules.Patch, error) {
	out, err := g.run(ctx, nil, "merge-base", base, commit)
	var ge *gitError
	if errors.As(err, &ge) && ge.code == 1 && strings.TrimSpace(ge.stderr) == "" {
		return rules.Patch{Unavailable: rules.Messagef("%s has no history in common with the base", commit[:min(7, len(commit))])}, nil
	}
	if err != nil {
		return rules.Patch{}, err
	}
	mb := strings.TrimSpace(string(out))
	diff, err := g.run(ctx, nil, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--ignore-submodules=none",
		"--no-relative", "--src-prefix=a/", "--dst-prefix=b/", "-U3", "--inter-hunk-context=0",
		"--diff-algorithm=myers", "--indent-heuristic", "--full-index", "-M", mb, commit, "--")
	if err != nil {
		return rules.Patch{}, err
	}
	p, err := rules.ParsePatch(diff)
	if err != nil {
		return rules.Patch{Unavailable: rules.Messagef("git's diff could not be read: %s", err.Error())}, nil
	}
	return p, nil
}
