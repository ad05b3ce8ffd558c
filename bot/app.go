package bot

// AppPermissions are the GitHub App permissions tiergate needs. The App
// manifest in deploy/github-app.yml must list exactly these (a test checks).
var AppPermissions = map[string]string{
	"checks":        "write",
	"pull_requests": "read",
	"contents":      "read",
	"issues":        "write",
	"metadata":      "read",
	"members":       "read",
	"statuses":      "read",
}

// AppEvents are the webhook events tiergate subscribes to. The App manifest
// must list exactly these (a test checks).
var AppEvents = []string{
	"check_run",
	"check_suite",
	"issue_comment",
	"merge_group",
	"pull_request",
	"pull_request_review",
	"push",
	"status",
}
