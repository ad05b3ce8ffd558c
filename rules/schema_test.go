package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		t.Fatalf("schema.json is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("schema.json does not compile: %v", err)
	}
	return s
}

// validateYAML checks a YAML document against the schema the way an editor
// would: YAML to JSON values, then validate.
func validateYAML(t *testing.T, s *jsonschema.Schema, data string) error {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(data), &v); err != nil {
		t.Fatalf("test YAML does not parse: %v", err)
	}
	js, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("test YAML is not JSON-compatible: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

func TestSchemaAcceptsValidFiles(t *testing.T) {
	s := compileSchema(t)
	files := map[string]string{
		"example":  string(readExample(t)),
		"defaults": defaultYAML,
		"minimal":  "version: 1\n",
		"refining": "version: 1\ncritical_paths:\n  - name: payments\n    approvals: 3\n",
		"checks": "version: 1\ntiers:\n  platform:\n    require:\n      checks: [build, \"security/*\", {name: lint, app: github-actions}, {name: ci/e2e, status_creator: ci-bot}]\n" +
			"critical_paths:\n  - name: payments\n    paths: [\"payments/**\"]\n    checks: [{name: payments-suite}]\n" +
			"checks: {timeout: 1h30m, skipped: pass}\noverrides:\n  labels: {checks: tiergate/skip-checks}\n",
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(name, []byte(data)); err != nil {
				t.Errorf("Parse(%s) = %v, want no error", name, err)
			}
			if err := validateYAML(t, s, data); err != nil {
				t.Errorf("schema rejects %s: %v", name, err)
			}
		})
	}
}

func TestSchemaAndParseRejectTheSame(t *testing.T) {
	s := compileSchema(t)
	bad := map[string]string{
		"missing version":      "mode: report\n",
		"version 2":            "version: 2\n",
		"unknown key":          "version: 1\nmod: report\n",
		"unknown nested key":   "version: 1\napprovals: {fresh: true}\n",
		"unknown tier":         "version: 1\ntiers: {hotfix: {}}\n",
		"unknown require key":  "version: 1\ntiers: {feature: {require: {lint: true}}}\n",
		"unknown override":     "version: 1\noverrides: {labels: {size: x}}\n",
		"string for bool":      "version: 1\napprovals: {fresh_only: \"true\"}\n",
		"string for int":       "version: 1\ntiers: {feature: {require: {approvals: \"2\"}}}\n",
		"float for int":        "version: 1\ntiers: {feature: {require: {approvals: 1.5}}}\n",
		"negative count":       "version: 1\ntiers: {feature: {require: {approvals: -1}}}\n",
		"negative critical":    "version: 1\ncritical_paths: [{name: p, paths: [p/**], approvals: -1}]\n",
		"string for list":      "version: 1\npaths: {docs: docs/**}\n",
		"empty label":          "version: 1\ntiers: {feature: {labels: [\"\"]}}\n",
		"empty team":           "version: 1\ncritical_paths: [{name: p, paths: [p/**], teams: [\"\"]}]\n",
		"empty glob":           "version: 1\npaths: {source: [\"\"]}\n",
		"absolute glob":        "version: 1\npaths: {source: [\"/src/**\"]}\n",
		"dot-relative glob":    "version: 1\npaths: {tests: [\"./t/**\"]}\n",
		"parent glob":          "version: 1\npaths: {docs: [\"../docs/**\"]}\n",
		"unknown default tier": "version: 1\ndefault_tier: hotfix\n",
		"unknown min tier":     "version: 1\ncritical_paths: [{name: p, paths: [p/**], min_tier: high}]\n",
		"legacy permission":    "version: 1\napprovals: {min_permission: push}\n",
		"permission none":      "version: 1\noverrides: {min_permission: none}\n",
		"unknown mode":         "version: 1\nmode: block\n",
		"unknown repo policy":  "version: 1\nrepo_overrides: strict\n",
		"critical no name":     "version: 1\ncritical_paths: [{paths: [p/**]}]\n",
		"critical empty name":  "version: 1\ncritical_paths: [{name: \"\", paths: [p/**]}]\n",
		"critical empty paths": "version: 1\ncritical_paths: [{name: p, paths: []}]\n",
		"critical unknown key": "version: 1\ncritical_paths: [{name: p, paths: [p/**], owners: [x]}]\n",
		"not a mapping":        "[version, 1]\n",
		"empty check":          "version: 1\ntiers: {platform: {require: {checks: [\"\"]}}}\n",
		"check not a list":     "version: 1\ntiers: {platform: {require: {checks: build}}}\n",
		"check of a number":    "version: 1\ntiers: {platform: {require: {checks: [{name: build, app: 5}]}}}\n",
		"check without name":   "version: 1\ntiers: {platform: {require: {checks: [{app: github-actions}]}}}\n",
		"check unknown key":    "version: 1\ntiers: {platform: {require: {checks: [{name: build, from: x}]}}}\n",
		"check two sources":    "version: 1\ncritical_paths: [{name: p, paths: [p/**], checks: [{name: b, app: a, status_creator: c}]}]\n",
		"check empty app":      "version: 1\ntiers: {platform: {require: {checks: [{name: build, app: \"\"}]}}}\n",
		"check of a list":      "version: 1\ntiers: {platform: {require: {checks: [[build]]}}}\n",
		"timeout as a number":  "version: 1\nchecks: {timeout: 90}\n",
		"timeout in days":      "version: 1\nchecks: {timeout: 2d}\n",
		"timeout fractional":   "version: 1\nchecks: {timeout: 1.5h}\n",
		"unknown skipped":      "version: 1\nchecks: {skipped: ignore}\n",
		"unknown checks key":   "version: 1\nchecks: {timeuot: 2h}\n",
	}
	for name, data := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(name, []byte(data)); err == nil {
				t.Errorf("Parse(%q) = nil error, want an error", data)
			}
			if err := validateYAML(t, s, data); err == nil {
				t.Errorf("schema accepts %q, want it rejected", data)
			}
		})
	}
}

