package intake

import (
	"bytes"
	"encoding/json"
)

// eventPayload is the part of a webhook body that routing reads, for every
// event tiergate acts on. Decoding only these fields, rather than
// go-github's complete event types, keeps the answer to GitHub cheap: the
// rest of the body is skipped without being stored.
type eventPayload struct {
	Action       string       `json:"action"`
	Number       int          `json:"number"`
	Installation installation `json:"installation"`
	Repository   repository   `json:"repository"`

	// pull_request, pull_request_review
	PullRequest *prRef `json:"pull_request"`
	Changes     *struct {
		Base json.RawMessage `json:"base"`
	} `json:"changes"`

	// check_run, check_suite
	CheckRun   *checkRef `json:"check_run"`
	CheckSuite *checkRef `json:"check_suite"`

	// issue_comment
	Issue *struct {
		Number      int             `json:"number"`
		PullRequest json.RawMessage `json:"pull_request"`
	} `json:"issue"`
	Comment *struct {
		Body string `json:"body"`
		User struct {
			Login string `json:"login"`
		} `json:"user"`
	} `json:"comment"`

	// push
	Ref     string `json:"ref"`
	Deleted bool   `json:"deleted"`
	Commits []struct {
		Added    []string `json:"added"`
		Modified []string `json:"modified"`
		Removed  []string `json:"removed"`
	} `json:"commits"`

	// status: Branches lists every branch that contains the commit, each
	// with its own head, which may be another commit.
	SHA      string `json:"sha"`
	Branches []struct {
		Name   string `json:"name"`
		Commit struct {
			SHA string `json:"sha"`
		} `json:"commit"`
	} `json:"branches"`

	// merge_group
	MergeGroup *struct {
		HeadSHA string `json:"head_sha"`
		HeadRef string `json:"head_ref"`
	} `json:"merge_group"`

	// installation, installation_repositories (logged only)
	Repositories        []json.RawMessage `json:"repositories"`
	RepositoriesAdded   []json.RawMessage `json:"repositories_added"`
	RepositoriesRemoved []json.RawMessage `json:"repositories_removed"`
}

type installation struct {
	ID      int64 `json:"id"`
	Account struct {
		Login string `json:"login"`
	} `json:"account"`
}

type repository struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	DefaultBranch string `json:"default_branch"`
	Owner         struct {
		Login string `json:"login"`
		Name  string `json:"name"` // push payloads name the owner here
	} `json:"owner"`
}

type prRef struct {
	Number int `json:"number"`
	Head   struct {
		SHA string `json:"sha"`
	} `json:"head"`

	// pull_request closed: a merge is recorded in the ledger. Times stay
	// text until then, so an odd one cannot refuse another event.
	Merged         bool   `json:"merged"`
	MergedAt       string `json:"merged_at"`
	MergeCommitSHA string `json:"merge_commit_sha"`
	MergedBy       *struct {
		Login string `json:"login"`
	} `json:"merged_by"`
	CreatedAt string `json:"created_at"`
	Title     string `json:"title"`
	HTMLURL   string `json:"html_url"`
	User      struct {
		Login string `json:"login"`
	} `json:"user"`
	Base struct {
		Ref string `json:"ref"`
		SHA string `json:"sha"`
	} `json:"base"`
}

type checkRef struct {
	Name       string `json:"name"`
	HeadSHA    string `json:"head_sha"`
	HeadBranch string `json:"head_branch"` // check_suite
	App        struct {
		ID int64 `json:"id"`
	} `json:"app"`
	PullRequests []prRef `json:"pull_requests"`
	// CheckSuite is a check run's suite, which names the head branch.
	CheckSuite *struct {
		HeadBranch string `json:"head_branch"`
	} `json:"check_suite"`
}

// present says whether a raw field was given as something other than null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}
