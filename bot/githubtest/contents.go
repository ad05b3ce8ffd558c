package githubtest

import (
	"cmp"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v60/github"
)

// handleContents serves one file at a ref as base64 JSON with its git blob
// SHA, and answers 304 when If-None-Match names the current ETag.
// Directories and files over 1 MB (which GitHub serves differently) are
// not modelled.
func (s *Server) handleContents(w http.ResponseWriter, r *http.Request) {
	rp := s.repoOf(w, r)
	if rp == nil {
		return
	}
	ref := cmp.Or(r.URL.Query().Get("ref"), rp.defaultBranch)
	path := strings.Trim(r.PathValue("path"), "/")
	content, ok := rp.files[ref][path]
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	sha := blobSHA(content)
	if s.notModified(w, r, `W/"`+sha+`"`) {
		return
	}
	name := path[strings.LastIndex(path, "/")+1:]
	writeJSON(w, http.StatusOK, github.RepositoryContent{
		Type:     github.String("file"),
		Encoding: github.String("base64"),
		Size:     github.Int(len(content)),
		Name:     github.String(name),
		Path:     github.String(path),
		SHA:      github.String(sha),
		Content:  github.String(wrap76(base64.StdEncoding.EncodeToString(content))),
	})
}

// notModified sets etag on the response and, when the request's
// If-None-Match names it, answers 304 Not Modified and returns true. As on
// GitHub, a 304 does not count against the rate limit. s.mu must be held.
func (s *Server) notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	w.Header().Set("ETag", etag)
	match := r.Header.Get("If-None-Match")
	if match == "" || !sameETag(match, etag) {
		return false
	}
	s.used = max(s.used-1, 0)
	s.setRateHeaders(w)
	w.WriteHeader(http.StatusNotModified)
	return true
}

// writeJSONConditional answers like writeJSON, with a weak ETag over the
// body: it changes whenever the listed content changes, and a request
// naming it in If-None-Match gets 304 Not Modified. s.mu must be held.
func (s *Server) writeJSONConditional(w http.ResponseWriter, r *http.Request, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "githubtest: "+err.Error(), http.StatusInternalServerError)
		return
	}
	sum := sha1.Sum(data)
	if s.notModified(w, r, `W/"`+hex.EncodeToString(sum[:])+`"`) {
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// sameETag compares ETags weakly, as If-None-Match does.
func sameETag(header, etag string) bool {
	strip := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "W/") }
	for _, candidate := range strings.Split(header, ",") {
		if c := strip(candidate); c == "*" || c == strip(etag) {
			return true
		}
	}
	return false
}

// wrap76 breaks base64 into lines as GitHub does (go-github decodes both).
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	b.WriteString("\n")
	return b.String()
}

// blobSHA is git's object name for content stored as a blob.
func blobSHA(content []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(content))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}
