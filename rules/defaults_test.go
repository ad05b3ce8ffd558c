package rules

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDefaultIsExampleWithoutCriticalPaths holds the built-in defaults to the
// documented example, so the two cannot drift apart.
func TestDefaultIsExampleWithoutCriticalPaths(t *testing.T) {
	example := string(readExample(t))
	// critical_paths is the block from its key to the next top-level key.
	withoutCritical := regexp.MustCompile(`(?ms)^critical_paths:\n.*?^approvals:`).ReplaceAllString(example, "approvals:")
	if withoutCritical == example {
		t.Fatal("could not cut critical_paths out of the example")
	}
	f := mustParse(t, "example.yml", withoutCritical)
	want, err := Resolve(f, nil)
	if err != nil {
		t.Fatalf("Resolve(example without critical_paths) = %v", err)
	}
	want.Sources = nil
	if diff := cmp.Diff(want, Default(), configCmp); diff != "" {
		t.Errorf("Default() mismatch (-example +Default):\n%s", diff)
	}
}

// TestDefaultSetsEveryKey makes sure no key silently falls back to a Go
// zero value, which would make the defaults depend on struct layout.
func TestDefaultSetsEveryKey(t *testing.T) {
	f := defaultFile()
	for _, k := range leafKeys() {
		if _, ok := f.values[k.path]; !ok {
			t.Errorf("built-in defaults do not set %s", k.path)
		}
	}
	if len(f.critical) != 0 {
		t.Errorf("built-in defaults have %d critical paths, want none", len(f.critical))
	}
}

func TestDefaultIsFresh(t *testing.T) {
	a, b := Default(), Default()
	a.Overrides.Labels[OverrideAll] = "changed"
	a.Tiers[TierFeature] = TierRules{}
	if diff := cmp.Diff(Default(), b, configCmp); diff != "" {
		t.Errorf("changing one Default() changed another (-want +got):\n%s", diff)
	}
}
