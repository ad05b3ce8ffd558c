package rules

// kind is the YAML shape and Go type of a config key's value.
type kind int

const (
	kindMapping       kind = iota // a fixed set of child keys
	kindCritical                  // the critical_paths list of mappings
	kindVersion                   // the integer 1
	kindBool                      // bool
	kindCount                     // int >= 0
	kindName                      // non-empty string
	kindLabel                     // string; "" means no label
	kindStrings                   // []string of non-empty strings
	kindGlobs                     // []string of valid relative globs
	kindTier                      // Tier
	kindPermission                // Permission
	kindMode                      // Mode
	kindRepoOverrides             // RepoOverrides
	kindChecks                    // []CheckRequirement
	kindDuration                  // time.Duration
	kindSkipped                   // SkippedPolicy
)

// strictness says which way a key tightens, for repo_overrides: tighten_only.
type strictness int

const (
	anyChange        strictness = iota // labels and names: any change is allowed
	higherStricter                     // counts, tiers, permissions, true over false, enforce over report
	lowerStricter                      // allow_author, keep_on_same_diff: false over true
	limitStricter                      // max_changed_lines: a smaller limit, 0 being none
	supersetStricter                   // paths.source, critical path paths: may only grow
	subsetStricter                     // paths.tests, paths.docs: may only shrink
	botsStricter                       // overrides.allow_bots: may only shrink (logins, any case)
	teamsStricter                      // teams: may be set only where the org had none
	checksStricter                     // required checks: may only grow
	shorterStricter                    // checks.timeout: a shorter wait
	notLayered                         // version, repo_overrides, name: never merged as values
)

// key describes one config key. The table below is the single list of keys:
// the decoder walks it, Resolve layers by it, and a test holds schema.json to it.
type key struct {
	name   string
	kind   kind
	strict strictness
	keys   []key // children of a mapping, or the fields of each critical path
}

// configKeys is the whole file's key tree. It is read-only.
var configKeys = []key{
	{name: "version", kind: kindVersion, strict: notLayered},
	{name: "default_tier", kind: kindTier, strict: higherStricter},
	{name: "tiers", kind: kindMapping, keys: tierKeys()},
	{name: "paths", kind: kindMapping, keys: []key{
		{name: "source", kind: kindGlobs, strict: supersetStricter},
		{name: "tests", kind: kindGlobs, strict: subsetStricter},
		{name: "docs", kind: kindGlobs, strict: subsetStricter},
	}},
	{name: "critical_paths", kind: kindCritical, keys: []key{
		{name: "name", kind: kindName, strict: notLayered},
		{name: "paths", kind: kindGlobs, strict: supersetStricter},
		{name: "min_tier", kind: kindTier, strict: higherStricter},
		{name: "approvals", kind: kindCount, strict: higherStricter},
		{name: "teams", kind: kindStrings, strict: teamsStricter},
		{name: "checks", kind: kindChecks, strict: checksStricter},
	}},
	{name: "approvals", kind: kindMapping, keys: []key{
		{name: "fresh_only", kind: kindBool, strict: higherStricter},
		{name: "keep_on_same_diff", kind: kindBool, strict: lowerStricter},
		{name: "min_permission", kind: kindPermission, strict: higherStricter},
	}},
	{name: "checks", kind: kindMapping, keys: []key{
		{name: "timeout", kind: kindDuration, strict: shorterStricter},
		{name: "skipped", kind: kindSkipped, strict: higherStricter},
	}},
	{name: "overrides", kind: kindMapping, keys: []key{
		{name: "labels", kind: kindMapping, keys: []key{
			{name: GateTests, kind: kindLabel},
			{name: GateDocs, kind: kindLabel},
			{name: GateApprovals, kind: kindLabel},
			{name: GateMaxChangedLines, kind: kindLabel},
			{name: GateChecks, kind: kindLabel},
			{name: OverrideAll, kind: kindLabel},
		}},
		{name: "min_permission", kind: kindPermission, strict: higherStricter},
		{name: "allow_author", kind: kindBool, strict: lowerStricter},
		{name: "allow_bots", kind: kindStrings, strict: botsStricter},
	}},
	{name: "mode", kind: kindMode, strict: higherStricter},
	{name: "repo_overrides", kind: kindRepoOverrides, strict: notLayered},
}

func tierKeys() []key {
	var ks []key
	for _, t := range AllTiers() {
		ks = append(ks, key{name: t.String(), kind: kindMapping, keys: []key{
			{name: "labels", kind: kindStrings},
			{name: "require", kind: kindMapping, keys: []key{
				{name: "tests", kind: kindBool, strict: higherStricter},
				{name: "docs", kind: kindBool, strict: higherStricter},
				{name: "approvals", kind: kindCount, strict: higherStricter},
				{name: "max_changed_lines", kind: kindCount, strict: limitStricter},
				{name: "checks", kind: kindChecks, strict: checksStricter},
			}},
		}})
	}
	return ks
}

// leafKey is a value-holding key with its dotted path, e.g.
// "tiers.platform.require.approvals".
type leafKey struct {
	path string
	key
}

// leafKeys lists every value key outside critical_paths in table order, so
// that layering and its warnings run in a stable order.
func leafKeys() []leafKey {
	var out []leafKey
	var walk func(prefix string, ks []key)
	walk = func(prefix string, ks []key) {
		for _, k := range ks {
			switch k.kind {
			case kindMapping:
				walk(prefix+k.name+".", k.keys)
			case kindCritical:
			default:
				out = append(out, leafKey{path: prefix + k.name, key: k})
			}
		}
	}
	walk("", configKeys)
	return out
}

// criticalKeys returns the fields of one critical_paths entry.
func criticalKeys() []key {
	for _, k := range configKeys {
		if k.kind == kindCritical {
			return k.keys
		}
	}
	return nil
}

// configPermissions are the permission names a config may use. GitHub's
// legacy "pull"/"push" and "none" are refused to keep files unambiguous.
var configPermissions = []string{"read", "triage", "write", "maintain", "admin"}

var (
	modeNames          = []string{"enforce", "report"}
	repoOverridesNames = []string{"any", "tighten_only"}
)

func tierNames() []string {
	var names []string
	for _, t := range AllTiers() {
		names = append(names, t.String())
	}
	return names
}
