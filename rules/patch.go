package rules

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
)

// Patch is a pull request's change at one commit (the diff from its merge
// base with the base branch to the commit, base...commit) in the form
// ComparePatches compares: per file, digests of the lines that count and
// the blob names of its index line. Paths, modes, context lines and the
// added and removed lines always count, byte for byte, whitespace
// included. Where in the file each hunk applies (the line numbers of its
// header) counts when the file's pre-image is the same blob on both sides;
// when it is not, the base moved under the file, and a rebase shifts those
// numbers without changing the change (see ComparePatches).
type Patch struct {
	Files []PatchFile
	// Unavailable says why the diff could not be had (empty when it was):
	// too large for GitHub's compare, a commit GitHub does not know, ... A
	// change that cannot be read is never the same as another. Build it
	// with Messagef, so that any text quoted from the diff is escaped.
	Unavailable Message
}

// PatchFile is one file's section of a diff.
type PatchFile struct {
	// Path names the file in reasons: its name after the change, or
	// before it for a deletion.
	Path string
	// Digest is SHA-256 over the section's lines but its index line, with
	// each hunk header cut to "@@": the change as a rebase keeps it.
	Digest [sha256.Size]byte
	// Placed is Digest with each hunk header's line ranges kept, as
	// "@@ -a,b +c,d @@" (the function git names after them still cut):
	// the change and where in the file it applies.
	Placed [sha256.Size]byte
	// OldBlob and NewBlob are the blob names of the pre-image and the
	// post-image on the index line, lower-case hex as the diff prints them
	// (GitHub's compare abbreviates them to 7 or more digits); "" when the
	// section has no index line or it cannot be read.
	OldBlob, NewBlob string
	// Opaque says why the diff does not show this file's change ("" when
	// it does): a binary file, or a patch left out of the diff. Such a
	// file is never the same as anything.
	Opaque string
}

// Reasons a PatchFile is opaque, completing "cannot be compared: ...".
const (
	opaqueBinary  = "it is a binary file"
	opaqueOmitted = "the diff leaves its patch out"
)

// errNotDiff says text is not in the format of git diff.
var errNotDiff = errors.New("not a git diff")

// ParsePatch reads a diff in the format git diff prints, which is also
// what GitHub's compare API answers in its diff form. It reads the text
// strictly (hunks are counted, so a truncated diff is an error) because the
// text comes from outside; any error means the change cannot be compared.
func ParsePatch(diff []byte) (Patch, error) {
	p := patchParser{lines: splitLines(diff)}
	for p.i < len(p.lines) && len(p.lines[p.i]) == 0 {
		p.i++ // an empty diff may be a lone newline
	}
	var out Patch
	for p.i < len(p.lines) {
		f, err := p.file()
		if err != nil {
			return Patch{}, err
		}
		out.Files = append(out.Files, f)
	}
	return out, nil
}

