// Command trimspec cuts GitHub's REST description down to the operations
// tiergate's bot calls plus every component they reference, so the fake in
// package githubtest loads a small file quickly and validates requests
// against GitHub's own schemas.
//
// Run from the repository root:
//
//	go run ./bot/githubtest/internal/trimspec \
//	    -in ../shared/github/openapi/api.github.com.json \
//	    -out bot/githubtest/testdata/openapi.json
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// operations the bot uses, as "METHOD path" exactly as in GitHub's file.
var operations = []string{
	"GET /app",
	"POST /app/installations/{installation_id}/access_tokens",
	"GET /app/installations",
	"GET /installation/repositories",
	"GET /app/hook/deliveries",
	"GET /app/hook/deliveries/{delivery_id}",
	"POST /app/hook/deliveries/{delivery_id}/attempts",
	"GET /repos/{owner}/{repo}",
	"GET /repos/{owner}/{repo}/installation",
	"GET /repos/{owner}/{repo}/pulls",
	"GET /repos/{owner}/{repo}/pulls/{pull_number}",
	"GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
	"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
	"GET /repos/{owner}/{repo}/issues/{issue_number}/events",
	"GET /repos/{owner}/{repo}/issues/{issue_number}/timeline",
	"GET /repos/{owner}/{repo}/issues/{issue_number}/labels",
	"GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
	"POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
	"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
	"GET /repos/{owner}/{repo}/contents/{path}",
	"GET /repos/{owner}/{repo}/collaborators/{username}/permission",
	"GET /orgs/{org}/teams/{team_slug}/memberships/{username}",
	"GET /orgs/{org}/teams/{team_slug}/members",
	"POST /repos/{owner}/{repo}/check-runs",
	"GET /repos/{owner}/{repo}/check-runs/{check_run_id}",
	"PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
	"GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
	"GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls",
	"GET /repos/{owner}/{repo}/compare/{basehead}",
	"GET /repos/{owner}/{repo}/commits/{ref}/status",
}

func main() {
	in := flag.String("in", "../shared/github/openapi/api.github.com.json", "GitHub's full REST description")
	out := flag.String("out", "bot/githubtest/testdata/openapi.json", "where to write the trimmed description")
	flag.Parse()
	if err := run(context.Background(), *in, *out, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "trimspec:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, in, out string, log io.Writer) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var full map[string]any
	if err := json.Unmarshal(raw, &full); err != nil {
		return fmt.Errorf("parse %s: %w", in, err)
	}
	trimmed, err := trim(full, operations)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(trimmed); err != nil {
		return err
	}
	// Prove the result loads and validates before writing it. GitHub's own
	// examples do not always match its schemas (e.g. repository examples
	// lack the required "language"), so examples are not validated.
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(buf.Bytes())
	if err != nil {
		return fmt.Errorf("load trimmed description: %w", err)
	}
	if err := doc.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
		return fmt.Errorf("validate trimmed description: %w", firstLine(err))
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(log, "wrote %s: %d paths, %d bytes\n", out, len(doc.Paths.Map()), buf.Len())
	return nil
}

// trim returns a copy of doc holding only the listed operations and the
// components they reach through $ref, directly or transitively.
func trim(doc map[string]any, ops []string) (map[string]any, error) {
	paths, _ := doc["paths"].(map[string]any)
	outPaths := map[string]any{}
	for _, op := range ops {
		method, path, ok := strings.Cut(op, " ")
		if !ok {
			return nil, fmt.Errorf("operation %q: want \"METHOD /path\"", op)
		}
		item, ok := paths[path].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("operation %q: path not in description", op)
		}
		operation, ok := item[strings.ToLower(method)]
		if !ok {
			return nil, fmt.Errorf("operation %q: method not in description", op)
		}
		dst, _ := outPaths[path].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			// Path-level keys (parameters, summary) apply to every method.
			for k, v := range item {
				if !isMethod(k) {
					dst[k] = v
				}
			}
			outPaths[path] = dst
		}
		dst[strings.ToLower(method)] = operation
	}

	components, _ := doc["components"].(map[string]any)
	kept := map[string]map[string]any{}
	queue := refs(outPaths, nil)
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		kind, name, err := splitRef(ref)
		if err != nil {
			return nil, err
		}
		if _, ok := kept[kind][name]; ok {
			continue
		}
		group, _ := components[kind].(map[string]any)
		value, ok := group[name]
		if !ok {
			return nil, fmt.Errorf("unresolved $ref %q", ref)
		}
		if kept[kind] == nil {
			kept[kind] = map[string]any{}
		}
		kept[kind][name] = value
		queue = refs(value, queue)
	}
	outComponents := map[string]any{}
	for kind, group := range kept {
		outComponents[kind] = group
	}

	out := map[string]any{
		"paths":      outPaths,
		"components": outComponents,
	}
	for _, k := range []string{"openapi", "info", "servers", "externalDocs"} {
		if v, ok := doc[k]; ok {
			out[k] = v
		}
	}
	if tags, ok := doc["tags"].([]any); ok {
		out["tags"] = usedTags(tags, outPaths)
	}
	return out, nil
}

func isMethod(k string) bool {
	switch k {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}

// refs appends every "$ref" string found anywhere inside v to acc.
func refs(v any, acc []string) []string {
	switch v := v.(type) {
	case map[string]any:
		if r, ok := v["$ref"].(string); ok {
			acc = append(acc, r)
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys) // deterministic walk order
		for _, k := range keys {
			acc = refs(v[k], acc)
		}
	case []any:
		for _, e := range v {
			acc = refs(e, acc)
		}
	}
	return acc
}

func splitRef(ref string) (kind, name string, err error) {
	rest, ok := strings.CutPrefix(ref, "#/components/")
	if !ok {
		return "", "", errors.New("non-local $ref " + ref)
	}
	kind, name, ok = strings.Cut(rest, "/")
	if !ok || strings.Contains(name, "/") {
		return "", "", errors.New("unexpected $ref " + ref)
	}
	return kind, name, nil
}

// usedTags keeps the tag definitions some kept operation names.
func usedTags(tags []any, paths map[string]any) []any {
	used := map[string]bool{}
	for _, item := range paths {
		for k, op := range item.(map[string]any) {
			if !isMethod(k) {
				continue
			}
			opTags, _ := op.(map[string]any)["tags"].([]any)
			for _, t := range opTags {
				if s, ok := t.(string); ok {
					used[s] = true
				}
			}
		}
	}
	var out []any
	for _, t := range tags {
		m, _ := t.(map[string]any)
		if name, _ := m["name"].(string); used[name] {
			out = append(out, t)
		}
	}
	return out
}

// firstLine keeps kin-openapi's errors readable: they end with whole schemas.
func firstLine(err error) error {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return errors.New(msg)
}
