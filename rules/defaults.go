package rules

import "fmt"

// defaultYAML is the built-in configuration: the documented example without
// critical paths. Keeping it as YAML means the defaults go through the same
// parser and layering as any file, so they cannot drift from what a file
// spelling them out would mean.
const defaultYAML = `version: 1
default_tier: feature
tiers:
  experiment:
    labels: ["tier/experiment"]
    require: {tests: false, docs: false, approvals: 0, max_changed_lines: 0, checks: []}
  feature:
    labels: ["tier/feature"]
    require: {tests: true, docs: false, approvals: 1, max_changed_lines: 0, checks: []}
  platform:
    labels: ["tier/platform"]
    require: {tests: true, docs: true, approvals: 2, max_changed_lines: 800, checks: []}
paths:
  source: ["**/*.go", "**/*.ts", "**/*.py"]
  tests: ["**/*_test.go", "**/*.test.ts", "tests/**", "**/test_*.py"]
  docs: ["docs/**", "**/*.md"]
approvals:
  fresh_only: true
  keep_on_same_diff: true
  min_permission: write
checks:
  timeout: 2h
  skipped: fail
overrides:
  labels:
    tests: "tiergate/skip-tests"
    docs: "tiergate/skip-docs"
    approvals: "tiergate/skip-approvals"
    max_changed_lines: ""
    checks: ""
    all: "tiergate/override"
  min_permission: maintain
  allow_author: false
  allow_bots: []
mode: enforce
repo_overrides: any
`

// defaultFile parses defaultYAML. A failure is a bug in this package, caught
// by its tests, so it panics rather than fail every pull request quietly.
func defaultFile() *File {
	f, err := Parse("(built-in defaults)", []byte(defaultYAML))
	if err != nil {
		panic(fmt.Sprintf("rules: built-in defaults do not parse: %v", err))
	}
	return f
}

// Default returns the built-in configuration used when no file exists.
func Default() *Config {
	cfg, err := Resolve(nil, nil)
	if err != nil {
		panic(fmt.Sprintf("rules: built-in defaults do not resolve: %v", err))
	}
	return cfg
}
