package githubtest

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// IssueToken mints an installation token for installation without a
// request, as GitHub Actions hands a workflow its GITHUB_TOKEN: a client
// given it acts with that installation's access. It expires in an hour.
func (s *Server) IssueToken(installation int64) string {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.installations[installation] == nil {
		s.t.Fatalf("githubtest: IssueToken: no installation %d (call AddInstallation first)", installation)
	}
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		s.t.Fatalf("githubtest: IssueToken: %v", err)
	}
	tok := "ghs_" + hex.EncodeToString(b[:])
	s.tokens[tok] = token{installation: installation, expiresAt: time.Now().Add(time.Hour)}
	return tok
}