// splitLines splits on "\n", keeping every other byte (a "\r" included).
// A final newline ends the last line rather than starting an empty one.
func splitLines(b []byte) [][]byte {
	if len(b) == 0 {
		return nil
	}
	lines := bytes.Split(b, []byte{'\n'})
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

type patchParser struct {
	lines [][]byte
	i     int
}

// file reads one "diff --git" section.
func (p *patchParser) file() (PatchFile, error) {
	first := p.lines[p.i]
	header, ok := bytes.CutPrefix(first, []byte("diff --git "))
	if !ok {
		return PatchFile{}, fmt.Errorf("%w: line %d: expected \"diff --git\", got %.60q", errNotDiff, p.i+1, first)
	}
	start := p.i
	h, placed := sha256.New(), sha256.New()
	both := io.MultiWriter(h, placed)
	writeLine(both, first)
	p.i++
	var f PatchFile
	var newPath, oldPath, renamedTo string
	blobChanged, hunks := false, 0
section:
	for p.i < len(p.lines) {
		line := p.lines[p.i]
		s := string(line)
		switch {
		case strings.HasPrefix(s, "diff --git "):
			break section
		case strings.HasPrefix(s, "@@ "):
			if err := p.hunk(h, placed); err != nil {
				return PatchFile{}, err
			}
			hunks++
			continue
		case hunks > 0 && p.onlyBlankLeft():
			p.i = len(p.lines)
			break section
		case hunks > 0:
			return PatchFile{}, fmt.Errorf("%w: line %d: unexpected %.60q after a hunk", errNotDiff, p.i+1, line)
		case strings.HasPrefix(s, "index "):
			// Not hashed: blob names change with any change elsewhere in
			// the file, which a rebase brings. Kept to tell whether the
			// base moved under the file, and to notice a patch the diff
			// left out.
			blobChanged = indexChanges(s)
			f.OldBlob, f.NewBlob = indexBlobs(s)
		case strings.HasPrefix(s, "Binary files ") || s == "GIT binary patch":
			f.Opaque = opaqueBinary
			writeLine(both, line)
			p.i++
			for p.i < len(p.lines) && !bytes.HasPrefix(p.lines[p.i], []byte("diff --git ")) {
				p.i++ // a binary patch's payload, when --binary was used
			}
			break section
		default:
			if v, ok := strings.CutPrefix(s, "+++ "); ok {
				newPath = filePathOf(v, "b/")
			} else if v, ok := strings.CutPrefix(s, "--- "); ok {
				oldPath = filePathOf(v, "a/")
			} else if v, ok := strings.CutPrefix(s, "rename to "); ok {
				renamedTo = v
			} else if v, ok := strings.CutPrefix(s, "copy to "); ok {
				renamedTo = v
			}
			// Mode, rename, copy and similarity lines, and any header git
			// may add: all count.
			writeLine(both, line)
		}
		p.i++
	}
	if hunks == 0 && blobChanged && f.Opaque == "" {
		f.Opaque = opaqueOmitted
	}
	f.Path = firstNonEmpty(newPath, renamedTo, oldPath, headerPath(string(header)))
	if f.Path == "" {
		return PatchFile{}, fmt.Errorf("%w: line %d: no file name in %.60q", errNotDiff, start+1, first)
	}
	h.Sum(f.Digest[:0])
	placed.Sum(f.Placed[:0])
	return f, nil
}

// onlyBlankLeft says every line from the current one on is empty.
func (p *patchParser) onlyBlankLeft() bool {
	for _, l := range p.lines[p.i:] {
		if len(l) > 0 {
			return false
		}
	}
	return true
}

// hunk reads one hunk: its header, cut to "@@" into h and to its line
// ranges into placed, then exactly the lines its header counts, each as it
// is, and any "\ No newline at end of file" note, into both.
func (p *patchParser) hunk(h, placed hash.Hash) error {
	at := p.i + 1
	r, err := hunkRanges(string(p.lines[p.i]))
	if err != nil {
		return fmt.Errorf("%w: line %d: %v", errNotDiff, at, err)
	}
	oldN, newN := r.oldN, r.newN
	writeLine(h, []byte("@@"))
	writeLine(placed, fmt.Appendf(nil, "@@ -%d,%d +%d,%d @@", r.oldStart, r.oldN, r.newStart, r.newN))
	both := io.MultiWriter(h, placed)
	p.i++
	for oldN > 0 || newN > 0 || (p.i < len(p.lines) && bytes.HasPrefix(p.lines[p.i], []byte(`\`))) {
		if p.i >= len(p.lines) {
			return fmt.Errorf("%w: the hunk at line %d ends early", errNotDiff, at)
		}
		line := p.lines[p.i]
		kind := byte(' ') // git may print an empty context line as nothing
		if len(line) > 0 {
			kind = line[0]
		}
		switch kind {
		case ' ':
			oldN, newN = oldN-1, newN-1
		case '-':
			oldN--
		case '+':
			newN--
		case '\\':
		default:
			return fmt.Errorf("%w: line %d: unexpected %.60q in the hunk at line %d", errNotDiff, p.i+1, line, at)
		}
		if oldN < 0 || newN < 0 {
			return fmt.Errorf("%w: the hunk at line %d has more lines than its header counts", errNotDiff, at)
		}
		writeLine(both, line)
		p.i++
	}
	return nil
}

// hunkRange is where a hunk applies: its first line and line count in
// the pre-image and in the post-image.
type hunkRange struct {
	oldStart, oldN, newStart, newN int
}

// hunkRanges reads the line ranges of "@@ -a[,b] +c[,d] @@ ...".
func hunkRanges(s string) (hunkRange, error) {
	var r hunkRange
	rest, ok := strings.CutPrefix(s, "@@ -")
	if !ok {
		return r, fmt.Errorf("malformed hunk header %.60q", s)
	}
	ranges, _, ok := strings.Cut(rest, " @@")
	oldR, newR, ok2 := strings.Cut(ranges, " +")
	if !ok || !ok2 {
		return r, fmt.Errorf("malformed hunk header %.60q", s)
	}
	var err error
	if r.oldStart, r.oldN, err = lineRange(oldR); err == nil {
		r.newStart, r.newN, err = lineRange(newR)
	}
	if err != nil {
		return r, fmt.Errorf("malformed hunk header %.60q", s)
	}
	return r, nil
}

// lineRange reads "start[,count]"; without a count it is 1.
func lineRange(r string) (start, count int, err error) {
	a, c, ok := strings.Cut(r, ",")
	s, err := strconv.ParseUint(a, 10, 31)
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		return int(s), 1, nil
	}
	n, err := strconv.ParseUint(c, 10, 31)
	return int(s), int(n), err
}

// indexChanges reads "index <old>..<new>[ <mode>]" and says whether the
// content changed, which a diff must then show as hunks or as binary. Adding
// or deleting an empty file changes the blob from none to the empty blob
// and shows no hunk.
func indexChanges(s string) bool {
	blobs, _, _ := strings.Cut(strings.TrimPrefix(s, "index "), " ")
	oldB, newB, ok := strings.Cut(blobs, "..")
	if !ok {
		return true // unreadable: assume the worst
	}
	switch {
	case oldB == newB:
		return false
	case isZeroHex(oldB) && isEmptyBlob(newB), isEmptyBlob(oldB) && isZeroHex(newB):
		return false
	}
	return true
}

func isZeroHex(s string) bool { return s != "" && strings.Trim(s, "0") == "" }

// indexBlobs reads the blob names of "index <old>..<new>[ <mode>]", each
// "" unless it is lower-case hex.
func indexBlobs(s string) (oldBlob, newBlob string) {
	blobs, _, _ := strings.Cut(strings.TrimPrefix(s, "index "), " ")
	oldB, newB, ok := strings.Cut(blobs, "..")
	if !ok {
		return "", ""
	}
	hex := func(b string) string {
		if b == "" || strings.Trim(b, "0123456789abcdef") != "" {
			return ""
		}
		return b
	}
	return hex(oldB), hex(newB)
}

// isEmptyBlob says s abbreviates the empty blob's name, in SHA-1 or SHA-256
// repositories.
func isEmptyBlob(s string) bool {
	const sha1Empty = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
	const sha256Empty = "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813"
	return len(s) >= 7 && (strings.HasPrefix(sha1Empty, s) || strings.HasPrefix(sha256Empty, s))
}

// filePathOf reads the path of a "---" or "+++" line: "" for /dev/null.
// git ends a name holding a space with a tab.
func filePathOf(v, prefix string) string {
	v = strings.TrimSuffix(v, "\t")
	if v == "/dev/null" {
		return ""
	}
	return strings.TrimPrefix(v, prefix)
}

// headerPath reads the path from "a/P b/P", the form of a change that keeps
// the file's name (such as a mode change); otherwise the header as it is.
func headerPath(h string) string {
	if n := len(h); n%2 == 1 {
		left, right := h[:n/2], h[n/2+1:]
		if strings.HasPrefix(left, "a/") && strings.HasPrefix(right, "b/") && left[2:] == right[2:] {
			return left[2:]
		}
	}
	return h
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func writeLine(h io.Writer, line []byte) {
	h.Write(line)
	h.Write([]byte{'\n'})
}
