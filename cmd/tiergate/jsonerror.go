package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
)

// errorKind says what stopped a command before it reached a verdict.
type errorKind string

const (
	kindUsage    errorKind = "usage"    // the command was called wrongly
	kindGit      errorKind = "git"      // git failed or lacks a commit
	kindConfig   errorKind = "config"   // a config file could not be read
	kindInternal errorKind = "internal" // anything else, an interrupt included
)

func (k errorKind) String() string { return string(k) }

// jsonError is what check --format json prints on stdout when it ends
// without a verdict, so that a tool reading stdout always gets exactly one
// JSON object and can tell an error from a verdict by its "error" key. The
// full message also goes to stderr, as in every format.
type jsonError struct {
	SchemaVersion int             `json:"schema_version"`
	Error         jsonErrorDetail `json:"error"`
}

type jsonErrorDetail struct {
	Kind    errorKind `json:"kind"`
	Message string    `json:"message"` // one line
}

// writeJSONError prints err as a jsonError on w. An exitStatus has nothing
// to print: the command already gave its verdict (or a config failure
// verdict) or its help.
func writeJSONError(ctx context.Context, w io.Writer, err error) {
	var status exitStatus
	if err == nil || errors.As(err, &status) {
		return
	}
	detail := jsonErrorDetail{Kind: classify(err), Message: oneLine(err.Error())}
	if ctx.Err() != nil {
		// As run reports it: a git process killed by the signal fails
		// with a message that would only mislead.
		detail = jsonErrorDetail{Kind: kindInternal, Message: "interrupted"}
	}
	out, merr := json.Marshal(jsonError{SchemaVersion: 1, Error: detail})
	if merr != nil {
		return // strings only: cannot happen
	}
	// A failed write cannot be reported on stdout either; the message
	// still reaches stderr and the exit status is still 2.
	_, _ = w.Write(append(out, '\n'))
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
