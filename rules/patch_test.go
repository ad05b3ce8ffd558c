package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Hand-written diffs in git's format. ordersDiff is a change to
// api/orders.go; ordersRebased is the same change after a rebase onto a
// base that changed the file: other line numbers, other blob names,
// another function heading.
const (
	ordersDiff = "diff --git a/api/orders.go b/api/orders.go\n" +
		"index 1111111..2222222 100644\n" +
		"--- a/api/orders.go\n" +
		"+++ b/api/orders.go\n" +
		"@@ -10,3 +10,4 @@ func Order() {\n" +
		" a\n" +
		" b\n" +
		"+c\n" +
		" d\n"
	ordersRebased = "diff --git a/api/orders.go b/api/orders.go\n" +
		"index 3333333..4444444 100755\n" +
		"--- a/api/orders.go\n" +
		"+++ b/api/orders.go\n" +
		"@@ -52,3 +52,4 @@ func Refund() {\n" +
		" a\n" +
		" b\n" +
		"+c\n" +
		" d\n"
	// ordersMoved is ordersDiff's edit made further down the same file,
	// where the same lines are: the same pre-image blob, another place.
	ordersMoved = "diff --git a/api/orders.go b/api/orders.go\n" +
		"index 1111111..7777777 100644\n" +
		"--- a/api/orders.go\n" +
		"+++ b/api/orders.go\n" +
		"@@ -40,3 +40,4 @@ func Order() {\n" +
		" a\n" +
		" b\n" +
		"+c\n" +
		" d\n"
	readmeDiff = "diff --git a/README.md b/README.md\n" +
		"index 5555555..6666666 100644\n" +
		"--- a/README.md\n" +
		"+++ b/README.md\n" +
		"@@ -1 +1 @@\n" +
		"-old\n" +
		"\\ No newline at end of file\n" +
		"+new\n" +
		"\\ No newline at end of file\n"
)

// mustPatch parses a diff the test wrote.
func mustPatch(diff string) Patch {
	p, err := ParsePatch([]byte(diff))
	if err != nil {
		panic("test diff does not parse: " + err.Error())
	}
	return p
}

