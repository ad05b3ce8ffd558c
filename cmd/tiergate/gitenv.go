package main

import (
	"os"
	"strings"
)

// A verdict must depend only on the commits compared, never on who runs the
// check or how their git is set up. Two things could change it: the
// environment tiergate inherits and the git config it reads.
//
// The environment is cleared of every GIT_* variable (gitEnv): in a hook or
// under another tool, GIT_DIR, GIT_COMMON_DIR, GIT_OBJECT_DIRECTORY and the
// like silently point git at another repository, GIT_CONFIG_PARAMETERS and
// GIT_CONFIG_COUNT inject config, and GIT_GRAFT_FILE or GIT_SHALLOW_FILE
// rewrite history.
//
// Config is not ignored wholesale (GIT_CONFIG_GLOBAL=/dev/null,
// GIT_CONFIG_NOSYSTEM=1), because some of it is needed to read the
// repository at all: safe.directory in the global or system config is what
// lets git open a checkout owned by another user (CI containers), and
// extensions, core.worktree and promisor remotes live in the repository's
// own config. Instead every setting known to change which objects are read
// or how a diff is counted is overridden on the command line, which beats
// every config file: here (gitConfigArgs) for all invocations, and in
// changedFiles for the diff's own options. Settings that only change the
// look of a patch (diff.noprefix, diff.mnemonicPrefix, diff.srcPrefix,
// diff.context, color.*) cannot reach --raw --numstat -z output, nor can
// those that act on the working tree and index (core.autocrlf, core.eol,
// core.fsmonitor), which a commit-to-commit diff never reads; tests check
// both kinds. tiergate runs no git log or grep, so log.* and grep.* do
// not apply.
//
// What remains is the repository's own attributes: .gitattributes in the
// working tree and $GIT_DIR/info/attributes can still mark a path -diff
// (zero lines), and git has no flag to ignore the latter.

// gitConfigArgs are the -c overrides given to every git invocation.
func gitConfigArgs() []string {
	return []string{
		// A user's attributes file can mark any path -diff or binary,
		// which numstat then counts as zero lines.
		"-c", "core.attributesFile=" + os.DevNull,
		// Files over this size count as binary, zero lines; pin git's
		// default so a lowered threshold cannot shrink a change.
		"-c", "core.bigFileThreshold=512m",
		// gitEnv points GIT_GRAFT_FILE at an empty file, which git
		// would otherwise advise about on stderr whenever it reads a
		// commit, and tiergate tells "not found" from a failure by git
		// saying nothing.
		"-c", "advice.graftFileDeprecated=false",
	}
}

// gitEnv returns environ without any GIT_* variable, plus the ones tiergate
// sets deliberately. HOME, XDG_CONFIG_HOME and PATH stay, so git still finds
// itself and the user's safe.directory.
func gitEnv(environ []string) []string {
	env := make([]string, 0, len(environ)+6)
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(strings.ToUpper(name), "GIT_") && !keepGitVar(name) {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		// Optional locks would make a read-only check write the index.
		"GIT_OPTIONAL_LOCKS=0",
		"GIT_TERMINAL_PROMPT=0",
		// The system attributes file can mark paths binary, as a user's
		// can (see core.attributesFile above).
		"GIT_ATTR_NOSYSTEM=1",
		// $GIT_DIR/info/grafts rewrites parents and so the merge base;
		// GitHub knows nothing of it. (Replace refs are turned off with
		// --no-replace-objects; shallow clones are real history limits
		// and are reported, not hidden.)
		"GIT_GRAFT_FILE="+os.DevNull,
		// Stable messages for users and tests alike.
		"LC_ALL=C",
	)
}

// keepGitVar reports whether a GIT_* variable survives gitEnv: those that
// only choose which config files hold safe.directory (every setting that
// matters is overridden on the command line) and where git's own programs
// live.
func keepGitVar(name string) bool {
	switch strings.ToUpper(name) {
	case "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_EXEC_PATH":
		return true
	}
	return false
}
