package rules

import (
	"fmt"
	"slices"
	"time"
)

// layer says which file a builder is applying.
type layer int

const (
	layerDefaults layer = iota
	layerOrg
	layerRepo
)

// Resolve layers built-in defaults, then org, then repo (either may be nil)
// into the effective Config, applying the org's repo_overrides policy.
// Repo keys ignored under tighten_only land in Config.Warnings; problems that
// only show once files are combined (a new critical path without paths, a
// label selecting two tiers) are returned as ConfigErrors.
func Resolve(org, repo *File) (*Config, error) {
	b := newBuilder()
	b.apply(defaultFile(), layerDefaults)
	if org != nil {
		b.apply(org, layerOrg)
		b.cfg.Sources = append(b.cfg.Sources, org.Name)
	}
	if repo != nil {
		b.tighten = b.cfg.RepoOverrides == RepoOverridesTightenOnly
		b.apply(repo, layerRepo)
		b.cfg.Sources = append(b.cfg.Sources, repo.Name)
	}
	return b.build()
}

// builder accumulates layers. fields holds a pointer for every leaf key so
// one generic loop can read, compare and assign values.
type builder struct {
	cfg      Config
	tiers    map[Tier]*TierRules
	source   []string
	tests    []string
	docs     []string
	labels   map[string]*string // override gate -> label; "" is none
	critical []*criticalBuild
	byName   map[string]*criticalBuild
	fields   map[string]any // leaf path -> pointer into the fields above
	origin   map[string]origin
	tighten  bool
}

// origin is where a value came from: the file's name and layer, and the
// value's position; items holds each entry's position for a list.
type origin struct {
	file  string
	pos   pos
	layer layer
	items []pos
}

type criticalBuild struct {
	cp      CriticalPath // Paths is compiled in build
	paths   []string
	fields  map[string]any
	defined origin // the entry that introduced this name
	fromOrg bool   // introduced below the repo file: tighten_only applies
}

func newBuilder() *builder {
	b := &builder{tiers: map[Tier]*TierRules{}, labels: map[string]*string{}, origin: map[string]origin{}, byName: map[string]*criticalBuild{}}
	b.fields = map[string]any{
		"default_tier":             &b.cfg.DefaultTier,
		"paths.source":             &b.source,
		"paths.tests":              &b.tests,
		"paths.docs":               &b.docs,
		"approvals.fresh_only":     &b.cfg.Approvals.FreshOnly,
		"approvals.min_permission": &b.cfg.Approvals.MinPermission,
		"checks.timeout":           &b.cfg.Checks.Timeout,
		"checks.skipped":           &b.cfg.Checks.Skipped,
		"overrides.min_permission": &b.cfg.Overrides.MinPermission,
		"overrides.allow_author":   &b.cfg.Overrides.AllowAuthor,
		"overrides.allow_bots":     &b.cfg.Overrides.AllowBots,
		"mode":                     &b.cfg.Mode,
		"repo_overrides":           &b.cfg.RepoOverrides,
	}
	// Outside the literal so that its long name does not realign the others.
	b.fields["approvals.keep_on_same_diff"] = &b.cfg.Approvals.KeepOnSameDiff
	for _, t := range AllTiers() {
		r := &TierRules{}
		b.tiers[t] = r
		p := "tiers." + t.String() + "."
		b.fields[p+"labels"] = &r.Labels
		b.fields[p+"require.tests"] = &r.Tests
		b.fields[p+"require.docs"] = &r.Docs
		b.fields[p+"require.approvals"] = &r.Approvals
		b.fields[p+"require.max_changed_lines"] = &r.MaxChangedLines
		b.fields[p+"require.checks"] = &r.Checks
	}
	for _, g := range overrideGates {
		b.labels[g] = new(string)
		b.fields["overrides.labels."+g] = b.labels[g]
	}
	return b
}

func newCriticalBuild(name string, defined origin, fromOrg bool) *criticalBuild {
	c := &criticalBuild{cp: CriticalPath{Name: name}, defined: defined, fromOrg: fromOrg}
	c.fields = map[string]any{
		"paths":     &c.paths,
		"min_tier":  &c.cp.MinTier,
		"approvals": &c.cp.Approvals,
		"teams":     &c.cp.Teams,
		"checks":    &c.cp.Checks,
	}
	return c
}

// apply lays f over what the builder holds.
func (b *builder) apply(f *File, l layer) {
	for _, k := range leafKeys() {
		s, ok := f.values[k.path]
		if !ok || k.path == "version" {
			continue
		}
		if k.path == "repo_overrides" && l == layerRepo {
			b.cfg.Warnings = append(b.cfg.Warnings, fmt.Sprintf("%s:%d: ignored: repo_overrides only applies in the org config", f.Name, s.pos.line))
			continue
		}
		o := origin{file: f.Name, pos: s.pos, layer: l, items: s.items}
		b.set(o, k.path, k.path, k.strict, b.fields[k.path], s.value, b.tighten)
	}
	for _, e := range f.critical {
		c := b.byName[e.name]
		if c == nil {
			c = newCriticalBuild(e.name, origin{file: f.Name, pos: e.pos, layer: l}, l != layerRepo)
			b.critical = append(b.critical, c)
			b.byName[e.name] = c
		}
		for _, k := range criticalKeys() {
			s, ok := e.values[k.name]
			if !ok || k.strict == notLayered {
				continue
			}
			// A critical path the repo itself introduced has no org floor.
			o := origin{file: f.Name, pos: s.pos, layer: l, items: s.items}
			b.set(o, criticalPath(e.name, k.name), criticalPathShown(e.name, k.name), k.strict, c.fields[k.name], s.value, b.tighten && c.fromOrg)
		}
	}
}

