package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"
)

// nodeBudget bounds how many YAML nodes one decode may visit. Aliases are
// followed, so a small file of nested aliases ("billion laughs") could
// otherwise expand without limit; 1 MiB of plain YAML stays well below this.
const nodeBudget = 1 << 20

// maxErrors caps how many problems one file reports, so that a large broken
// file still yields a message short enough for a check run or a comment.
const maxErrors = 50

// decoder turns a yaml.v3 node tree into a File, strictly, by walking the
// configKeys table. It collects every problem rather than stopping at one.
type decoder struct {
	file      string
	errs      ConfigErrors
	budget    int
	exhausted bool
	dropped   int // errors beyond maxErrors
	// globs caches checkGlob by pattern: aliases can repeat one list of
	// globs a million times.
	globs map[string]error
}

func (d *decoder) fail(n *yaml.Node, hint, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		d.dropped++
		return
	}
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, max(n.Column, 1)
	}
	d.errs = append(d.errs, ConfigError{File: d.file, Line: line, Column: col, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// deref follows aliases and charges the node budget. It returns nil once the
// budget is spent, having reported that once.
func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		d.budget--
		n = n.Alias
	}
	d.budget--
	if d.budget < 0 {
		if !d.exhausted {
			// Recorded even past maxErrors: it explains why decoding stopped.
			d.exhausted = true
			d.errs = append(d.errs, ConfigError{File: d.file, Line: 1, Column: 1,
				Message: fmt.Sprintf("the file expands to more than %d YAML nodes", nodeBudget),
				Hint:    "remove anchors and aliases (&name / *name) and write the values out"})
		}
		return nil
	}
	return n
}

// mapping decodes a mapping with the fixed keys ks into values under prefix.
func (d *decoder) mapping(n *yaml.Node, prefix string, ks []key, values map[string]setting) {
	if n = d.deref(n); n == nil {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, "write the keys indented under it, one per line", "%s: expected a mapping, got %s", strings.TrimSuffix(prefix, "."), describe(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		name := kn.Value
		if kn.Kind != yaml.ScalarNode {
			d.fail(kn, "keys must be plain words such as version", "%skeys must be strings, got %s", prefix, describe(kn))
			continue
		}
		if kn.ShortTag() == "!!merge" {
			d.fail(kn, "write the keys out instead of merging with <<", "%s<<: merge keys are not supported", prefix)
			continue
		}
		if line, dup := seen[name]; dup {
			d.fail(kn, "keep one of them", "%s%s: duplicate key, already set on line %d", prefix, name, line)
			continue
		}
		seen[name] = kn.Line
		i := slices.IndexFunc(ks, func(k key) bool { return k.name == name })
		if i < 0 {
			d.fail(kn, unknownKeyHint(name, ks), "%s%s: unknown key", prefix, name)
			continue
		}
		d.value(vn, prefix+name, ks[i], values)
	}
}

// value decodes one key's value into values[path].
func (d *decoder) value(n *yaml.Node, path string, k key, values map[string]setting) {
	switch k.kind {
	case kindMapping:
		d.mapping(n, path+".", k.keys, values)
		return
	case kindCritical:
		// Handled by the caller, which keeps entries in their own list.
		return
	}
	if n = d.deref(n); n == nil {
		return
	}
	if v, ok := d.leaf(n, path, k); ok {
		values[path] = setting{value: v, pos: pos{n.Line, n.Column}}
	}
}

// leaf decodes a scalar or a list of strings.
func (d *decoder) leaf(n *yaml.Node, path string, k key) (any, bool) {
	switch k.kind {
	case kindVersion:
		v, ok := d.integer(n, path)
		if ok && v != 1 {
			d.fail(n, "set version: 1; it is the only version this tiergate understands", "version: unsupported version %d", v)
			return nil, false
		}
		return v, ok
	case kindBool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			d.fail(n, "write true or false", "%s: expected true or false, got %s", path, describe(n))
			return nil, false
		}
		var b bool
		if err := n.Decode(&b); err != nil {
			d.fail(n, "write true or false", "%s: %v", path, err)
			return nil, false
		}
		return b, true
	case kindCount:
		v, ok := d.integer(n, path)
		if ok && v < 0 {
			d.fail(n, "use 0 or a positive whole number", "%s: must not be negative, got %d", path, v)
			return nil, false
		}
		return v, ok
	case kindName, kindLabel:
		s, ok := d.str(n, path)
		if ok && s == "" && k.kind == kindName {
			d.fail(n, "give it a short name such as payments", "%s: must not be empty", path)
			return nil, false
		}
		return s, ok
	case kindStrings, kindGlobs:
		return d.list(n, path, k.kind == kindGlobs)
	case kindTier:
		return d.enum(n, path, tierNames(), func(s string) any { t, _ := ParseTier(s); return t })
	case kindPermission:
		return d.enum(n, path, configPermissions, func(s string) any { p, _ := ParsePermission(s); return p })
	case kindMode:
		return d.enum(n, path, modeNames, func(s string) any {
			if s == "report" {
				return ModeReport
			}
			return ModeEnforce
		})
	case kindRepoOverrides:
		return d.enum(n, path, repoOverridesNames, func(s string) any {
			if s == "tighten_only" {
				return RepoOverridesTightenOnly
			}
			return RepoOverridesAny
		})
	case kindChecks:
		return d.checks(n, path)
	case kindDuration:
		return d.duration(n, path)
	case kindSkipped:
		return d.enum(n, path, skippedNames, func(s string) any {
			if s == "pass" {
				return SkippedPass
			}
			return SkippedFail
		})
	}
	d.fail(n, "report this as a tiergate bug", "%s: no decoder for this key", path)
	return nil, false
}

