package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/rules"
)

// tableRows returns the cells of every table row in text whose first cell
// starts with a backquote, keyed by the first cell's first code span.
func tableRows(text string) map[string][]string {
	rows := map[string][]string{}
	code := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if m := code.FindStringSubmatch(cells[0]); m != nil {
			rows[m[1]] = cells
		}
	}
	return rows
}

func codeSpans(s string) []string {
	var out []string
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestReadmeQuickStart(t *testing.T) {
	section := readmeSection(t, "## Quick start")
	block := regexp.MustCompile("(?s)```\n(.*?)```").FindStringSubmatch(section)
	if block == nil {
		t.Fatal("Quick start has no code block")
	}
	var cmds []string
	for _, line := range strings.Split(strings.TrimSpace(block[1]), "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		cmds = append(cmds, strings.TrimSpace(cmd))
	}
	want := []string{"go run ./cmd/tiergate check --base HEAD~1", "go test ./..."}
	if diff := cmp.Diff(want, cmds); diff != "" {
		t.Errorf("Quick start commands (-want +got):\n%s", diff)
	}
	// .ci/run runs the same commands so they stay true.
	ci := string(read(t, "../.ci/run"))
	for _, c := range want {
		if !strings.Contains(ci, c) {
			t.Errorf(".ci/run does not run %q", c)
		}
	}
}

// TestReadmeSettings checks each documented variable exists in the server's
// code, so the table cannot drift into fiction.
func TestReadmeSettings(t *testing.T) {
	files, err := filepath.Glob("../bot/*.go")
	if err != nil {
		t.Fatal(err)
	}
	var code strings.Builder
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			code.Write(read(t, f))
		}
	}
	for name := range readmeSettings(t) {
		if !strings.Contains(code.String(), `"`+name+`"`) {
			t.Errorf("README documents %s, which package bot never reads", name)
		}
	}
}

// TestReadmeDocumentsEverySetting: every variable `tiergate serve --help`
// lists has a row in the README's Server settings table.
func TestReadmeDocumentsEverySetting(t *testing.T) {
	var usage strings.Builder
	bot.SettingsUsage(&usage)
	documented := readmeSettings(t)
	for _, field := range strings.Fields(usage.String()) {
		if strings.HasPrefix(field, "TIERGATE_") && !documented[field] {
			t.Errorf("tiergate serve reads %s, which the README's Server settings table does not document", field)
		}
	}
}

func TestReadmeMetrics(t *testing.T) {
	rows := tableRows(readmeSection(t, "### Metrics"))
	labels := metricLabels(t)
	var documented []string
	for name, cells := range rows {
		if !strings.HasPrefix(name, "tiergate_") {
			continue
		}
		documented = append(documented, name)
		if len(cells) != 4 {
			t.Errorf("metrics row %s has %d cells, want 4 (metric, type, labels, meaning)", name, len(cells))
			continue
		}
		got := slices.Sorted(slices.Values(codeSpans(cells[2])))
		want := slices.Sorted(slices.Values(labels[name]))
		if !slices.Equal(got, want) {
			t.Errorf("README labels of %s = %v, want %v", name, got, want)
		}
	}
	want := slices.Sorted(slices.Values(bot.MetricNames))
	if diff := cmp.Diff(want, slices.Sorted(slices.Values(documented))); diff != "" {
		t.Errorf("README metrics table (-bot.MetricNames +README):\n%s", diff)
	}
}

func TestReadmeApp(t *testing.T) {
	rows := tableRows(readmeSection(t, "## Registering the App"))
	for perm, access := range bot.AppPermissions {
		cells, ok := rows[perm]
		if !ok || len(cells) < 3 || cells[1] != access || cells[2] == "" {
			t.Errorf("README permissions table: %s = %v, want access %s and a reason", perm, cells, access)
		}
	}
	var documented []string
	for _, cells := range rows {
		for _, span := range codeSpans(cells[0]) {
			if _, isPerm := bot.AppPermissions[span]; !isPerm {
				documented = append(documented, span)
			}
		}
	}
	want := slices.Sorted(slices.Values(bot.AppEvents))
	if diff := cmp.Diff(want, slices.Sorted(slices.Values(documented))); diff != "" {
		t.Errorf("README events table (-bot.AppEvents +README):\n%s", diff)
	}
}

// schemaKeys lists the config file's leaf keys from rules.Schema, writing
// tier names as <tier> and list items as [].
func schemaKeys(t *testing.T) []string {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(rules.Schema, &root); err != nil {
		t.Fatalf("rules.Schema: %v", err)
	}
	defs, _ := root["$defs"].(map[string]any)
	resolve := func(n map[string]any) map[string]any {
		if ref, ok := n["$ref"].(string); ok {
			if d, ok := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any); ok {
				return d
			}
			t.Fatalf("rules.Schema: unresolved $ref %s", ref)
		}
		return n
	}
	tiers := map[string]bool{}
	for _, tier := range rules.AllTiers() {
		tiers[tier.String()] = true
	}
	seen := map[string]bool{}
	var walk func(prefix string, n map[string]any)
	walk = func(prefix string, n map[string]any) {
		n = resolve(n)
		if items, ok := n["items"].(map[string]any); ok && resolve(items)["properties"] != nil {
			walk(prefix+"[]", items)
			return
		}
		props, ok := n["properties"].(map[string]any)
		if !ok {
			seen[prefix] = true
			return
		}
		for k, child := range props {
			if prefix == "tiers" && tiers[k] {
				k = "<tier>"
			}
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			walk(p, child.(map[string]any))
		}
	}
	walk("", root)
	return slices.Sorted(func(yield func(string) bool) {
		for k := range seen {
			if !yield(k) {
				return
			}
		}
	})
}

