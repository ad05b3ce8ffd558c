// Package rules is tiergate's pure core: it parses and merges configuration,
// classifies a pull request into a tier, evaluates the tier's gates and renders
// the verdict. It performs no I/O: everything it needs (changed files, labels,
// reviews, permissions, team memberships, the change at approved commits)
// arrives as data in a PullRequest, so the same verdict is reached on GitHub
// and on a developer's machine; Needed tells a caller what that data is.
package rules
