package rules

import "strconv"

// truncationReason says in plain words why every critical path counts as
// touched when the file list is incomplete.
func truncationReason(pr PullRequest) Message {
	listed := words(thousands(len(pr.Files)))
	if pr.ChangedFiles > len(pr.Files) {
		return msgf("GitHub listed only %s of %s files, so every critical path is treated as touched", listed, words(thousands(pr.ChangedFiles)))
	}
	return msgf("GitHub listed only %s files and the list is incomplete, so every critical path is treated as touched", listed)
}

// thousands writes n with comma separators: 3500 → "3,500".
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TouchedCriticalPaths returns the critical paths the pull request counts as
// touching: those a listed file (or its previous name) matches, or all of
// them when the file list is incomplete. (What to fetch for a verdict is
// Needed's answer, which applies the same rule.)
func TouchedCriticalPaths(cfg *Config, pr PullRequest) []CriticalPath {
	var out []CriticalPath
	for _, i := range classifyFiles(cfg, pr).critical {
		out = append(out, cfg.CriticalPaths[i])
	}
	return out
}
