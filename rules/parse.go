package rules

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
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
func (e ConfigError) Error() string {
	s := fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
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
		d.fail(nil, "keep the config file under 1 MiB", "file is %d bytes, over the %d byte limit", len(data), MaxConfigSize)
		return nil, d.errs
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return &File{Name: name}, nil
	} else if err != nil {
		return nil, syntaxError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.fail(&extra, "keep one document; remove the extra \"---\" line", "the file holds more than one YAML document")
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(name, err)
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
	if len(d.errs) > 0 {
		if d.dropped > 0 {
			last := d.errs[len(d.errs)-1]
			d.errs = append(d.errs, ConfigError{File: name, Line: last.Line, Column: last.Column,
				Message: fmt.Sprintf("%d more problems not shown", d.dropped), Hint: "fix the problems above and check again"})
		}
		slices.SortStableFunc(d.errs, func(a, b ConfigError) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
		})
		return nil, d.errs
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
	labels := map[Tier][]string{}
	at := map[Tier]origin{}
	for _, t := range AllTiers() {
		if s, ok := f.values["tiers."+t.String()+".labels"]; ok {
			labels[t], at[t] = s.value.([]string), origin{file: f.Name, pos: s.pos}
		}
	}
	d.errs = append(d.errs, checkTierLabels(labels, at)...)
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

var yamlLine = regexp.MustCompile(`\bline (\d+)`)

// syntaxError turns a yaml.v3 parse error into a ConfigError. yaml.v3 puts the
// line in its message and no column, so the column is 1.
func syntaxError(name string, err error) ConfigErrors {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil && n > 0 {
			line = n
		}
		msg = strings.TrimPrefix(msg, m[0]+": ")
	}
	return ConfigErrors{{File: name, Line: line, Column: 1, Message: "invalid YAML: " + msg,
		Hint: "check the indentation, quotes and brackets around this line; YAML indents with spaces, never tabs"}}
}
