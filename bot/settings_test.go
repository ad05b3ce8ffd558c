package bot

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
)

func testKeys(t *testing.T) (pkcs1, pkcs8, ec string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	e8, err := x509.MarshalPKCS8PrivateKey(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: e8}))
}

func TestLoadSettings(t *testing.T) {
	pkcs1, pkcs8, ecKey := testKeys(t)
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, []byte(pkcs8), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret = "webhook-secret-value-93kd"
	base := map[string]string{"TIERGATE_APP_ID": "12345", "TIERGATE_PRIVATE_KEY": pkcs1, "TIERGATE_WEBHOOK_SECRET": secret}
	env := func(edits map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range edits {
			if v == "<unset>" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	defaults := Settings{
		Listen: ":8080", AppID: 12345, PrivateKey: []byte(pkcs1), WebhookSecret: []byte(secret),
		APIURL: "https://api.github.com/", OrgConfigRepo: ".github", ConfigPath: ".github/tiergate.yml",
		CheckName: "tiergate", Workers: 8, LogLevel: "info", LogFormat: "json", ShutdownTimeout: 25 * time.Second, Debounce: time.Second,
		SweepInterval: 10 * time.Minute,
	}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    func(s *Settings)
		wantErr string
	}{
		{name: "defaults", env: env(nil), want: func(*Settings) {}},
		{name: "everything set", env: env(map[string]string{
			"TIERGATE_LISTEN": "127.0.0.1:9000", "TIERGATE_GITHUB_API_URL": "https://ghe.example.com/api/v3",
			"TIERGATE_ORG_CONFIG_REPO": "policies", "TIERGATE_CONFIG_PATH": "ci/tiergate.yml", "TIERGATE_CHECK_NAME": "gate",
			"TIERGATE_DETAILS_URL": "https://wiki.example.com/tiergate", "TIERGATE_WORKERS": "16",
			"TIERGATE_LOG_LEVEL": "debug", "TIERGATE_LOG_FORMAT": "console", "TIERGATE_SHUTDOWN_TIMEOUT": "40s", "TIERGATE_DEBOUNCE": "0s",
			"TIERGATE_DATABASE_URL": "postgres://tiergate:pw@db:5432/tiergate", "TIERGATE_SWEEP_INTERVAL": "0s"}),
			want: func(s *Settings) {
				s.Listen, s.APIURL, s.OrgConfigRepo, s.ConfigPath = "127.0.0.1:9000", "https://ghe.example.com/api/v3/", "policies", "ci/tiergate.yml"
				s.CheckName, s.DetailsURL, s.Workers = "gate", "https://wiki.example.com/tiergate", 16
				s.LogLevel, s.LogFormat, s.ShutdownTimeout, s.Debounce = "debug", "console", 40*time.Second, -1
				s.DatabaseURL, s.SweepInterval = "postgres://tiergate:pw@db:5432/tiergate", -1
			}},
		{name: "sweep interval", env: env(map[string]string{"TIERGATE_SWEEP_INTERVAL": "30m"}),
			want: func(s *Settings) { s.SweepInterval = 30 * time.Minute }},
		{name: "flags win over env", env: env(map[string]string{"TIERGATE_WORKERS": "3"}), args: []string{"--workers", "5", "--app-id=77"},
			want: func(s *Settings) { s.Workers, s.AppID = 5, 77 }},
		{name: "key file, PKCS#8", env: env(map[string]string{"TIERGATE_PRIVATE_KEY": "<unset>", "TIERGATE_PRIVATE_KEY_FILE": keyFile}),
			want: func(s *Settings) { s.PrivateKey = []byte(pkcs8) }},
		{name: "key with escaped newlines", env: env(map[string]string{"TIERGATE_PRIVATE_KEY": strings.ReplaceAll(pkcs1, "\n", `\n`)}),
			want: func(*Settings) {}},
		{name: "app id missing", env: env(map[string]string{"TIERGATE_APP_ID": "<unset>"}),
			wantErr: "TIERGATE_APP_ID is required (the numeric App ID from the App's settings page)"},
		{name: "app id not a number", env: env(map[string]string{"TIERGATE_APP_ID": "abc"}),
			wantErr: `TIERGATE_APP_ID must be a positive integer (the numeric App ID from the App's settings page), got "abc"`},
		{name: "app id flag negative", env: env(nil), args: []string{"--app-id", "-3"},
			wantErr: `--app-id must be a positive integer (the numeric App ID from the App's settings page), got "-3"`},
		{name: "no key", env: env(map[string]string{"TIERGATE_PRIVATE_KEY": "<unset>"}),
			wantErr: "TIERGATE_PRIVATE_KEY_FILE or TIERGATE_PRIVATE_KEY is required (the App's private key, PEM, from the App's settings page)"},
		{name: "both key forms", env: env(map[string]string{"TIERGATE_PRIVATE_KEY_FILE": keyFile}),
			wantErr: "set only one of TIERGATE_PRIVATE_KEY_FILE and TIERGATE_PRIVATE_KEY"},
		{name: "key file missing", env: env(map[string]string{"TIERGATE_PRIVATE_KEY": "<unset>", "TIERGATE_PRIVATE_KEY_FILE": "/nonexistent/app.pem"}),
			wantErr: `TIERGATE_PRIVATE_KEY_FILE: cannot read "/nonexistent/app.pem": no such file or directory`},
		{name: "key not PEM", env: env(map[string]string{"TIERGATE_PRIVATE_KEY": secret + "-not-a-key"}),
			wantErr: "TIERGATE_PRIVATE_KEY is not a PEM private key (want a -----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY----- block)"},
		{name: "key not RSA", env: env(map[string]string{"TIERGATE_PRIVATE_KEY": ecKey}),
			wantErr: "TIERGATE_PRIVATE_KEY holds a *ecdsa.PrivateKey key; GitHub App keys are RSA"},
		{name: "key corrupt", env: env(map[string]string{"TIERGATE_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"}),
			wantErr: "TIERGATE_PRIVATE_KEY holds an RSA PRIVATE KEY block that does not parse as PKCS#1"},
		{name: "webhook secret missing", env: env(map[string]string{"TIERGATE_WEBHOOK_SECRET": "<unset>"}),
			wantErr: "TIERGATE_WEBHOOK_SECRET is required: tiergate refuses unsigned webhooks (use the secret from the App's webhook settings)"},
		{name: "api url relative", env: env(map[string]string{"TIERGATE_GITHUB_API_URL": "ghe.example.com/api/v3"}),
			wantErr: `TIERGATE_GITHUB_API_URL must be an absolute http(s) URL, got "ghe.example.com/api/v3"`},
		{name: "api url with credentials", env: env(map[string]string{"TIERGATE_GITHUB_API_URL": "https://bot:" + secret + "@ghe.example.com/api/v3/"}),
			wantErr: `TIERGATE_GITHUB_API_URL must not contain a user name or password, got "https://bot:xxxxx@ghe.example.com/api/v3/"`},
		{name: "api url ftp", env: env(map[string]string{"TIERGATE_GITHUB_API_URL": "ftp://x/"}),
			wantErr: `TIERGATE_GITHUB_API_URL must be an absolute http(s) URL, got "ftp://x/"`},
		{name: "workers zero", env: env(map[string]string{"TIERGATE_WORKERS": "0"}),
			wantErr: `TIERGATE_WORKERS must be an integer from 1 to 256, got "0"`},
		{name: "workers too many", env: env(map[string]string{"TIERGATE_WORKERS": "257"}),
			wantErr: `TIERGATE_WORKERS must be an integer from 1 to 256, got "257"`},
		{name: "log level", env: env(map[string]string{"TIERGATE_LOG_LEVEL": "trace"}),
			wantErr: `TIERGATE_LOG_LEVEL must be one of debug, info, warn, error, got "trace"`},
		{name: "log format", env: env(map[string]string{"TIERGATE_LOG_FORMAT": "xml"}),
			wantErr: `TIERGATE_LOG_FORMAT must be one of json, console, got "xml"`},
		{name: "listen", env: env(map[string]string{"TIERGATE_LISTEN": "8080"}),
			wantErr: `TIERGATE_LISTEN must be host:port or :port, got "8080"`},
		{name: "listen port", env: env(map[string]string{"TIERGATE_LISTEN": ":99999"}),
			wantErr: `TIERGATE_LISTEN has port "99999", want a number 0..65535`},
		{name: "org config repo with owner", env: env(map[string]string{"TIERGATE_ORG_CONFIG_REPO": "acme/.github"}),
			wantErr: `TIERGATE_ORG_CONFIG_REPO must be a repository name (letters, digits, '-', '_', '.'; no owner), got "acme/.github"`},
		{name: "config path absolute", env: env(map[string]string{"TIERGATE_CONFIG_PATH": "/etc/tiergate.yml"}),
			wantErr: `TIERGATE_CONFIG_PATH must be a clean path relative to the repository root, got "/etc/tiergate.yml"`},
		{name: "shutdown timeout", env: env(map[string]string{"TIERGATE_SHUTDOWN_TIMEOUT": "25"}),
			wantErr: `TIERGATE_SHUTDOWN_TIMEOUT must be a positive duration such as 25s, got "25"`},
		{name: "debounce", env: env(map[string]string{"TIERGATE_DEBOUNCE": "2h"}),
			wantErr: `TIERGATE_DEBOUNCE must be a duration from 0s to 1m such as 1s, got "2h"`},
		{name: "database url not postgres", env: env(map[string]string{"TIERGATE_DATABASE_URL": "mysql://root:" + secret + "@db/x"}),
			wantErr: "TIERGATE_DATABASE_URL must be a postgres:// URL such as postgres://tiergate@db:5432/tiergate (value not shown: it may hold a password)"},
		{name: "sweep interval too short", env: env(map[string]string{"TIERGATE_SWEEP_INTERVAL": "5ms"}),
			wantErr: `TIERGATE_SWEEP_INTERVAL must be 0s (off) or a duration from 1s to 24h such as 10m, got "5ms"`},
		{name: "unknown flag", env: env(nil), args: []string{"--frobnicate"},
			wantErr: "flag provided but not defined: -frobnicate (see tiergate serve --help)"},
		{name: "stray argument", env: env(nil), args: []string{"now"},
			wantErr: `unexpected argument "now" (settings are flags or TIERGATE_* variables)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadSettings(tc.args, func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("LoadSettings(...) error = %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
				}
				for _, s := range []string{secret, pkcs1[40:80], pkcs8[40:80]} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("error %q contains a secret", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadSettings(...) error = %v, want nil", err)
			}
			want := defaults
			tc.want(&want)
			if diff := gocmp.Diff(want, got); diff != "" {
				t.Errorf("LoadSettings(...) (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadSettingsHelp(t *testing.T) {
	if _, err := LoadSettings([]string{"--help"}, func(string) string { return "" }); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("LoadSettings(--help) = %v, want flag.ErrHelp", err)
	}
	var b strings.Builder
	SettingsUsage(&b)
	for _, s := range settingList {
		if !strings.Contains(b.String(), "--"+s.flag) || !strings.Contains(b.String(), s.env) {
			t.Errorf("usage lacks --%s / %s", s.flag, s.env)
		}
	}
}

func TestSettingsNeverShowSecrets(t *testing.T) {
	pkcs1, _, _ := testKeys(t)
	s, err := LoadSettings(nil, func(k string) string {
		return map[string]string{"TIERGATE_APP_ID": "1", "TIERGATE_PRIVATE_KEY": pkcs1, "TIERGATE_WEBHOOK_SECRET": "hunter2-secret",
			"TIERGATE_DATABASE_URL": "postgres://tiergate:db-pass-5521@db:5432/tiergate"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	l := zerolog.New(&logs)
	l.Info().Object("settings", s).Msg("starting")
	l.Info().Interface("settings", s).Msg("starting")
	out := logs.String() + fmt.Sprintf("%v %+v %#v %s", s, s, s, s)
	for _, secret := range []string{"hunter2-secret", pkcs1[40:80], "PRIVATE KEY", "db-pass-5521"} {
		if strings.Contains(out, secret) {
			t.Errorf("output contains secret %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, `"webhook_secret":"(set)"`) {
		t.Errorf("log lacks the redacted marker:\n%s", out)
	}
}

func TestNewLogger(t *testing.T) {
	tests := []struct {
		level, format string
		wantErr       bool
		want          string
	}{
		{"info", "json", false, `"message":"hello"`},
		{"debug", "console", false, "INF hello"},
		{"error", "json", false, ""},
		{"trace", "json", true, ""},
		{"info", "xml", true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.level+"/"+tc.format, func(t *testing.T) {
			var b strings.Builder
			l, err := NewLogger(&b, tc.level, tc.format)
			if (err != nil) != tc.wantErr {
				t.Fatalf("NewLogger(%q, %q) error = %v, want error %v", tc.level, tc.format, err, tc.wantErr)
			}
			if err != nil {
				return
			}
			l.Info().Msg("hello")
			if tc.want == "" && b.Len() != 0 || !strings.Contains(b.String(), tc.want) {
				t.Errorf("logged %q, want %q", b.String(), tc.want)
			}
		})
	}
}
