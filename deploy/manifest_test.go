package deploy

import (
	"bytes"
	"encoding/json"
	"flag"
	"html"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/tiergate/tiergate/bot"
)

var update = flag.Bool("update", false, "rewrite generated files (the manifest JSON in register.html)")

// appManifest holds the fields GitHub documents for an App manifest;
// decoding is strict, so a misspelt or invented field fails the test.
type appManifest struct {
	Name           string `json:"name"`
	URL            string `json:"url"`
	Description    string `json:"description,omitempty"`
	HookAttributes struct {
		URL    string `json:"url"`
		Active *bool  `json:"active,omitempty"`
	} `json:"hook_attributes"`
	RedirectURL           string            `json:"redirect_url"`
	CallbackURLs          []string          `json:"callback_urls,omitempty"`
	SetupURL              string            `json:"setup_url,omitempty"`
	Public                *bool             `json:"public"`
	DefaultPermissions    map[string]string `json:"default_permissions"`
	DefaultEvents         []string          `json:"default_events"`
	RequestOAuthOnInstall *bool             `json:"request_oauth_on_install,omitempty"`
	SetupOnUpdate         *bool             `json:"setup_on_update,omitempty"`
}

func loadManifest(t *testing.T) appManifest {
	t.Helper()
	var m appManifest
	if err := yaml.UnmarshalStrict(read(t, "github-app.yml"), &m); err != nil {
		t.Fatalf("github-app.yml: %v", err)
	}
	return m
}

func TestAppManifest(t *testing.T) {
	m := loadManifest(t)
	t.Run("permissions are bot.AppPermissions", func(t *testing.T) {
		if diff := cmp.Diff(bot.AppPermissions, m.DefaultPermissions); diff != "" {
			t.Errorf("default_permissions (-bot.AppPermissions +manifest):\n%s", diff)
		}
	})
	t.Run("events are bot.AppEvents", func(t *testing.T) {
		want := slices.Sorted(slices.Values(bot.AppEvents))
		got := slices.Sorted(slices.Values(m.DefaultEvents))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("default_events (-bot.AppEvents +manifest):\n%s", diff)
		}
		if len(slices.Compact(got)) != len(m.DefaultEvents) {
			t.Errorf("default_events = %v, has duplicates", m.DefaultEvents)
		}
	})
	t.Run("private app", func(t *testing.T) {
		if m.Public == nil || *m.Public {
			t.Errorf("public = %v, want false", m.Public)
		}
	})
	t.Run("urls", func(t *testing.T) {
		for _, u := range []struct{ field, value, path string }{
			{"url", m.URL, ""},
			{"hook_attributes.url", m.HookAttributes.URL, "/webhook"},
			{"redirect_url", m.RedirectURL, ""},
		} {
			p, err := url.Parse(u.value)
			if err != nil || p.Scheme != "https" || p.Host == "" {
				t.Errorf("%s = %q, want an https URL", u.field, u.value)
				continue
			}
			if u.path != "" && p.Path != u.path {
				t.Errorf("%s path = %q, want %q (the server's webhook endpoint)", u.field, p.Path, u.path)
			}
		}
	})
	t.Run("name", func(t *testing.T) {
		if m.Name == "" {
			t.Error("name is empty")
		}
	})
}

// manifestJSON is the manifest as register.html posts it.
func manifestJSON(t *testing.T) string {
	t.Helper()
	var generic map[string]any
	if err := yaml.Unmarshal(read(t, "github-app.yml"), &generic); err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(generic, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// textEscaper escapes what matters inside a textarea and leaves quotes
// alone, so the page source stays readable.
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

var manifestArea = regexp.MustCompile(`(?s)(<textarea id="manifest" name="manifest"[^>]*>\n)(.*?)(\n</textarea>)`)

func TestRegisterPage(t *testing.T) {
	page := read(t, "register.html")
	want := textEscaper.Replace(manifestJSON(t))
	m := manifestArea.FindSubmatchIndex(page)
	if m == nil {
		t.Fatal(`register.html has no <textarea id="manifest" name="manifest">`)
	}
	if *update {
		var b bytes.Buffer
		b.Write(page[:m[4]])
		b.WriteString(want)
		b.Write(page[m[5]:])
		if err := os.WriteFile("register.html", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		page = b.Bytes()
		m = manifestArea.FindSubmatchIndex(page)
	}
	embedded := string(page[m[4]:m[5]])
	t.Run("embeds github-app.yml", func(t *testing.T) {
		if embedded != want {
			t.Errorf("register.html manifest differs from github-app.yml; run go test ./deploy -run TestRegisterPage -update\n%s",
				cmp.Diff(want, embedded))
		}
		var fromPage, fromYAML appManifest
		dec := json.NewDecoder(strings.NewReader(html.UnescapeString(embedded)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fromPage); err != nil {
			t.Fatalf("register.html manifest is not a valid manifest: %v", err)
		}
		fromYAML = loadManifest(t)
		if diff := cmp.Diff(fromYAML, fromPage); diff != "" {
			t.Errorf("register.html manifest (-yaml +page):\n%s", diff)
		}
	})
	s := string(page)
	for _, tt := range []struct {
		name    string
		pattern string
		present bool
	}{
		{"posts the form", `<form id="register" method="post" action="https://github\.com/settings/apps/new">`, true},
		{"organization target", `"/organizations/" \+ encodeURIComponent\(org\) \+ "/settings/apps/new"`, true},
		{"no external scripts", `<script[^>]+src=`, false},
		{"no external styles", `<link[^>]+stylesheet`, false},
		{"conversion step documented", `/app-manifests/CODE/conversions`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := regexp.MustCompile(tt.pattern).MatchString(s); got != tt.present {
				t.Errorf("register.html matches %q = %v, want %v", tt.pattern, got, tt.present)
			}
		})
	}
}
