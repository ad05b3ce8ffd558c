package bot

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// TestSettingsNeverShowURLPasswords: a password inside a URL setting is
// neither logged nor quoted in an error.
func TestSettingsNeverShowURLPasswords(t *testing.T) {
	const password = "hunter2-in-url"
	pkcs1, _, _ := testKeys(t)
	env := func(apiURL, detailsURL string) func(string) string {
		return func(k string) string {
			return map[string]string{
				"TIERGATE_APP_ID": "1", "TIERGATE_PRIVATE_KEY": pkcs1, "TIERGATE_WEBHOOK_SECRET": "w",
				"TIERGATE_GITHUB_API_URL": apiURL,
				"TIERGATE_DETAILS_URL":    detailsURL,
				"TIERGATE_DATABASE_URL":   "postgres://tiergate:" + password + "@db.example.com:5432/tiergate",
			}[k]
		}
	}
	t.Run("log line and String", func(t *testing.T) {
		s, err := LoadSettings(nil, env("https://ghe.example.com/api/v3", "https://ci.example.com/tiergate"))
		if err != nil {
			t.Fatal(err)
		}
		var logs strings.Builder
		l := zerolog.New(&logs)
		l.Info().Object("settings", s).Msg("starting")
		out := logs.String() + fmt.Sprintf("%v %+v %#v %s", s, s, s, s)
		if strings.Contains(out, password) {
			t.Errorf("output contains the database URL's password:\n%s", out)
		}
		if !strings.Contains(out, "postgres://tiergate:xxxxx@db.example.com:5432/tiergate") {
			t.Errorf("output lacks the redacted database URL:\n%s", out)
		}
	})
	// URLs shown to GitHub or quoted in its errors may not carry credentials.
	for _, tc := range []struct{ name, api, details string }{
		{"TIERGATE_GITHUB_API_URL", "https://tiergate:" + password + "@ghe.example.com/api/v3", ""},
		{"TIERGATE_DETAILS_URL", "https://ghe.example.com/api/v3", "https://ci:" + password + "@ci.example.com/tiergate"},
	} {
		t.Run("credentials refused in "+tc.name, func(t *testing.T) {
			_, err := LoadSettings(nil, env(tc.api, tc.details))
			if err == nil || !strings.Contains(err.Error(), tc.name+" must not contain a user name or password") {
				t.Fatalf("LoadSettings = %v, want %s refused for its credentials", err, tc.name)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("LoadSettings error quotes the URL's password: %v", err)
			}
		})
	}
	for _, bad := range []string{
		"ftp://tiergate:" + password + "@ghe.example.com/",        // parses, wrong scheme
		"https://tiergate:" + password + "@ghe.example.com:port/", // does not parse
	} {
		t.Run("error for "+bad[:6], func(t *testing.T) {
			_, err := LoadSettings(nil, env(bad, ""))
			if err == nil {
				t.Fatalf("LoadSettings(%q) = nil error, want one", bad)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("LoadSettings error quotes the URL's password: %v", err)
			}
			if !strings.Contains(err.Error(), "TIERGATE_GITHUB_API_URL") {
				t.Errorf("LoadSettings error = %v, want it to name TIERGATE_GITHUB_API_URL", err)
			}
		})
	}
}