// criticalPath names a critical path's field for the builder's maps.
func criticalPath(name, field string) string { return "critical_paths[" + name + "]." + field }

// criticalPathShown names a critical path's field for a message.
func criticalPathShown(name, field string) string {
	return "critical_paths[" + plain(name) + "]." + field
}

// set assigns one value unless tighten_only forbids it, in which case it
// records a warning, naming the key as shown, and keeps the org's value.
func (b *builder) set(o origin, path, shown string, strict strictness, ptr, v any, tighten bool) {
	if tighten {
		if floor, loose := loosens(strict, current(ptr), v); loose {
			b.cfg.Warnings = append(b.cfg.Warnings, fmt.Sprintf("%s:%d: %s: %s ignored, the org requires %s (repo_overrides: tighten_only)",
				o.file, o.pos.line, shown, formatValue(v), floor))
			return
		}
	}
	assign(ptr, v)
	b.origin[path] = o
}

// build checks the layered result and compiles every glob once.
func (b *builder) build() (*Config, error) {
	var errs errorList
	cfg := b.cfg
	cfg.Tiers = map[Tier]TierRules{}
	for _, t := range AllTiers() {
		cfg.Tiers[t] = *b.tiers[t]
	}
	// Each file was checked alone by Parse; this finds the clashes that
	// only layering makes, e.g. an org tier label that a repo file reuses,
	// in another case, for another tier. They are reported in the more
	// specific file, naming the other.
	uses := labelUses(func(path string) (any, origin, bool) {
		return current(b.fields[path]), b.origin[path], true
	})
	for _, e := range checkLabels(uses) {
		errs.add(e)
	}
	cfg.Overrides.Labels = map[string]string{}
	for g, l := range b.labels {
		if *l != "" {
			cfg.Overrides.Labels[g] = *l
		}
	}
	var err error
	for _, p := range []struct {
		path string
		src  []string
		dst  *Globs
	}{{"paths.source", b.source, &cfg.Paths.Source}, {"paths.tests", b.tests, &cfg.Paths.Tests}, {"paths.docs", b.docs, &cfg.Paths.Docs}} {
		if *p.dst, err = CompileGlobs(p.src); err != nil {
			errs.add(globError(b.origin[p.path], p.path, err))
		}
	}
	for _, c := range b.critical {
		if len(c.paths) == 0 {
			errs.add(ConfigError{File: c.defined.file, Line: c.defined.pos.line, Column: c.defined.pos.col,
				Message: fmt.Sprintf("critical_paths %s has no paths", quote(c.cp.Name)),
				Hint:    `list the globs it covers, e.g. paths: ["payments/**"]`})
			continue
		}
		cp := c.cp
		if cp.Paths, err = CompileGlobs(c.paths); err != nil {
			errs.add(globError(b.origin[criticalPath(cp.Name, "paths")], criticalPathShown(cp.Name, "paths"), err))
			continue
		}
		cfg.CriticalPaths = append(cfg.CriticalPaths, cp)
	}
	if !errs.empty() {
		return nil, errs.list(false)
	}
	return &cfg, nil
}

func globError(o origin, path string, err error) ConfigError {
	return ConfigError{File: o.file, Line: max(o.pos.line, 1), Column: max(o.pos.col, 1),
		Message: fmt.Sprintf("%s: %v", path, err), Hint: "fix or remove the pattern"}
}

// current reads the value behind a field pointer.
func current(ptr any) any {
	switch p := ptr.(type) {
	case *bool:
		return *p
	case *int:
		return *p
	case *string:
		return *p
	case *[]string:
		return *p
	case *Tier:
		return *p
	case *Permission:
		return *p
	case *Mode:
		return *p
	case *RepoOverrides:
		return *p
	case *[]CheckRequirement:
		return *p
	case *time.Duration:
		return *p
	case *SkippedPolicy:
		return *p
	}
	panic(fmt.Sprintf("rules: no field type %T", ptr))
}

// assign stores v behind ptr; lists are copied so a Config shares nothing
// with the Files it came from.
func assign(ptr, v any) {
	switch p := ptr.(type) {
	case *bool:
		*p = v.(bool)
	case *int:
		*p = v.(int)
	case *string:
		*p = v.(string)
	case *[]string:
		*p = slices.Clone(v.([]string))
	case *Tier:
		*p = v.(Tier)
	case *Permission:
		*p = v.(Permission)
	case *Mode:
		*p = v.(Mode)
	case *RepoOverrides:
		*p = v.(RepoOverrides)
	case *[]CheckRequirement:
		*p = slices.Clone(v.([]CheckRequirement))
	case *time.Duration:
		*p = v.(time.Duration)
	case *SkippedPolicy:
		*p = v.(SkippedPolicy)
	default:
		panic(fmt.Sprintf("rules: no field type %T", ptr))
	}
}