func TestParsePatchFiles(t *testing.T) {
	type file struct {
		Path, Opaque     string
		OldBlob, NewBlob string
	}
	tests := []struct {
		name string
		diff string
		want []file
	}{
		{"empty", "", nil},
		{"a lone newline", "\n", nil},
		{"two files", readmeDiff + ordersDiff, []file{{Path: "README.md", OldBlob: "5555555", NewBlob: "6666666"}, {Path: "api/orders.go", OldBlob: "1111111", NewBlob: "2222222"}}},
		{"mode change only", "diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n", []file{{Path: "run.sh"}}},
		{"pure rename", "diff --git a/old.go b/new.go\nsimilarity index 100%\nrename from old.go\nrename to new.go\n", []file{{Path: "new.go"}}},
		{"deleted file", "diff --git a/gone.go b/gone.go\ndeleted file mode 100644\nindex 1234567..0000000\n--- a/gone.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n",
			[]file{{Path: "gone.go", OldBlob: "1234567", NewBlob: "0000000"}}},
		{"empty file added", "diff --git a/empty b/empty\nnew file mode 100644\nindex 0000000..e69de29\n", []file{{Path: "empty", OldBlob: "0000000", NewBlob: "e69de29"}}},
		{"name with a space", "diff --git a/my file.txt b/my file.txt\nindex 1111111..2222222 100644\n--- a/my file.txt\t\n+++ b/my file.txt\t\n@@ -1 +1 @@\n-a\n+b\n",
			[]file{{Path: "my file.txt", OldBlob: "1111111", NewBlob: "2222222"}}},
		{"binary", "diff --git a/logo.png b/logo.png\nnew file mode 100644\nindex 0000000..20b5be9\nBinary files /dev/null and b/logo.png differ\n" + readmeDiff,
			[]file{{Path: "logo.png", Opaque: opaqueBinary, OldBlob: "0000000", NewBlob: "20b5be9"}, {Path: "README.md", OldBlob: "5555555", NewBlob: "6666666"}}},
		{"binary patch", "diff --git a/logo.png b/logo.png\nindex 20b5be9..30b5be9 100644\nGIT binary patch\nliteral 3\nKcmYdfNCE%>hycU@\n\nliteral 0\n\n",
			[]file{{Path: "logo.png", Opaque: opaqueBinary, OldBlob: "20b5be9", NewBlob: "30b5be9"}}},
		{"patch left out", "diff --git a/huge.sql b/huge.sql\nindex 1111111..2222222 100644\n" + ordersDiff,
			[]file{{Path: "huge.sql", Opaque: opaqueOmitted, OldBlob: "1111111", NewBlob: "2222222"}, {Path: "api/orders.go", OldBlob: "1111111", NewBlob: "2222222"}}},
		{"empty context line", "diff --git a/a b/a\nindex 1111111..2222222 100644\n--- a/a\n+++ b/a\n@@ -1,3 +1,3 @@\n x\n\n-y\n+z\n",
			[]file{{Path: "a", OldBlob: "1111111", NewBlob: "2222222"}}},
		{"trailing blank lines", ordersDiff + "\n\n", []file{{Path: "api/orders.go", OldBlob: "1111111", NewBlob: "2222222"}}},
		{"full blob names, no mode", strings.Replace(ordersDiff, "index 1111111..2222222 100644", "index "+strings.Repeat("ab", 20)+".."+strings.Repeat("cd", 20), 1),
			[]file{{Path: "api/orders.go", OldBlob: strings.Repeat("ab", 20), NewBlob: strings.Repeat("cd", 20)}}},
		{"unreadable blob names", strings.Replace(ordersDiff, "index 1111111..2222222", "index XYZ..2222222", 1),
			[]file{{Path: "api/orders.go", NewBlob: "2222222"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePatch([]byte(tt.diff))
			if err != nil {
				t.Fatalf("ParsePatch(%q) = %v, want no error", tt.diff, err)
			}
			var got []file
			for _, f := range p.Files {
				got = append(got, file{Path: f.Path, Opaque: f.Opaque, OldBlob: f.OldBlob, NewBlob: f.NewBlob})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePatch(%q) files (-want +got):\n%s", tt.diff, diff)
			}
		})
	}
}

func TestParsePatchRejects(t *testing.T) {
	tests := map[string]string{
		"not a diff":            "hello\n",
		"preamble":              "From 123 Mon Sep 17 00:00:00 2001\n" + ordersDiff,
		"truncated hunk":        strings.TrimSuffix(ordersDiff, " d\n"),
		"hunk longer than said": ordersDiff + "+e\n",
		"bad hunk header":       "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -x +1 @@\n+a\n",
		"bad line in hunk":      "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n*a\n+b\n",
	}
	for name, diff := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ParsePatch([]byte(diff)); !errors.Is(err, errNotDiff) {
				t.Errorf("ParsePatch(%q) = %v, want errNotDiff", diff, err)
			}
		})
	}
}

