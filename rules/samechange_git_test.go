package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/internal/gittest"
)

// libText is a 30-line file with some lines replaced (line number → text).
func libText(edits map[int]string) string {
	var b strings.Builder
	for i := 1; i <= 30; i++ {
		if s, ok := edits[i]; ok {
			if s != "" {
				b.WriteString(s + "\n")
			}
			continue
		}
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

// moved is main's change to lib.go while the pull request is open: lines
// inserted above the change (so its line numbers shift) and one changed
// below it, both out of the reach of its context lines.
var moved = map[int]string{2: "line 2\ninserted\ninserted again", 25: "main 25"}

// forked builds main with lib.go and notes.txt, and branch feature off it;
// it leaves feature checked out.
func forked(r *gittest.Repo) {
	r.Write("lib.go", libText(nil))
	r.Write("notes.txt", "notes\n")
	r.Commit("base")
	r.Git("checkout", "-q", "-b", "feature")
}

// onMain commits edits of lib.go (and a new file) on main, then returns to
// feature.
func onMain(r *gittest.Repo, edits map[int]string) {
	r.Git("checkout", "-q", "main")
	r.Write("lib.go", libText(edits))
	r.Write("unrelated.txt", "moved on\n")
	r.Commit("main moves")
	r.Git("checkout", "-q", "feature")
}

// conflicted has main change line 10 one way and feature another, then
// merges main into feature resolving the conflict to resolution; it
// returns feature's own commit and the merge.
func conflicted(t *testing.T, r *gittest.Repo, resolution string) (first, merge string) {
	forked(r)
	first = commitEdit(r, map[int]string{10: "feature 10"}, "feature")
	onMain(r, map[int]string{10: "main 10"})
	if _, err := r.Run(nil, "merge", "-q", "main"); err == nil {
		t.Fatal("merging main was expected to conflict")
	}
	r.Write("lib.go", libText(map[int]string{10: resolution}))
	return first, r.Commit("merge main, resolved")
}

func commitEdit(r *gittest.Repo, edits map[int]string, msg string) string {
	r.Write("lib.go", libText(edits))
	return r.Commit(msg)
}

// rebaseResolving rebases feature's commit first onto main instead,
// resolving the conflict to resolution.
func rebaseResolving(t *testing.T, r *gittest.Repo, first, resolution string) string {
	r.Git("checkout", "-q", "-B", "feature", first)
	if _, err := r.Run(nil, "rebase", "-q", "main"); err == nil {
		t.Fatal("rebasing onto main was expected to conflict")
	}
	r.Write("lib.go", libText(map[int]string{10: resolution}))
	r.Git("add", "lib.go")
	r.Git("-c", "core.editor=true", "rebase", "--continue")
	return r.Git("rev-parse", "HEAD")
}

func TestSameChangeAgainstGit(t *testing.T) {
	tests := []struct {
		name string
		// build returns the commit the approval was given on and the head.
		build    func(t *testing.T, r *gittest.Repo) (approved, head string)
		want     ChangeOutcome
		wantFile string
		// patchID says git patch-id --stable agrees with the outcome; where
		// it does not, it is laxer (it ignores whitespace, and takes two
		// "Binary files differ" lines for the same), never stricter.
		patchID bool
	}{
		{
			name: "rebase onto a moved base",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				forked(r)
				approved := commitEdit(r, map[int]string{10: "feature 10"}, "feature")
				onMain(r, moved)
				r.Git("rebase", "-q", "main")
				return approved, r.Git("rev-parse", "HEAD")
			},
			want: ChangeSame, patchID: true,
		},
		{
			name: "merge from base",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				forked(r)
				approved := commitEdit(r, map[int]string{10: "feature 10"}, "feature")
				onMain(r, moved)
				r.Git("merge", "-q", "--no-edit", "main")
				return approved, r.Git("rev-parse", "HEAD")
			},
			want: ChangeSame, patchID: true,
		},
		{
			name: "conflict resolved identically",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				first, merge := conflicted(t, r, "feature and main 10")
				return merge, rebaseResolving(t, r, first, "feature and main 10")
			},
			want: ChangeSame, patchID: true,
		},
		{
			name: "conflict resolved differently",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				first, merge := conflicted(t, r, "feature and main 10")
				return merge, rebaseResolving(t, r, first, "main and feature 10")
			},
			want: ChangeDiffers, wantFile: "lib.go", patchID: true,
		},
		{
			name: "base changed a line next to the change",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				forked(r)
				approved := commitEdit(r, map[int]string{10: "feature 10"}, "feature")
				onMain(r, map[int]string{12: "main 12"})
				r.Git("rebase", "-q", "main")
				return approved, r.Git("rev-parse", "HEAD")
			},
			want: ChangeDiffers, wantFile: "lib.go", patchID: true,
		},
		{
			name: "a line moved",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				forked(r)
				approved := commitEdit(r, map[int]string{10: "first\nsecond"}, "feature")
				return approved, commitEdit(r, map[int]string{10: "second\nfirst"}, "swap")
			},
			want: ChangeDiffers, wantFile: "lib.go", patchID: true,
		},
		{
			name: "a file renamed",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				forked(r)
				approved := commitEdit(r, map[int]string{10: "feature 10"}, "feature")
				r.Git("mv", "lib.go", "core.go")
				return approved, r.Commit("rename")
			},
			want: ChangeDiffers, wantFile: "core.go", patchID: true,
		},
		{
			name: "a mode change",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				forked(r)
				approved := commitEdit(r, map[int]string{10: "feature 10"}, "feature")
				if err := os.Chmod(filepath.Join(r.Dir, "lib.go"), 0o755); err != nil {
					t.Fatal(err)
				}
				return approved, r.Commit("executable")
			},
			want: ChangeDiffers, wantFile: "lib.go", patchID: true,
		},
		{
			name: "a line added after approval",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				forked(r)
				approved := commitEdit(r, map[int]string{10: "feature 10"}, "feature")
				return approved, commitEdit(r, map[int]string{10: "feature 10", 20: "slipped in"}, "more")
			},
			want: ChangeDiffers, wantFile: "lib.go", patchID: true,
		},
		{
			name: "whitespace added after approval",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				forked(r)
				approved := commitEdit(r, map[int]string{10: "feature 10"}, "feature")
				return approved, commitEdit(r, map[int]string{10: "feature  10"}, "spacing")
			},
			want: ChangeDiffers, wantFile: "lib.go", patchID: false, // patch-id ignores whitespace
		},
		{
			name: "an identical edit moved within the file, the base unchanged",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				r.Write("deploy/auth.toml", envConfig("true", "true"))
				r.Commit("base")
				r.Git("checkout", "-q", "-b", "feature")
				r.Write("deploy/auth.toml", envConfig("false", "true"))
				approved := r.Commit("staging: no MFA")
				r.Write("deploy/auth.toml", envConfig("true", "false"))
				return approved, r.Commit("production: no MFA")
			},
			want: ChangeDiffers, wantFile: "deploy/auth.toml", patchID: false, // patch-id ignores line numbers
		},
		{
			name: "an identical edit moved within the file, rebased onto a base that changed another file",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				r.Write("deploy/auth.toml", envConfig("true", "true"))
				forked(r)
				r.Write("deploy/auth.toml", envConfig("false", "true"))
				approved := r.Commit("staging: no MFA")
				onMain(r, moved)
				r.Git("rebase", "-q", "main")
				r.Write("deploy/auth.toml", envConfig("true", "false"))
				return approved, r.Commit("production: no MFA")
			},
			want: ChangeDiffers, wantFile: "deploy/auth.toml", patchID: false, // patch-id ignores line numbers
		},
		{
			// The residual case README's "Approvals that survive a rebase"
			// documents: when the base changed the file, its pre-image
			// differs and hunks are compared without their line numbers,
			// so an identical hunk with identical context moved elsewhere
			// in that file is taken for the same change.
			name: "known residual: an identical edit moved within a file the base also changed",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				r.Write("deploy/auth.toml", envConfig("true", "true"))
				r.Commit("base")
				r.Git("checkout", "-q", "-b", "feature")
				r.Write("deploy/auth.toml", envConfig("false", "true"))
				approved := r.Commit("staging: no MFA")
				r.Git("checkout", "-q", "main")
				r.Write("deploy/auth.toml", "# owned by the platform team\n\n"+envConfig("true", "true"))
				r.Commit("main: a header")
				r.Git("checkout", "-q", "feature")
				r.Git("rebase", "-q", "main")
				r.Write("deploy/auth.toml", "# owned by the platform team\n\n"+envConfig("true", "false"))
				return approved, r.Commit("production: no MFA")
			},
			want: ChangeSame, patchID: true,
		},
		{
			name: "a binary file, rebased",
			build: func(t *testing.T, r *gittest.Repo) (string, string) {
				forked(r)
				r.Write("logo.bin", "PNG\x00\x01\x02")
				approved := commitEdit(r, map[int]string{10: "feature 10"}, "feature")
				onMain(r, moved)
				r.Git("rebase", "-q", "main")
				return approved, r.Git("rev-parse", "HEAD")
			},
			want: ChangeUnknown, wantFile: "logo.bin", patchID: false, // the same to patch-id, which hashes "Binary files differ"
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gittest.New(t)
			approvedSHA, headSHA := tt.build(t, r)
			if approvedSHA == headSHA {
				t.Fatalf("the scenario left the approved commit at the head %s", headSHA)
			}
			approved, head := r.Change("main", approvedSHA), r.Change("main", headSHA)

			c := ComparePatches(mustParsePatch(t, approved), mustParsePatch(t, head))
			if c.Outcome != tt.want || c.File != tt.wantFile {
				t.Errorf("ComparePatches = %v %q (%s), want %v %q\n--- approved\n%s--- head\n%s",
					c.Outcome, c.File, c.Reason, tt.want, tt.wantFile, approved, head)
			}
			same, why := SameChange(approved, head)
			if same != (tt.want == ChangeSame) || why.String() != c.Reason.String() {
				t.Errorf("SameChange = %v, %q; want %v, %q", same, why, tt.want == ChangeSame, c.Reason)
			}

			// git's own notion of the same patch: never stricter than ours,
			// and equal where the two should agree.
			samePatchID := patchID(t, r, approved) == patchID(t, r, head)
			if same && !samePatchID {
				t.Errorf("same change but git patch-id differs: %s vs %s", patchID(t, r, approved), patchID(t, r, head))
			}
			if tt.patchID && samePatchID != same {
				t.Errorf("git patch-id --stable says same = %v, SameChange says %v", samePatchID, same)
			}
			if !tt.patchID && samePatchID == same {
				t.Errorf("git patch-id --stable agrees (same = %v) where the test says it is laxer; update the case", same)
			}
		})
	}
}

func mustParsePatch(t *testing.T, diff []byte) Patch {
	t.Helper()
	p, err := ParsePatch(diff)
	if err != nil {
		t.Fatalf("ParsePatch(git's diff) = %v\n%s", err, diff)
	}
	return p
}

func patchID(t *testing.T, r *gittest.Repo, diff []byte) string {
	t.Helper()
	out, err := r.Run(diff, "patch-id", "--stable")
	if err != nil {
		t.Fatalf("git patch-id: %v", err)
	}
	id, _, _ := strings.Cut(string(out), " ")
	return id
}
