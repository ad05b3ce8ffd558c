package githubtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v60/github"
)

// token is an issued installation access token.
type token struct {
	installation int64
	expiresAt    time.Time
}

// identity is who a request authenticated as: the App itself (with a
// JWT) or one installation (with an installation token).
type identity struct {
	app          bool
	installation int64
}

// appOnly reports whether GitHub only accepts the App's JWT for the
// operation at template.
func appOnly(template string) bool {
	switch template {
	case "/app", "/app/installations", "/app/installations/{installation_id}/access_tokens",
		"/repos/{owner}/{repo}/installation",
		"/app/hook/deliveries", "/app/hook/deliveries/{delivery_id}", "/app/hook/deliveries/{delivery_id}/attempts":
		return true
	}
	return false
}

// authenticate checks the Authorization header for the operation's kind
// and answers 401 itself when it fails.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, template string) (identity, bool) {
	scheme, credential, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	scheme = strings.ToLower(scheme)
	if appOnly(template) {
		if scheme != "bearer" {
			writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
			return identity{}, false
		}
		if err := s.verifyJWT(credential, time.Now()); err != nil {
			writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded: "+err.Error())
			return identity{}, false
		}
		return identity{app: true}, true
	}
	if scheme != "token" && scheme != "bearer" {
		writeError(w, http.StatusUnauthorized, "Requires authentication")
		return identity{}, false
	}
	s.mu.Lock()
	tok, ok := s.tokens[credential]
	s.mu.Unlock()
	if !ok || time.Now().After(tok.expiresAt) {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return identity{}, false
	}
	return identity{installation: tok.installation}, true
}

// verifyJWT checks an App JWT as GitHub does: RS256, signed by the App's
// key, iss the App ID (string or number), iat and exp present, exp in the
// future and at most ten minutes after iat.
func (s *Server) verifyJWT(raw string, now time.Time) error {
	claims := jwt.MapClaims{}
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithJSONNumber())
	if _, err := parser.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return s.public, nil }); err != nil {
		return err
	}
	iat, err1 := numericClaim(claims, "iat")
	exp, err2 := numericClaim(claims, "exp")
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if exp.Sub(iat) > 10*time.Minute {
		return errors.New("'Expiration time' claim ('exp') is too far in the future")
	}
	if !exp.After(now) {
		return errors.New("'Expiration time' claim ('exp') must be a numeric value representing the future time")
	}
	if iat.After(now.Add(time.Minute)) {
		return errors.New("'Issued at' claim ('iat') must be an Integer representing a time in the past")
	}
	var iss string
	switch v := claims["iss"].(type) {
	case string:
		iss = v
	case json.Number:
		iss = v.String()
	}
	if iss != strconv.FormatInt(s.AppID, 10) {
		return fmt.Errorf("'Issuer' claim ('iss') %q is not the App ID %d", iss, s.AppID)
	}
	return nil
}

func numericClaim(claims jwt.MapClaims, name string) (time.Time, error) {
	n, ok := claims[name].(json.Number)
	if !ok {
		return time.Time{}, fmt.Errorf("missing numeric claim %q", name)
	}
	secs, err := n.Float64()
	if err != nil {
		return time.Time{}, fmt.Errorf("claim %q: %w", name, err)
	}
	return time.Unix(int64(secs), 0), nil
}

// allowed scopes an installation to its account's selected repositories
// and organization, answering 404 otherwise as GitHub does; s.mu is held.
func (s *Server) allowed(w http.ResponseWriter, r *http.Request) bool {
	c := callOf(r)
	id, template := c.identity, c.template
	if id.app {
		return true
	}
	inst := s.installations[id.installation]
	if inst == nil {
		writeError(w, http.StatusUnauthorized, "Bad credentials")
		return false
	}
	switch {
	case strings.HasPrefix(template, "/repos/{owner}/{repo}"):
		k := key(r.PathValue("owner"), r.PathValue("repo"))
		for _, name := range inst.repos {
			if name == k {
				return true
			}
		}
	case strings.HasPrefix(template, "/orgs/{org}"):
		if strings.EqualFold(r.PathValue("org"), inst.account) {
			return true
		}
	default:
		return true
	}
	writeError(w, http.StatusNotFound, "Not Found")
	return false
}

// RevokeTokens invalidates every installation token issued so far, so the
// next request with one gets 401 (as after expiry or rotation).
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// handleAccessToken issues an installation token valid for one hour.
func (s *Server) handleAccessToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("installation_id"), 10, 64)
	inst := s.installations[id]
	if err != nil || inst == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	tok := "ghs_" + hex.EncodeToString(b[:])
	expires := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	s.tokens[tok] = token{installation: id, expiresAt: expires}
	writeJSON(w, http.StatusCreated, github.InstallationToken{
		Token:     github.String(tok),
		ExpiresAt: &github.Timestamp{Time: expires},
	})
}