func TestReadmeConfigReference(t *testing.T) {
	rows := tableRows(readmeSection(t, "## Configuration reference"))
	var documented []string
	for k, cells := range rows {
		documented = append(documented, k)
		if len(cells) != 4 || cells[1] == "" || cells[2] == "" || cells[3] == "" {
			t.Errorf("config row %s = %q, want key, type, default, meaning", k, cells)
		}
	}
	slices.Sort(documented)
	if diff := cmp.Diff(schemaKeys(t), documented); diff != "" {
		t.Errorf("README config keys (-rules.Schema +README):\n%s", diff)
	}
	example := string(read(t, "../rules/testdata/config/example.yml"))
	if !strings.Contains(readmeSection(t, "## Configuration reference"), "```yaml\n"+example+"```") {
		t.Error("README's example config differs from rules/testdata/config/example.yml")
	}
}

// TestReadmeLinks checks that relative links point at files in the repo.
func TestReadmeLinks(t *testing.T) {
	readme := string(read(t, "../README.md"))
	for _, m := range regexp.MustCompile(`\]\(([^)#]+)(#[^)]*)?\)`).FindAllStringSubmatch(readme, -1) {
		target := m[1]
		if strings.Contains(target, "://") {
			continue
		}
		if _, err := os.Stat(filepath.Join("..", filepath.FromSlash(target))); err != nil {
			t.Errorf("README links to %s: %v", target, err)
		}
	}
}

// TestReadmeCheckFlags checks each flag in the local-use table is defined by
// tiergate check.
func TestReadmeCheckFlags(t *testing.T) {
	src := string(read(t, "../cmd/tiergate/check.go"))
	rows := tableRows(readmeSection(t, "## Using `tiergate check` locally"))
	if len(rows) == 0 {
		t.Fatal("README has no flags table for tiergate check")
	}
	for span := range rows {
		name, _, _ := strings.Cut(strings.TrimPrefix(span, "--"), " ")
		if !strings.Contains(src, `"`+name+`"`) {
			t.Errorf("README documents check flag --%s, which cmd/tiergate/check.go does not define", name)
		}
	}
}

// TestCIScript checks .ci/run keeps its promises: strict bash, the format
// and vet gates, and nothing beyond Go and git except Debian's postgresql
// package, installed for the PostgreSQL tests (issue 7) and required by them.
func TestCIScript(t *testing.T) {
	info, err := os.Stat("../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o111 == 0 {
		t.Errorf(".ci/run mode = %v, want executable", info.Mode().Perm())
	}
	ci := string(read(t, "../.ci/run"))
	for _, want := range []string{"#!/usr/bin/env bash\n", "set -euo pipefail", "gofmt -l .", "go vet ./...", "go version", "git --version"} {
		if !strings.Contains(ci, want) {
			t.Errorf(".ci/run lacks %q", want)
		}
	}
	for _, banned := range []string{"docker", "curl", "wget", "go install"} {
		if strings.Contains(ci, banned) {
			t.Errorf(".ci/run uses %q; CI has only Go and git", banned)
		}
	}
	for _, line := range strings.Split(ci, "\n") {
		if _, pkgs, ok := strings.Cut(line, "apt-get install "); ok && strings.TrimSpace(pkgs) != "-y -qq postgresql >/dev/null" {
			t.Errorf(".ci/run installs something besides postgresql: %q", strings.TrimSpace(line))
		}
	}
	if !strings.Contains(ci, "export TIERGATE_REQUIRE_POSTGRES=1") {
		t.Error(".ci/run does not export TIERGATE_REQUIRE_POSTGRES=1: the PostgreSQL tests could skip silently")
	}
}

// TestReadmeKubernetesShapes checks the Kubernetes section links every
// kustomize directory, so a new overlay cannot ship undocumented.
func TestReadmeKubernetesShapes(t *testing.T) {
	section := readmeSection(t, "### Kubernetes")
	dirs, err := filepath.Glob("kubernetes/*/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	more, err := filepath.Glob("kubernetes/overlays/*/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range append(dirs, more...) {
		link := "(deploy/" + filepath.ToSlash(filepath.Dir(k)) + ")"
		if !strings.Contains(section, link) {
			t.Errorf("README's Kubernetes section does not link %s", link)
		}
	}
	if len(dirs)+len(more) < 3 {
		t.Errorf("found %d kustomize directories, want the base and its overlays", len(dirs)+len(more))
	}
}

// TestReadmeChecksExample holds the worked example of required CI checks to
// a config tiergate accepts.
func TestReadmeChecksExample(t *testing.T) {
	section := readmeSection(t, "### Required CI checks")
	start := strings.Index(section, "```yaml\n# .github/tiergate.yml\n")
	if start < 0 {
		t.Fatal("README's required checks section has no tiergate.yml example")
	}
	block := section[start+len("```yaml\n"):]
	block = block[:strings.Index(block, "```")]
	f, err := rules.Parse(".github/tiergate.yml", []byte(block))
	if err != nil {
		t.Fatalf("README's checks example does not parse: %v", err)
	}
	cfg, err := rules.Resolve(nil, f)
	if err != nil {
		t.Fatalf("README's checks example does not resolve: %v", err)
	}
	if got := len(cfg.Tiers[rules.TierPlatform].Checks); got != 2 || len(cfg.CriticalPaths) != 1 || len(cfg.CriticalPaths[0].Checks) != 1 {
		t.Errorf("README's checks example = %d platform checks, critical paths %+v; want 2 and payments with its suite", got, cfg.CriticalPaths)
	}
}
