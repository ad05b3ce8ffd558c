package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/tiergate/tiergate/rules"
)

const validateSynopsis = `tiergate validate [flags] [file]...

Checks tiergate config files (default .github/tiergate.yml) and prints each
problem as file:line:col: message (hint). With --schema, prints the config
file's JSON Schema instead, for editors.

Exit status: 0 all files are valid, 1 a file is invalid, 2 usage error or a
file cannot be read.`

// validateOptions are tiergate validate's inputs.
type validateOptions struct {
	Files  []string
	Org    bool // the files are org-wide configs
	Schema bool // print the JSON Schema instead of validating

	Stdout io.Writer
	Stderr io.Writer
}

func validateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts := validateOptions{Stdout: stdout, Stderr: stderr}
	fs := newFlagSet("validate")
	fs.BoolVar(&opts.Org, "org", false, "validate the files as org-wide configs rather than repo configs")
	fs.BoolVar(&opts.Schema, "schema", false, "print the JSON Schema of config files and exit")
	pos, err := parseFlags(fs, validateSynopsis, args, stdout)
	if err != nil {
		return err
	}
	opts.Files = pos
	return runValidate(ctx, opts)
}

// runValidate checks every file, even after one fails, so that one run
// shows every problem. It returns exitStatus(1) if a file is invalid and
// exitStatus(2) if a file cannot be read.
func runValidate(ctx context.Context, opts validateOptions) error {
	if opts.Schema {
		if len(opts.Files) > 0 {
			return usageErrorf("--schema takes no files")
		}
		if _, err := opts.Stdout.Write(rules.Schema); err != nil {
			return fmt.Errorf("writing the schema: %w", err)
		}
		return nil
	}
	files := opts.Files
	if len(files) == 0 {
		files = []string{repoConfigPath}
	}
	status := 0
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		data, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(opts.Stderr, "%s: no such file\n", name)
			status = 2
			continue
		}
		if err != nil {
			fmt.Fprintf(opts.Stderr, "%s: %v\n", name, err)
			status = 2
			continue
		}
		if err := validateOne(name, data, opts.Org); err != nil {
			printConfigErrors(opts.Stderr, err)
			status = max(status, 1)
			continue
		}
		fmt.Fprintf(opts.Stdout, "%s: ok\n", name)
	}
	if status != 0 {
		return exitStatus(status)
	}
	return nil
}

// validateOne parses a file and resolves it over the built-in defaults, so
// that errors only visible once layered (such as a tier without rules) are
// caught too.
func validateOne(name string, data []byte, org bool) error {
	f, err := rules.Parse(name, data)
	if err != nil {
		return err
	}
	if org {
		_, err = rules.Resolve(f, nil)
	} else {
		_, err = rules.Resolve(nil, f)
	}
	return err
}