// TestSchemaMatchesKeyTable holds schema.json and the decoder's key table to
// the same keys and value shapes, and checks every property is documented.
func TestSchemaMatchesKeyTable(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatal(err)
	}
	defs, _ := root["$defs"].(map[string]any)
	fromSchema := map[string]string{}
	walkSchema(t, "", root, defs, fromSchema)
	fromTable := map[string]string{}
	walkTable("", configKeys, fromTable)
	if diff := cmp.Diff(fromTable, fromSchema); diff != "" {
		t.Errorf("schema.json and configKeys differ (-table +schema):\n%s", diff)
	}
}

// resolveRef merges a local "$ref" target into the node, siblings winning.
func resolveRef(t *testing.T, node, defs map[string]any) map[string]any {
	ref, ok := node["$ref"].(string)
	if !ok {
		return node
	}
	def, ok := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
	if !ok {
		t.Fatalf("unresolved $ref %q", ref)
	}
	out := maps.Clone(resolveRef(t, def, defs))
	maps.Copy(out, node)
	delete(out, "$ref")
	return out
}

func walkSchema(t *testing.T, prefix string, node, defs map[string]any, out map[string]string) {
	t.Helper()
	if node["additionalProperties"] != false {
		t.Errorf("schema object %q does not set additionalProperties: false", prefix)
	}
	props, _ := node["properties"].(map[string]any)
	for name, raw := range props {
		path := prefix + name
		p := resolveRef(t, raw.(map[string]any), defs)
		if p["title"] == nil || p["description"] == nil {
			t.Errorf("schema property %s lacks a title or description", path)
		}
		shape := schemaShape(t, p, defs)
		out[path] = shape
		switch shape {
		case "object":
			walkSchema(t, path+".", p, defs, out)
		case "array<object>":
			walkSchema(t, path+"[].", resolveRef(t, p["items"].(map[string]any), defs), defs, out)
		}
	}
}

// schemaShape names a property's value shape in the vocabulary of kindShape.
func schemaShape(t *testing.T, p, defs map[string]any) string {
	switch p["type"] {
	case "object":
		return "object"
	case "boolean":
		return "boolean"
	case "integer":
		if c, ok := p["const"]; ok {
			return fmt.Sprintf("const %v", c)
		}
		if p["minimum"] == 0.0 {
			return "count"
		}
		return "integer"
	case "string":
		if enum, ok := p["enum"].([]any); ok {
			return fmt.Sprintf("enum %v", enum)
		}
		if pat, ok := p["pattern"]; ok {
			if pat == durationPattern {
				return "duration"
			}
			return "glob"
		}
		if p["minLength"] == 1.0 {
			return "name"
		}
		return "string"
	case "array":
		return "array<" + schemaShape(t, resolveRef(t, p["items"].(map[string]any), defs), defs) + ">"
	case nil:
		// A value of several shapes, such as a required check: a name or
		// a mapping.
		if alts, ok := p["oneOf"].([]any); ok {
			var shapes []string
			for _, a := range alts {
				shapes = append(shapes, schemaShape(t, resolveRef(t, a.(map[string]any), defs), defs))
			}
			return "oneOf<" + strings.Join(shapes, "|") + ">"
		}
	}
	t.Errorf("schema property with unknown type %v", p["type"])
	return "?"
}

func walkTable(prefix string, ks []key, out map[string]string) {
	for _, k := range ks {
		path := prefix + k.name
		out[path] = kindShape(k.kind)
		switch k.kind {
		case kindMapping:
			walkTable(path+".", k.keys, out)
		case kindCritical:
			walkTable(path+"[].", k.keys, out)
		}
	}
}

func kindShape(k kind) string {
	enum := func(names []string) string { return fmt.Sprintf("enum %v", slices.Clone(names)) }
	switch k {
	case kindMapping:
		return "object"
	case kindCritical:
		return "array<object>"
	case kindVersion:
		return "const 1"
	case kindBool:
		return "boolean"
	case kindCount:
		return "count"
	case kindName:
		return "name"
	case kindLabel:
		return "string"
	case kindStrings:
		return "array<name>"
	case kindGlobs:
		return "array<glob>"
	case kindTier:
		return enum(tierNames())
	case kindPermission:
		return enum(configPermissions)
	case kindMode:
		return enum(modeNames)
	case kindRepoOverrides:
		return enum(repoOverridesNames)
	case kindChecks:
		return "array<oneOf<name|object>>"
	case kindDuration:
		return "duration"
	case kindSkipped:
		return enum(skippedNames)
	}
	return fmt.Sprintf("kind(%d)", k)
}
