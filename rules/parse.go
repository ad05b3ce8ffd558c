package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxConfigSize is the largest config file Parse accepts. Config files come
// from pull requests' base branches, so they are untrusted input.
const MaxConfigSize = 1 << 20

// File is one parsed configuration file (org or repo) holding only the keys
// it sets, with their positions, ready to be layered by Resolve.
type File struct {
	Name string

	values   map[string]setting // by dotted path, e.g. "tiers.platform.require.approvals"
	critical []criticalEntry
}

// setting is one value a file sets, and where.
type setting struct {
	value any // bool, int, string, []string, Tier, Permission, Mode or RepoOverrides
	pos   pos
	items []pos // for a []string, where each entry is
}

type pos struct{ line, col int }

// criticalEntry is one critical_paths entry; values are keyed by field name.
type criticalEntry struct {
	name   string
	pos    pos
	values map[string]setting
}

// ConfigError is one problem in a config file, located for the editor.
type ConfigError struct {
	File    string
	Line    int
	Column  int
	Message string // what is wrong
	Hint    string // how to fix it, in plain English
}

// Error renders "file:line:col: message (hint)".
// A position that is not known (0) is left out: "file: message".
func (e ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	fmt.Fprintf(&b, ": %s", e.Message)
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

// ConfigErrors is every problem found in one or more config files.
type ConfigErrors []ConfigError

// Error renders one problem per line.
func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Parse parses and validates one config file. name is used in messages.
// The error, when not nil, is ConfigErrors.
//
// An empty file (or one holding only comments) is valid and sets nothing.
func Parse(name string, data []byte) (*File, error) {
	d := &decoder{file: name, budget: nodeBudget}
	if len(data) > MaxConfigSize {
		d.fail(nil, "keep the config file under 1 MiB", "file is %s bytes, over the %s byte limit", thousands(len(data)), thousands(MaxConfigSize))
		return nil, d.errs.list(true)
	}
	if e, bad := checkEncoding(data); bad {
		e.File = name
		return nil, ConfigErrors{e}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return &File{Name: name}, nil
	} else if err != nil {
		return nil, syntaxError(name, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.fail(&extra, "keep one document; remove the extra \"---\" line", "the file holds more than one YAML document")
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(name, data, err)
	}
	f := &File{Name: name, values: map[string]setting{}}
	root := &doc
	if len(doc.Content) == 1 {
		root = d.deref(doc.Content[0])
	}
	switch {
	case root == nil:
	case root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null":
		// A document that is only "~" or "null" sets nothing, like an empty file.
	case root.Kind != yaml.MappingNode:
		d.fail(root, "start the file with version: 1 followed by the keys you want to set", "the file must be a mapping of keys, got %s", describe(root))
	default:
		d.top(root, f)
	}
	if !d.errs.empty() {
		return nil, d.errs.list(true)
	}
	return f, nil
}

// top decodes the top-level mapping into f.
func (d *decoder) top(root *yaml.Node, f *File) {
	d.mapping(root, "", configKeys, f.values)
	if n := nodeAt(root, "critical_paths"); n != nil {
		f.critical = d.criticalPaths(valueOf(root, n))
	}
	if !hasKey(root, "version") {
		d.fail(root, "add version: 1 as the first line", "missing version")
	}
	// A label clash within one file is reported here, so that checking the
	// file alone finds it: every config built from the file has the clash
	// unless a more specific file replaces one of the two keys, and a file
	// should be valid without relying on that. Resolve checks the layered
	// result for clashes between files.
	uses := labelUses(func(path string) (any, origin, bool) {
		s, ok := f.values[path]
		return s.value, origin{file: f.Name, pos: s.pos, items: s.items}, ok
	})
	for _, e := range checkLabels(uses) {
		d.errs.add(e)
	}
}

// valueOf returns the value node that follows key node k in mapping m.
func valueOf(m, k *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i] == k {
			return m.Content[i+1]
		}
	}
	return nil
}
