package rules

import (
	"cmp"
	"hash/maphash"
	"slices"
)

// maxErrors caps how many problems one file reports, so that a large broken
// file still yields a message short enough for a check run or a comment.
const maxErrors = 50

// errorList collects config errors: each distinct problem once, in the order
// found (aliases can make the decoder meet one node many times), the first
// maxErrors in full and a count of the rest.
type errorList struct {
	errs ConfigErrors
	// more holds a hash of each distinct problem beyond maxErrors, to count
	// them; the first maxErrors are compared whole.
	more map[uint64]struct{}
	seed maphash.Seed
}

// add records e unless an identical problem is already recorded.
func (l *errorList) add(e ConfigError) {
	switch {
	case slices.Contains(l.errs, e):
	case len(l.errs) < maxErrors:
		l.errs = append(l.errs, e)
	default:
		if l.more == nil {
			l.more, l.seed = map[uint64]struct{}{}, maphash.MakeSeed()
		}
		l.more[maphash.Comparable(l.seed, e)] = struct{}{}
	}
}

// addAlways records e even past maxErrors, for a problem that explains why
// checking stopped.
func (l *errorList) addAlways(e ConfigError) {
	if !slices.Contains(l.errs, e) {
		l.errs = append(l.errs, e)
	}
}

func (l *errorList) empty() bool { return len(l.errs) == 0 }

// list returns the problems, ordered by position when byPosition (one file),
// else as found, followed by a count of those not shown.
func (l *errorList) list(byPosition bool) ConfigErrors {
	out := slices.Clone(l.errs)
	if byPosition {
		slices.SortStableFunc(out, func(a, b ConfigError) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
		})
	}
	if n := len(l.more); n > 0 && len(out) > 0 {
		last := out[len(out)-1]
		out = append(out, ConfigError{File: last.File, Line: last.Line, Column: last.Column,
			Message: thousands(n) + " more problems not shown", Hint: "fix the problems above and check again"})
	}
	return out
}
