package githubtest

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/google/go-github/v60/github"
)

func TestInstallationTokenExchange(t *testing.T) {
	s := seeded(t)
	c := client(t, s, inst, s.PrivateKeyPEM)
	repo, _, err := c.Repositories.Get(context.Background(), owner, name)
	if err != nil {
		t.Fatalf("Repositories.Get() error = %v, want nil", err)
	}
	if got, want := repo.GetDefaultBranch(), "main"; got != want {
		t.Errorf("Repositories.Get().DefaultBranch = %q, want %q", got, want)
	}
	var templates []string
	for _, r := range s.Requests() {
		templates = append(templates, r.Method+" "+r.Template)
	}
	want := []string{"POST /app/installations/{installation_id}/access_tokens", "GET /repos/{owner}/{repo}"}
	if strings.Join(templates, "\n") != strings.Join(want, "\n") {
		t.Errorf("Requests() = %q, want %q", templates, want)
	}
}

func TestWrongKeyIsUnauthorized(t *testing.T) {
	s := seeded(t)
	other, err := os.ReadFile(filepath.Join("testdata", "test-other-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, s, inst, other)
	_, _, err = c.Repositories.Get(context.Background(), owner, name)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Repositories.Get() with a JWT signed by the wrong key: error = %v, want a 401", err)
	}
	for _, r := range s.Requests() {
		if r.Template == "/repos/{owner}/{repo}" {
			t.Errorf("request %s %s reached the API without a token", r.Method, r.Path)
		}
	}
}

// TestJWTChecks posts hand-made JWTs to the token endpoint.
func TestJWTChecks(t *testing.T) {
	s := seeded(t)
	key, err := jwt.ParseRSAPrivateKeyFromPEM(s.PrivateKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sign := func(method jwt.SigningMethod, claims jwt.MapClaims) string {
		var k any = key
		if method == jwt.SigningMethodHS256 {
			k = []byte("secret")
		}
		tok, err := jwt.NewWithClaims(method, claims).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tests := []struct {
		name string
		auth string
		want int
	}{
		{"numeric iss", "Bearer " + sign(jwt.SigningMethodRS256, jwt.MapClaims{"iss": s.AppID, "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix()}), http.StatusCreated},
		{"string iss", "Bearer " + sign(jwt.SigningMethodRS256, jwt.MapClaims{"iss": "29310", "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix()}), http.StatusCreated},
		{"wrong iss", "Bearer " + sign(jwt.SigningMethodRS256, jwt.MapClaims{"iss": "1", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}), http.StatusUnauthorized},
		{"lifetime over ten minutes", "Bearer " + sign(jwt.SigningMethodRS256, jwt.MapClaims{"iss": s.AppID, "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(10 * time.Minute).Unix()}), http.StatusUnauthorized},
		{"expired", "Bearer " + sign(jwt.SigningMethodRS256, jwt.MapClaims{"iss": s.AppID, "iat": now.Add(-5 * time.Minute).Unix(), "exp": now.Add(-time.Minute).Unix()}), http.StatusUnauthorized},
		{"no iat", "Bearer " + sign(jwt.SigningMethodRS256, jwt.MapClaims{"iss": s.AppID, "exp": now.Add(5 * time.Minute).Unix()}), http.StatusUnauthorized},
		{"HS256", "Bearer " + sign(jwt.SigningMethodHS256, jwt.MapClaims{"iss": s.AppID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}), http.StatusUnauthorized},
		{"no header", "", http.StatusUnauthorized},
		{"token scheme", "token ghs_nothing", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, s.URL()+"app/installations/42/access_tokens", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			req.Header.Set("Accept", "application/vnd.github+json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("POST access_tokens = %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestInstallationScope(t *testing.T) {
	s := seeded(t)
	s.AddRepo(owner, "secret", "main") // not in installation 42
	s.AddRepo("other-org", "tools", "main")
	s.AddInstallation(7, "other-org", "tools")
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()
	for _, repo := range []struct{ owner, name string }{{owner, "secret"}, {"other-org", "tools"}} {
		_, resp, err := c.Repositories.Get(ctx, repo.owner, repo.name)
		if err == nil || resp == nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("Repositories.Get(%s/%s) outside the installation = %v, want 404", repo.owner, repo.name, err)
		}
	}
	s.RevokeTokens()
	_, _, err := c.Repositories.Get(ctx, owner, name)
	var gerr *github.ErrorResponse
	if !errors.As(err, &gerr) || gerr.Response.StatusCode != http.StatusUnauthorized {
		t.Errorf("Repositories.Get() after RevokeTokens = %v, want 401", err)
	}
}

func TestAppEndpoints(t *testing.T) {
	s := seeded(t)
	atr, err := newAppsClient(s)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	insts, _, err := atr.Apps.ListInstallations(ctx, nil)
	if err != nil {
		t.Fatalf("Apps.ListInstallations() error = %v", err)
	}
	if len(insts) != 1 || insts[0].GetID() != inst || insts[0].GetAccount().GetLogin() != owner {
		t.Errorf("Apps.ListInstallations() = %v, want installation %d on %s", insts, inst, owner)
	}
	found, _, err := atr.Apps.FindRepositoryInstallation(ctx, owner, name)
	if err != nil || found.GetID() != inst {
		t.Errorf("Apps.FindRepositoryInstallation() = %v, %v, want installation %d", found, err, inst)
	}
	// An installation token cannot act as the App.
	c := client(t, s, inst, s.PrivateKeyPEM)
	if _, _, err := c.Apps.ListInstallations(ctx, nil); err == nil {
		t.Errorf("Apps.ListInstallations() with an installation token: error = nil, want 401")
	}
	repos, _, err := c.Apps.ListRepos(ctx, nil)
	if err != nil || repos.GetTotalCount() != 1 || repos.Repositories[0].GetFullName() != owner+"/"+name {
		t.Errorf("Apps.ListRepos() = %v, %v, want [%s/%s]", repos, err, owner, name)
	}
}
