package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tiergate/tiergate/rules"
)

// repoConfigPath is where a repository keeps its tiergate config.
const repoConfigPath = ".github/tiergate.yml"

// badConfigError is a config that was found but does not parse or resolve;
// err is usually rules.ConfigErrors.
type badConfigError struct {
	err    error
	atBase bool // the repo config came from the base commit
}

func (e *badConfigError) Error() string { return "invalid config: " + e.err.Error() }
func (e *badConfigError) Unwrap() error { return e.err }

// configError is a config file that could not be read at all.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// loadConfig builds the effective config for check: the org file if given,
// then the repo file from --config, the working tree, or (by default) the
// base commit, which is where GitHub reads it from, so that a change cannot
// loosen the rules it is judged by. With no file at all, built-in defaults.
func loadConfig(ctx context.Context, g gitRepo, baseRef, base string, opts checkOptions) (*rules.Config, error) {
	var org *rules.File
	if opts.OrgConfig != "" {
		data, err := readConfigFile(opts.OrgConfig)
		if err != nil {
			return nil, err
		}
		if org, err = rules.Parse(opts.OrgConfig, data); err != nil {
			return nil, &badConfigError{err: err}
		}
	}

	var (
		name   string
		data   []byte
		found  bool
		atBase bool
	)
	switch {
	case opts.Config != "":
		d, err := readConfigFile(opts.Config)
		if err != nil {
			return nil, err
		}
		name, data, found = opts.Config, d, true
	case opts.ConfigFromWorktree:
		top, err := g.run(ctx, nil, "rev-parse", "--show-toplevel")
		if err != nil {
			return nil, err
		}
		// Errors name the path from the repository's top, as for the base.
		name = repoConfigPath
		d, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(top)), filepath.FromSlash(repoConfigPath)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, &configError{fmt.Errorf("reading config: %w", err)}
		default:
			data, found = d, true
		}
	default:
		d, ok, err := g.readFile(ctx, base, repoConfigPath)
		var ge *gitError
		switch {
		case errors.As(err, &ge):
			return nil, fmt.Errorf("reading %s at %s: %w", repoConfigPath, baseRef, err)
		case err != nil: // in practice, the path is a directory
			return nil, &configError{fmt.Errorf("reading %s at %s: %w", repoConfigPath, baseRef, err)}
		}
		name, data, found, atBase = repoConfigPath, d, ok, true
	}

	var repo *rules.File
	if found {
		var err error
		if repo, err = rules.Parse(name, data); err != nil {
			return nil, &badConfigError{err: err, atBase: atBase}
		}
	}
	if org == nil && repo == nil {
		return rules.Default(), nil
	}
	cfg, err := rules.Resolve(org, repo)
	if err != nil {
		return nil, &badConfigError{err: err, atBase: atBase}
	}
	return cfg, nil
}

// readConfigFile reads a config file named on the command line; a missing
// file is the caller's mistake.
func readConfigFile(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageErrorf("config file %s does not exist", name)
	}
	if err != nil {
		return nil, &configError{fmt.Errorf("reading config: %w", err)}
	}
	return data, nil
}

// printConfigErrors prints each config error as file:line:col: message
// (hint), the form editors and CI annotations understand.
func printConfigErrors(w io.Writer, err error) {
	var errs rules.ConfigErrors
	if !errors.As(err, &errs) {
		fmt.Fprintf(w, "%v\n", err)
		return
	}
	for _, e := range errs {
		fmt.Fprintln(w, e.Error())
	}
}
