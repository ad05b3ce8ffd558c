package rules

// CONTRACT STUB — replaced by the config implementation.

// File is one parsed configuration file (org or repo) holding only the keys
// it sets, with their positions, ready to be layered by Resolve.
type File struct {
	Name string
}

// ConfigError is one problem in a config file, located for the editor.
type ConfigError struct {
	File    string
	Line    int
	Column  int
	Message string // what is wrong
	Hint    string // how to fix it, in plain English
}

// ConfigErrors is every problem found in one or more config files.
type ConfigErrors []ConfigError

// Parse parses and validates one config file. name is used in messages.
// The error, when not nil, is ConfigErrors.
func Parse(name string, data []byte) (*File, error) { panic("not implemented") }

// Resolve layers built-in defaults, then org, then repo (either may be nil)
// into the effective Config, applying the org's repo_overrides policy.
func Resolve(org, repo *File) (*Config, error) { panic("not implemented") }

// Default returns the built-in configuration used when no file exists.
func Default() *Config { panic("not implemented") }
