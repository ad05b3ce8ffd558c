// Package bot is tiergate's GitHub side: it verifies and queues webhooks,
// authenticates as the GitHub App, loads configuration from the base branch
// and the org config repo, gathers a pull request into a rules.PullRequest,
// and reports the verdict as a check run and one sticky comment.
package bot
