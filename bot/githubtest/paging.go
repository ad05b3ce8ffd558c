package githubtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// page cuts items to the page the request asks for, GitHub style:
// per_page defaults to 30 and is capped at 100, page counts from 1, and a
// Link header names the first, prev, next and last pages that exist.
func page[T any](w http.ResponseWriter, r *http.Request, items []T) []T {
	perPage := queryInt(r, "per_page", 30)
	if perPage < 1 {
		perPage = 30
	}
	perPage = min(perPage, 100)
	n := max(queryInt(r, "page", 1), 1)
	last := max((len(items)+perPage-1)/perPage, 1)

	var links []string
	link := func(p int, rel string) {
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		links = append(links, fmt.Sprintf("<%s>; rel=%q", u.String(), rel))
	}
	if n > 1 {
		link(min(n-1, last), "prev")
	}
	if n < last {
		link(n+1, "next")
		link(last, "last")
	}
	if n > 1 {
		link(1, "first")
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}

	start := (n - 1) * perPage
	if start >= len(items) {
		return []T{}
	}
	return items[start:min(start+perPage, len(items))]
}

// queryInt reads an integer query parameter; the OpenAPI check has already
// rejected non-integers where GitHub documents an integer.
func queryInt(r *http.Request, name string, def int) int {
	v, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil {
		return def
	}
	return v
}
