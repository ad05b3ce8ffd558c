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

// decoder turns a yaml.v3 node tree into a File, strictly, by walking the
// configKeys table. It collects every problem rather than stopping at one.
type decoder struct {
	file      string
	errs      errorList
	budget    int
	exhausted bool
	alias     *yaml.Node // the alias followed last, for the budget's error
	// globs caches checkGlob by pattern: aliases can repeat one list of
	// globs a million times.
	globs map[string]error
}

func (d *decoder) fail(n *yaml.Node, hint, format string, args ...any) {
	d.errs.add(d.errorAt(n, hint, fmt.Sprintf(format, args...)))
}

func (d *decoder) errorAt(n *yaml.Node, hint, msg string) ConfigError {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, max(n.Column, 1)
	}
	return ConfigError{File: d.file, Line: line, Column: col, Message: msg, Hint: hint}
}

// deref follows aliases and charges the node budget. It returns nil once the
// budget is spent, having reported that once, at the alias it was following.
func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		d.budget--
		d.alias = n
		n = n.Alias
	}
	d.budget--
	if d.budget < 0 {
		if !d.exhausted {
			// Recorded even past maxErrors: it explains why decoding stopped.
			d.exhausted = true
			d.errs.addAlways(d.errorAt(d.alias, "use fewer anchors and aliases (&name, *name); write the values out instead",
				fmt.Sprintf("alias expansion limit: the aliases in this file expand to more than %s YAML nodes, so it was not read further", thousands(nodeBudget))))
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
			where := strings.TrimSuffix(prefix, ".")
			if where != "" {
				where += ": "
			}
			d.fail(kn, "keys must be plain words such as version", "%skeys must be strings, got %s", where, describe(kn))
			continue
		}
		if kn.ShortTag() == "!!merge" {
			d.fail(kn, "write the keys out instead of merging with <<", "%s<<: merge keys are not supported", prefix)
			continue
		}
		if line, dup := seen[name]; dup {
			d.fail(kn, "keep one of them", "%s%s: duplicate key, already set on line %d", prefix, plain(name), line)
			continue
		}
		seen[name] = kn.Line
		i := slices.IndexFunc(ks, func(k key) bool { return k.name == name })
		if i < 0 {
			d.fail(kn, unknownKeyHint(name, ks), "%s%s: unknown key", prefix, plain(name))
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
	if k.kind == kindStrings || k.kind == kindGlobs {
		if v, items, ok := d.list(n, path, k.kind == kindGlobs); ok {
			values[path] = setting{value: v, pos: pos{n.Line, n.Column}, items: items}
		}
		return
	}
	if v, ok := d.leaf(n, path, k); ok {
		values[path] = setting{value: v, pos: pos{n.Line, n.Column}}
	}
}

// leaf decodes a scalar.
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
		if err := n.Decode(&b); err != nil { // "!!bool yes"
			d.fail(n, "write true or false", "%s: expected true or false, got %s", path, plain(n.Value))
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
		d.fail(n, "write a whole number such as 2", "%s: %s is not a usable whole number", path, plain(n.Value))
		return 0, false
	}
	return v, true
}

func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.fail(n, `write text, quoted if it looks like a number, a date or true/false (e.g. "123")`, "%s: expected a string, got %s", path, describe(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) enum(n *yaml.Node, path string, names []string, conv func(string) any) (any, bool) {
	valid := strings.Join(names, ", ")
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.fail(n, "use one of: "+valid, "%s: expected one of %s, got %s", path, valid, describe(n))
		return nil, false
	}
	s := n.Value
	if !slices.Contains(names, s) {
		hint := "use one of: " + valid
		if near := nearest(s, names); near != "" {
			hint = fmt.Sprintf("did you mean %s? Valid values: %s", near, valid)
		}
		d.fail(n, hint, "%s: unknown value %s", path, quote(s))
		return nil, false
	}
	return conv(s), true
}

// list decodes a sequence of non-empty strings, validating globs. It returns
// each entry's position too.
func (d *decoder) list(n *yaml.Node, path string, globs bool) ([]string, []pos, bool) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, `write a list such as ["a", "b"]`, "%s: expected a list, got %s", path, describe(n))
		return nil, nil, false
	}
	out := make([]string, 0, len(n.Content))
	at := make([]pos, 0, len(n.Content))
	ok := true
	for _, item := range n.Content {
		if item = d.deref(item); item == nil {
			return nil, nil, false
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
		at = append(at, pos{item.Line, item.Column})
	}
	return out, at, ok
}

// glob checks one pattern. Absolute and ./-relative patterns are refused
// because changed-file paths never start that way: such a glob would silently
// match nothing, which could wave a change through.
func (d *decoder) glob(n *yaml.Node, path, p string) bool {
	switch {
	case p == "." || p == ".." || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../"):
		d.fail(n, `write paths relative to the repository root, e.g. "docs/**"`, "%s: glob %s is not relative to the repository root", path, quote(p))
		return false
	case !doublestar.ValidatePattern(p):
		d.fail(n, `check brackets and braces are closed, e.g. "src/**/*.{go,ts}"`, "%s: invalid glob %s", path, quote(p))
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
		d.fail(n, "simplify the glob, or split it into several list entries; see Glob limits in docs/configuration.md", "%s: glob %s: %v", path, quote(p), err)
		return false
	}
	return true
}
