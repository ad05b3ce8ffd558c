package rules

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// criticalPaths decodes the critical_paths list. Each entry needs a unique
// name; paths are checked by Resolve, because a repo entry may refine an org
// entry of the same name without repeating its paths.
func (d *decoder) criticalPaths(n *yaml.Node) []criticalEntry {
	if n = d.deref(n); n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, "write a list of entries, each starting with \"- name:\"", "critical_paths: expected a list, got %s", describe(n))
		return nil
	}
	fields := criticalKeys()
	var out []criticalEntry
	names := map[string]int{}
	for i, item := range n.Content {
		if item = d.deref(item); item == nil {
			return nil
		}
		prefix := fmt.Sprintf("critical_paths[%d].", i)
		values := map[string]setting{}
		d.mapping(item, prefix, fields, values)
		if item.Kind != yaml.MappingNode {
			continue
		}
		name, ok := values[prefix+"name"]
		if !ok {
			if !hasKey(item, "name") {
				d.fail(item, "add name: followed by a short unique name such as payments", "critical_paths[%d]: missing name", i)
			}
			continue
		}
		e := criticalEntry{name: name.value.(string), pos: pos{item.Line, item.Column}, values: map[string]setting{}}
		if line, dup := names[e.name]; dup {
			d.fail(nodeAt(item, "name"), "give each critical path its own name, or merge the two entries", "critical_paths: duplicate name %s, already used on line %d", quote(e.name), line)
			continue
		}
		names[e.name] = name.pos.line
		for p, s := range values {
			e.values[p[len(prefix):]] = s
		}
		if paths, ok := e.values["paths"]; ok && len(paths.value.([]string)) == 0 {
			d.errs.add(ConfigError{File: d.file, Line: paths.pos.line, Column: paths.pos.col,
				Message: fmt.Sprintf("critical_paths %s: paths is empty", quote(e.name)),
				Hint:    `list the globs it covers, e.g. paths: ["payments/**"]`})
			continue
		}
		out = append(out, e)
	}
	return out
}

func set(items []string) map[string]struct{} {
	m := make(map[string]struct{}, len(items))
	for _, s := range items {
		m[s] = struct{}{}
	}
	return m
}

func hasKey(m *yaml.Node, name string) bool { return nodeAt(m, name) != nil }

// nodeAt returns the key node called name in mapping m, or nil.
func nodeAt(m *yaml.Node, name string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == name {
			return m.Content[i]
		}
	}
	return nil
}