func (d *decoder) integer(n *yaml.Node, path string) (int, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		d.fail(n, "write a whole number such as 2, without quotes", "%s: expected a whole number, got %s", path, describe(n))
		return 0, false
	}
	var v int
	if err := n.Decode(&v); err != nil {
		d.fail(n, "write a whole number such as 2", "%s: %s is not a usable whole number", path, n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.fail(n, `write text, quoted if it looks like a number or true/false (e.g. "123")`, "%s: expected a string, got %s", path, describe(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) enum(n *yaml.Node, path string, names []string, conv func(string) any) (any, bool) {
	s, ok := d.str(n, path)
	if !ok {
		return nil, false
	}
	if !slices.Contains(names, s) {
		hint := "use one of: " + strings.Join(names, ", ")
		if near := nearest(s, names); near != "" {
			hint = fmt.Sprintf("did you mean %s? Valid values: %s", near, strings.Join(names, ", "))
		}
		d.fail(n, hint, "%s: unknown value %q", path, s)
		return nil, false
	}
	return conv(s), true
}

// list decodes a sequence of non-empty strings, validating globs.
func (d *decoder) list(n *yaml.Node, path string, globs bool) ([]string, bool) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, `write a list such as ["a", "b"]`, "%s: expected a list, got %s", path, describe(n))
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for _, item := range n.Content {
		if item = d.deref(item); item == nil {
			return nil, false
		}
		s, good := d.str(item, path)
		switch {
		case !good:
		case s == "":
			d.fail(item, "remove the empty entry", "%s: empty entry", path)
			good = false
		case globs:
			good = d.glob(item, path, s)
		}
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// glob checks one pattern. Absolute and ./-relative patterns are refused
// because changed-file paths never start that way: such a glob would silently
// match nothing, which could wave a change through.
func (d *decoder) glob(n *yaml.Node, path, p string) bool {
	switch {
	case p == "." || p == ".." || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../"):
		d.fail(n, `write paths relative to the repository root, e.g. "docs/**"`, "%s: glob %q is not relative to the repository root", path, p)
		return false
	case !doublestar.ValidatePattern(p):
		d.fail(n, `check brackets and braces are closed, e.g. "src/**/*.{go,ts}"`, "%s: invalid glob %q", path, p)
		return false
	}
	err, seen := d.globs[p]
	if !seen {
		err = checkGlob(p)
		if d.globs == nil {
			d.globs = map[string]error{}
		}
		d.globs[p] = err
	}
	if err != nil {
		d.fail(n, "simplify the glob, or split it into several list entries; see Glob limits in docs/configuration.md", "%s: glob %q: %v", path, p, err)
		return false
	}
	return true
}
