// Command tiergate enforces quality gates on pull requests scaled to the
// stakes of each change. It runs as a GitHub App (tiergate serve) and, with
// the same engine, on a developer's machine (tiergate check).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `tiergate enforces quality gates on pull requests, scaled to the stakes of each change.

Usage:
  tiergate <command> [flags]

Commands:
  check      evaluate the local changes base...head as a pull request would be
  validate   check tiergate config files for errors
  backtest   judge a repository's past pull requests with a config
  serve      run the GitHub App server
  migrate    apply the PostgreSQL schema migrations (TIERGATE_DATABASE_URL)
  ledger     read the decision ledger: export, show, summary (TIERGATE_DATABASE_URL)
  version    print the version

Run 'tiergate <command> --help' for a command's flags.
`

// run dispatches a subcommand and returns the process exit status: 0 for
// success, 1 for a failing verdict or invalid config (validate), 2 for usage,
// configuration and git errors.
func run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	// serve logs JSON to stderr, which has its own escaping; every other
	// command writes lines for a person.
	if args[0] != "serve" {
		stderr = terminalWriter{w: stderr}
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "check":
		err = checkCmd(ctx, rest, stdout, stderr)
	case "validate":
		err = validateCmd(ctx, rest, stdout, stderr)
	case "backtest":
		err = backtestCmd(ctx, rest, env, stdout, stderr)
	case "version":
		err = versionCmd(rest, stdout)
	case "serve":
		err = runServe(ctx, rest, env, stdout, stderr)
	case "migrate":
		err = migrateCmd(ctx, rest, env, stdout, stderr)
	case "ledger":
		err = ledgerCmd(ctx, rest, env, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "tiergate: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil && ctx.Err() != nil {
		// A git process killed by the signal fails with an unhelpful
		// "signal: killed"; say what happened instead.
		fmt.Fprintf(stderr, "tiergate %s: interrupted\n", args[0])
		return 2
	}
	return exitCode(err, args[0], stderr)
}

// exitStatus ends a command with a status after it has already told the user
// everything (a failing verdict, a list of config errors).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// usageError is a mistake in how the command was called.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode reports err on stderr (unless already reported) and maps it to
// the exit status. Anything unexpected is 2: the check could not be done.
func exitCode(err error, cmd string, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var status exitStatus
	if errors.As(err, &status) {
		return int(status)
	}
	var usage *usageError
	if errors.As(err, &usage) {
		fmt.Fprintf(stderr, "tiergate %s: %v\nRun 'tiergate %s --help' for usage.\n", cmd, err, cmd)
		return 2
	}
	fmt.Fprintf(stderr, "tiergate %s: %v\n", cmd, err)
	return 2
}
