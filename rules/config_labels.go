package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// overrideGates are the keys of overrides.labels, in table order.
var overrideGates = []string{GateTests, GateDocs, GateApprovals, GateMaxChangedLines, GateChecks, OverrideAll}

// labelUse is one label a config sets: an entry of a tier's labels, or an
// override label, and where it was set.
type labelUse struct {
	name string
	key  string // "tiers.feature.labels" or "overrides.labels.tests"
	tier Tier   // the tier it selects; TierNone for an override label
	gate string // the gate it overrides, "all" for every gate; "" for a tier label
	at   origin // its file and layer, and the position of this entry
}

// labelUses lists the labels set by the keys get finds: the values of one
// file, or the layered values of a builder. A list entry is located at its
// own position when get knows it.
func labelUses(get func(path string) (value any, o origin, ok bool)) []labelUse {
	var uses []labelUse
	for _, t := range AllTiers() {
		key := "tiers." + t.String() + ".labels"
		v, o, ok := get(key)
		if !ok {
			continue
		}
		for i, l := range v.([]string) {
			at := o
			if i < len(o.items) {
				at.pos = o.items[i]
			}
			uses = append(uses, labelUse{name: l, key: key, tier: t, at: at})
		}
	}
	for _, g := range overrideGates {
		key := "overrides.labels." + g
		if v, o, ok := get(key); ok && v.(string) != "" {
			uses = append(uses, labelUse{name: v.(string), key: key, gate: g, at: o})
		}
	}
	return uses
}

// checkLabels reports every label that means two things: GitHub compares
// label names ignoring case, and so does Evaluate, so "X" and "x" are one
// label. A label may select one tier only, and an override label may be
// neither a tier label nor another gate's override label. Each clash is
// reported at its second occurrence, naming the first: the more specific
// file's when layered, else the later position in the file. A label repeated
// in one list is harmless and not reported.
func checkLabels(uses []labelUse) ConfigErrors {
	slices.SortStableFunc(uses, func(a, b labelUse) int {
		return cmp.Or(cmp.Compare(a.at.layer, b.at.layer), cmp.Compare(a.at.pos.line, b.at.pos.line), cmp.Compare(a.at.pos.col, b.at.pos.col))
	})
	var errs ConfigErrors
	first := map[string]labelUse{}
	for _, u := range uses {
		k := foldKey(u.name)
		f, seen := first[k]
		switch {
		case !seen:
			first[k] = u
		case f.key != u.key:
			errs = append(errs, labelClash(u, f))
		}
	}
	return errs
}

// labelClash is the error for u, a label that first already uses.
func labelClash(u, first labelUse) ConfigError {
	what := "already selects tier " + first.tier.String()
	switch {
	case first.gate == OverrideAll:
		what = "already overrides every gate"
	case first.gate != "":
		what = "already overrides the " + first.gate + " gate"
	}
	msg := fmt.Sprintf("%s: label %s %s", u.key, quote(u.name), what)
	if first.name != u.name {
		msg += " as " + quote(first.name)
	}
	msg += " (" + first.key + " " + where(first.at, u.at) + ")"
	if first.name != u.name {
		msg += "; labels match ignoring case"
	}
	hint := "an override label cannot also be a tier label; rename one of the two"
	switch {
	case u.gate == "" && first.gate == "":
		hint = "a label can select only one tier; remove it from one of the two lists"
	case u.gate != "" && first.gate != "":
		hint = "give each override its own label; rename one of the two"
	}
	return ConfigError{File: u.at.file, Line: max(u.at.pos.line, 1), Column: max(u.at.pos.col, 1), Message: msg, Hint: hint}
}

// where says where o is, for a message about something at from.
func where(o, from origin) string {
	switch {
	case o.layer == layerDefaults && from.layer != layerDefaults:
		return "in the built-in defaults"
	case o.file == from.file && o.layer == from.layer:
		return fmt.Sprintf("at line %d", o.pos.line)
	}
	return fmt.Sprintf("at %s:%d:%d", o.file, o.pos.line, o.pos.col)
}

// foldKey maps s to a key equal for two strings exactly when
// strings.EqualFold holds: each rune becomes the least of its case folds.
func foldKey(s string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, s)
}
