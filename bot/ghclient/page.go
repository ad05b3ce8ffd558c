package ghclient

import "github.com/google/go-github/v60/github"

// PerPage is the page size of every listing tiergate reads (GitHub's most).
const PerPage = 100

// Walk reads a listing page by page, starting at page first (0: the first
// page, without a page parameter). get reads one page and returns the
// number of the next one (GitHub's NextPage; 0 on the last page, or to stop
// early). Walk stops at the last page, at the first error, and when a page
// does not move forward, so a confused server cannot make it loop.
func Walk(first int, get func(page int) (next int, err error)) error {
	for page := first; ; {
		next, err := get(page)
		if err != nil {
			return err
		}
		if next <= page {
			return nil
		}
		page = next
	}
}

// All collects every item of a go-github listing. list reads the page that
// opts names (PerPage items).
func All[T any](list func(opts github.ListOptions) ([]T, *github.Response, error)) ([]T, error) {
	var all []T
	err := Walk(0, func(page int) (int, error) {
		items, resp, err := list(github.ListOptions{Page: page, PerPage: PerPage})
		if err != nil {
			return 0, err
		}
		all = append(all, items...)
		return resp.NextPage, nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}
