package main

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"

	"github.com/tiergate/tiergate/rules"
)

// errorKind says what stopped a command before it reached a verdict.
type errorKind string

const (
	kindUsage    errorKind = rules.ErrorUsage    // the command was called wrongly
	kindGit      errorKind = rules.ErrorGit      // git failed or lacks a commit
	kindConfig   errorKind = rules.ErrorConfig   // a config file could not be read
	kindInternal errorKind = rules.ErrorInternal // anything else, an interrupt included
)

func (k errorKind) String() string { return string(k) }

// writeJSONError prints err on w as the error object of the verdict
// schema (rules.JSONError), so that a tool reading stdout always gets
// exactly one JSON object and can tell an error from a verdict by its
// "error" key; the full message also goes to stderr, as in every format. An exitStatus has nothing
// to print: the command already gave its verdict (or a config failure
// verdict) or its help.
func writeJSONError(ctx context.Context, w io.Writer, err error) {
	var status exitStatus
	if err == nil || errors.As(err, &status) {
		return
	}
	kind, msg := classify(err), oneLine(err.Error())
	if ctx.Err() != nil {
		// As run reports it: a git process killed by the signal fails
		// with a message that would only mislead.
		kind, msg = kindInternal, "interrupted"
	}
	out := rules.JSONError(string(kind), msg)
	// A failed write cannot be reported on stdout either; the message
	// still reaches stderr and the exit status is still 2.
	_, _ = w.Write(out)
}

// classify maps an error to its kind.
func classify(err error) errorKind {
	var (
		usage   *usageError
		config  *configError
		git     *gitError
		missing *missingError
	)
	switch {
	case errors.As(err, &usage):
		return kindUsage
	case errors.As(err, &config):
		return kindConfig
	case errors.As(err, &git), errors.As(err, &missing), errors.Is(err, exec.ErrNotFound):
		return kindGit
	}
	return kindInternal
}

// oneLine joins the non-blank lines of s with "; ": git's messages can run
// over several lines.
func oneLine(s string) string {
	var lines []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "; ")
}