func TestComparePatches(t *testing.T) {
	tests := []struct {
		name       string
		approved   Patch
		head       Patch
		want       ChangeOutcome
		wantFile   string
		wantReason string
	}{
		{"identical", mustPatch(ordersDiff), mustPatch(ordersDiff), ChangeSame, "", ""},
		{"rebased: line numbers, index and heading ignored", mustPatch(ordersDiff), mustPatch(ordersRebased), ChangeSame, "", ""},
		{"same pre-image, heading ignored", mustPatch(ordersDiff), mustPatch(strings.Replace(ordersDiff, "func Order() {", "func Other() {", 1)),
			ChangeSame, "", ""},
		{"same pre-image, moved: differs", mustPatch(ordersDiff), mustPatch(ordersMoved), ChangeDiffers, "api/orders.go", "the change differs: api/orders.go"},
		{"same pre-image by the shorter name, moved: differs", mustPatch(ordersDiff),
			mustPatch(strings.Replace(ordersMoved, "index 1111111..7777777", "index 1111111abcdef0123456789abcdef0123456789..7777777", 1)),
			ChangeDiffers, "api/orders.go", "the change differs: api/orders.go"},
		{"same pre-image by the shorter name, same place", mustPatch(ordersDiff),
			mustPatch(strings.Replace(ordersDiff, "index 1111111..2222222", "index 1111111abcdef0123456789abcdef0123456789..2222222abcdef0123456789abcdef0123456789", 1)),
			ChangeSame, "", ""},
		{"same pre-image, same place, another post-image", mustPatch(ordersDiff), mustPatch(strings.Replace(ordersDiff, "..2222222", "..2222223", 1)),
			ChangeDiffers, "api/orders.go", "the change differs: api/orders.go"},
		{"pre-image unknown, moved: differs", mustPatch(strings.Replace(ordersDiff, "index 1111111", "index 111", 1)), mustPatch(ordersRebased),
			ChangeDiffers, "api/orders.go", "the change differs: api/orders.go"},
		{"no index line, moved: differs", mustPatch(strings.Replace(ordersDiff, "index 1111111..2222222 100644\n", "", 1)), mustPatch(ordersRebased),
			ChangeDiffers, "api/orders.go", "the change differs: api/orders.go"},
		{"a file more at the head", mustPatch(ordersDiff), mustPatch(readmeDiff + ordersDiff), ChangeDiffers, "README.md", "the change differs: README.md"},
		{"a file fewer at the head", mustPatch(readmeDiff + ordersDiff), mustPatch(ordersDiff), ChangeDiffers, "README.md", "the change differs: README.md"},
		{"a line more", mustPatch(ordersDiff), mustPatch(strings.NewReplacer("+c\n", "+c\n+e\n", "+10,4", "+10,5").Replace(ordersDiff)),
			ChangeDiffers, "api/orders.go", "the change differs: api/orders.go"},
		{"trailing whitespace counts", mustPatch(ordersDiff), mustPatch(strings.Replace(ordersDiff, "+c\n", "+c \n", 1)),
			ChangeDiffers, "api/orders.go", "the change differs: api/orders.go"},
		{"a context line counts", mustPatch(ordersDiff), mustPatch(strings.Replace(ordersDiff, " b\n", " B\n", 1)),
			ChangeDiffers, "api/orders.go", "the change differs: api/orders.go"},
		{"mode change counts", mustPatch("diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"), mustPatch(""),
			ChangeDiffers, "run.sh", "the change differs: run.sh"},
		{"binary never the same", mustPatch("diff --git a/logo.png b/logo.png\nindex 1111111..2222222 100644\nBinary files a/logo.png and b/logo.png differ\n"),
			mustPatch("diff --git a/logo.png b/logo.png\nindex 1111111..2222222 100644\nBinary files a/logo.png and b/logo.png differ\n"),
			ChangeUnknown, "logo.png", "the change to logo.png cannot be compared: it is a binary file"},
		{"patch left out", mustPatch("diff --git a/huge.sql b/huge.sql\nindex 1111111..2222222 100644\n"),
			mustPatch("diff --git a/huge.sql b/huge.sql\nindex 1111111..2222222 100644\n"),
			ChangeUnknown, "huge.sql", "the change to huge.sql cannot be compared: the diff leaves its patch out"},
		{"approved change unavailable", Patch{Unavailable: Messagef("GitHub answered 404")}, mustPatch(ordersDiff),
			ChangeUnknown, "", "its change cannot be compared: GitHub answered 404"},
		{"head change unavailable", mustPatch(ordersDiff), Patch{Unavailable: Messagef("too large")},
			ChangeUnknown, "", "the head's change cannot be compared: too large"},
		{"both empty", mustPatch(""), mustPatch(""), ChangeSame, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ComparePatches(tt.approved, tt.head)
			if got.Outcome != tt.want || got.File != tt.wantFile || got.Reason.String() != tt.wantReason {
				t.Errorf("ComparePatches = %v %q %q, want %v %q %q", got.Outcome, got.File, got.Reason, tt.want, tt.wantFile, tt.wantReason)
			}
		})
	}
}

func TestSameChangeUnreadable(t *testing.T) {
	same, why := SameChange([]byte(ordersDiff), []byte("garbage\n"))
	if same || !strings.Contains(why.String(), "the second diff cannot be read") {
		t.Errorf("SameChange(diff, garbage) = %v, %q; want false, the second diff cannot be read", same, why)
	}
	if same, why := SameChange([]byte(ordersDiff), []byte(ordersRebased)); !same || !why.IsZero() {
		t.Errorf("SameChange(diff, rebased) = %v, %q; want true, no reason", same, why)
	}
}

// FuzzParsePatch: any text parses or fails without panicking, and a diff
// that parses is the same change as itself unless a file in it cannot be
// compared.
func FuzzParsePatch(f *testing.F) {
	for _, s := range []string{ordersDiff, ordersRebased, ordersMoved, readmeDiff, "", "diff --git a/x b/x\nold mode 100644\nnew mode 100755\n",
		"diff --git a/l b/l\nindex 1..2 100644\nBinary files a/l and b/l differ\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, diff []byte) {
		p, err := ParsePatch(diff)
		if err != nil {
			return
		}
		c := ComparePatches(p, p)
		opaque := false
		for _, pf := range p.Files {
			opaque = opaque || pf.Opaque != ""
		}
		if (c.Outcome == ChangeSame) == opaque {
			t.Errorf("ComparePatches(p, p) = %v for %q (opaque file: %v)", c.Outcome, diff, opaque)
		}
	})
}
