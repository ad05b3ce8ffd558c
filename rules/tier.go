package rules

import "fmt"

// Tier is the stakes of a change. Higher tiers are stricter.
type Tier int

// The tiers, in increasing order of strictness. TierNone is the zero value and
// never the tier of an evaluated pull request.
const (
	TierNone Tier = iota
	TierExperiment
	TierFeature
	TierPlatform
)

// Tiers lists every tier from least to most strict.
var allTiers = [...]Tier{TierExperiment, TierFeature, TierPlatform}

// AllTiers returns every tier from least to most strict.
func AllTiers() []Tier { return allTiers[:] }

func (t Tier) String() string {
	switch t {
	case TierExperiment:
		return "experiment"
	case TierFeature:
		return "feature"
	case TierPlatform:
		return "platform"
	}
	return fmt.Sprintf("tier(%d)", int(t))
}

// ParseTier maps a tier's name to the Tier.
func ParseTier(name string) (Tier, bool) {
	for _, t := range allTiers {
		if t.String() == name {
			return t, true
		}
	}
	return TierNone, false
}

// MarshalText makes tiers render by name in JSON.
func (t Tier) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Permission is a GitHub repository permission level, ordered so that a
// higher value grants everything a lower one does.
type Permission int

// Repository permission levels as GitHub names them.
const (
	PermissionNone Permission = iota
	PermissionRead
	PermissionTriage
	PermissionWrite
	PermissionMaintain
	PermissionAdmin
)

var permissionNames = [...]string{"none", "read", "triage", "write", "maintain", "admin"}

func (p Permission) String() string {
	if p >= 0 && int(p) < len(permissionNames) {
		return permissionNames[p]
	}
	return fmt.Sprintf("permission(%d)", int(p))
}

// ParsePermission maps a GitHub permission name ("read", "triage", "write",
// "maintain", "admin", "none") to the Permission. GitHub's legacy "pull" and
// "push" spellings are accepted too.
func ParsePermission(name string) (Permission, bool) {
	switch name {
	case "pull":
		return PermissionRead, true
	case "push":
		return PermissionWrite, true
	}
	for i, n := range permissionNames {
		if n == name {
			return Permission(i), true
		}
	}
	return PermissionNone, false
}

// MarshalText makes permissions render by name in JSON.
func (p Permission) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Mode says whether a failing verdict blocks the pull request.
type Mode int

// Modes: enforce blocks (conclusion failure), report never does (neutral).
const (
	ModeEnforce Mode = iota
	ModeReport
)

func (m Mode) String() string {
	if m == ModeReport {
		return "report"
	}
	return "enforce"
}

// RepoOverrides says how far a repository file may change the org file.
type RepoOverrides int

// RepoOverridesAny lets a repo change anything; RepoOverridesTightenOnly keeps
// the org's settings as a floor that a repo can only raise.
const (
	RepoOverridesAny RepoOverrides = iota
	RepoOverridesTightenOnly
)

func (r RepoOverrides) String() string {
	if r == RepoOverridesTightenOnly {
		return "tighten_only"
	}
	return "any"
}
