package githubtest

import (
	"cmp"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
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
	etag := `W/"` + sha + `"`
	w.Header().Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && sameETag(match, etag) {
		w.WriteHeader(http.StatusNotModified)
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
