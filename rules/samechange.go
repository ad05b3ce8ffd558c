package rules

import "fmt"

// ChangeOutcome is what comparing a pull request's change at two commits
// found.
type ChangeOutcome int

// Change outcomes. Only ChangeSame keeps an approval: a change that
// differs, and one that could not be compared, make it stale.
const (
	ChangeSame ChangeOutcome = iota
	ChangeDiffers
	ChangeUnknown
)

var changeOutcomeNames = [...]string{"same", "differs", "unknown"}

func (o ChangeOutcome) String() string {
	if o >= 0 && int(o) < len(changeOutcomeNames) {
		return changeOutcomeNames[o]
	}
	return fmt.Sprintf("change(%d)", int(o))
}

// MarshalText makes outcomes render by name in JSON.
func (o ChangeOutcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Comparison is the outcome of comparing the change an approval was given
// on with the change at the head.
type Comparison struct {
	Outcome ChangeOutcome
	// File is the first file whose change differs or could not be
	// compared ("" when the change is the same, or when a whole diff
	// could not be had).
	File string
	// Reason says why the change differs or could not be compared, e.g.
	// "the change differs: api/orders.go"; empty when it is the same.
	Reason Message
}

// ComparePatches compares the change at an approved commit with the change
// at the head, file by file in the diffs' order (git sorts files by path,
// so the same change lists the same files in the same order). The first
// file that is not provably the same decides: a file only one side has, or
// whose lines differ, differs; a binary file or one whose patch the diff
// leaves out cannot be compared. It fails closed: nothing unreadable is
// ever the same.
//
// Where each hunk applies counts unless the base provably moved under the
// file: when the index lines do not show two different pre-image blobs
// (the same blob, or a name missing or unreadable), the hunks must apply
// at the same lines and the post-image blob must be the same, so an
// identical edit moved elsewhere in the file differs. Only when the two
// pre-images are different blobs (a rebase onto a base that changed the
// file, or a merge from it) are the hunks compared without their line
// numbers, which such a rebase shifts. That leaves one change kept that
// is not the same: in a file whose pre-image differs, an identical hunk,
// with identical context lines, moved to another place with the same
// context (README, "Approvals that survive a rebase").
func ComparePatches(approved, head Patch) Comparison {
	switch {
	case !approved.Unavailable.IsZero():
		return Comparison{Outcome: ChangeUnknown, Reason: msgf("its change cannot be compared: %s", approved.Unavailable)}
	case !head.Unavailable.IsZero():
		return Comparison{Outcome: ChangeUnknown, Reason: msgf("the head's change cannot be compared: %s", head.Unavailable)}
	}
	for i := 0; i < max(len(approved.Files), len(head.Files)); i++ {
		var a, h *PatchFile
		if i < len(approved.Files) {
			a = &approved.Files[i]
		}
		if i < len(head.Files) {
			h = &head.Files[i]
		}
		switch {
		case a == nil:
			return differs(h.Path)
		case h == nil:
			return differs(a.Path)
		case a.Path != h.Path:
			// One side has a file the other lacks: the one that sorts
			// first is it.
			return differs(min(a.Path, h.Path))
		case a.Opaque != "":
			return opaque(a)
		case h.Opaque != "":
			return opaque(h)
		case a.Digest != h.Digest:
			return differs(a.Path)
		case !blobsDiffer(a.OldBlob, h.OldBlob) && (a.Placed != h.Placed || !sameBlob(a.NewBlob, h.NewBlob)):
			// The same pre-image: the same change is the same post-image.
			return differs(a.Path)
		}
	}
	return Comparison{Outcome: ChangeSame}
}

// minBlobDigits is the fewest hex digits of a blob name that the
// comparison takes as naming a blob: git abbreviates to at least 7 by
// default, as GitHub's compare does.
const minBlobDigits = 7

// blobsDiffer says two blob names, as index lines print them, provably name
// different blobs: both are long enough, and they differ within the
// shorter one's length (an abbreviation is a prefix of the full name).
func blobsDiffer(a, b string) bool {
	n := min(len(a), len(b))
	return n >= minBlobDigits && a[:n] != b[:n]
}

// sameBlob says two blob names, as index lines print them, name the same
// blob as far as they show: equal, or long enough and equal within the
// shorter one's length. No name on either side is the same only as none on
// the other.
func sameBlob(a, b string) bool {
	n := min(len(a), len(b))
	return a == b || (n >= minBlobDigits && a[:n] == b[:n])
}

func differs(path string) Comparison {
	return Comparison{Outcome: ChangeDiffers, File: path, Reason: msgf("the change differs: %s", filePath(path))}
}

func opaque(f *PatchFile) Comparison {
	return Comparison{Outcome: ChangeUnknown, File: f.Path,
		Reason: msgf("the change to %s cannot be compared: %s", filePath(f.Path), words(f.Opaque))}
}

// SameChange says whether two diffs, as git diff prints them, are the same
// change, as ComparePatches decides: equal but for index lines, and for
// hunk line numbers in a file whose pre-image differs. When they are not,
// the reason names the first file that differs or says why they could not
// be compared.
func SameChange(a, b []byte) (bool, Message) {
	pa, err := ParsePatch(a)
	if err != nil {
		return false, msgf("the first diff cannot be read: %s", err.Error())
	}
	pb, err := ParsePatch(b)
	if err != nil {
		return false, msgf("the second diff cannot be read: %s", err.Error())
	}
	c := ComparePatches(pa, pb)
	return c.Outcome == ChangeSame, c.Reason
}
