package bot

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tiergate/tiergate/bot/ghclient"
)

// The validators of LoadSettings. Each names the flag or variable at fault
// (v.name) and never quotes a secret.

func parseListen(v value) (string, error) {
	if !v.set {
		return DefaultListen, nil
	}
	_, port, err := net.SplitHostPort(v.text)
	if err != nil {
		return "", fmt.Errorf("%s must be host:port or :port, got %q", v.name, clip(v.text))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("%s has port %q, want a number 0..65535", v.name, clip(port))
	}
	return v.text, nil
}

func parseAppID(v value) (int64, error) {
	if !v.set {
		return 0, errors.New("TIERGATE_APP_ID is required (the numeric App ID from the App's settings page)")
	}
	id, err := strconv.ParseInt(strings.TrimSpace(v.text), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s must be a positive integer (the numeric App ID from the App's settings page), got %q", v.name, clip(v.text))
	}
	return id, nil
}

// loadPrivateKey reads the key from a file or from the value itself and
// checks it is an RSA key in PEM form. Its errors never quote the key.
func loadPrivateKey(file, inline value) ([]byte, error) {
	var pemBytes []byte
	name := inline.name
	switch {
	case file.set && inline.set:
		return nil, fmt.Errorf("set only one of %s and %s", file.name, inline.name)
	case file.set:
		b, err := os.ReadFile(file.text)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is already in the message
			}
			return nil, fmt.Errorf("%s: cannot read %q: %v", file.name, file.text, err)
		}
		pemBytes, name = b, file.name
	case inline.set:
		pemBytes = []byte(inline.text)
		// Some secret stores flatten newlines to a literal "\n".
		if !strings.Contains(inline.text, "\n") {
			pemBytes = []byte(strings.ReplaceAll(inline.text, `\n`, "\n"))
		}
	default:
		return nil, errors.New("TIERGATE_PRIVATE_KEY_FILE or TIERGATE_PRIVATE_KEY is required (the App's private key, PEM, from the App's settings page)")
	}
	if err := checkRSAKey(pemBytes); err != nil {
		return nil, fmt.Errorf("%s %v", name, err)
	}
	return pemBytes, nil
}

// checkRSAKey accepts PKCS#1 ("RSA PRIVATE KEY") and PKCS#8 ("PRIVATE KEY")
// RSA keys. The messages describe the problem, not the content.
func checkRSAKey(pemBytes []byte) error {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return errors.New("is not a PEM private key (want a -----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY----- block)")
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err != nil {
			return errors.New("holds an RSA PRIVATE KEY block that does not parse as PKCS#1")
		}
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return errors.New("holds a PRIVATE KEY block that does not parse as PKCS#8")
		}
		if _, ok := k.(*rsa.PrivateKey); !ok {
			return fmt.Errorf("holds a %T key; GitHub App keys are RSA", k)
		}
	default:
		return fmt.Errorf("holds a %q PEM block, want RSA PRIVATE KEY or PRIVATE KEY", clip(block.Type))
	}
	return nil
}

// parseURL checks an absolute http(s) URL. With slash it adds the trailing
// slash go-github needs on a base URL.
func parseURL(v value, def string, slash bool) (string, error) {
	if !v.set {
		return def, nil
	}
	u, err := url.Parse(v.text)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s must be an absolute http(s) URL, got %q", v.name, clip(ghclient.RedactURL(v.text)))
	}
	if u.User != nil {
		// Never used for GitHub (the App's tokens are), and a URL with a
		// password ends up quoted in error texts: refuse it outright.
		return "", fmt.Errorf("%s must not contain a user name or password, got %q", v.name, clip(ghclient.RedactURL(v.text)))
	}
	if slash && !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u.String(), nil
}

func parseRepoName(v value) (string, error) {
	if !v.set {
		return DefaultOrgConfigRepo, nil
	}
	n := v.text
	if n == "." || n == ".." || strings.ContainsFunc(n, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return "", fmt.Errorf("%s must be a repository name (letters, digits, '-', '_', '.'; no owner), got %q", v.name, clip(n))
	}
	return n, nil
}

func parseConfigPath(v value) (string, error) {
	if !v.set {
		return DefaultConfigPath, nil
	}
	p := v.text
	if strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("%s must be a clean path relative to the repository root, got %q", v.name, clip(p))
	}
	return p, nil
}

func parseWorkers(v value) (int, error) {
	if !v.set {
		return DefaultWorkers, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.text))
	if err != nil || n < 1 || n > MaxWorkers {
		return 0, fmt.Errorf("%s must be an integer from 1 to %d, got %q", v.name, MaxWorkers, clip(v.text))
	}
	return n, nil
}

func oneOf(v value, def string, allowed []string) (string, error) {
	if !v.set {
		return def, nil
	}
	if !slices.Contains(allowed, v.text) {
		return "", fmt.Errorf("%s must be one of %s, got %q", v.name, strings.Join(allowed, ", "), clip(v.text))
	}
	return v.text, nil
}

func parseTimeout(v value) (time.Duration, error) {
	if !v.set {
		return DefaultShutdownTimeout, nil
	}
	d, err := time.ParseDuration(v.text)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration such as 25s, got %q", v.name, clip(v.text))
	}
	return d, nil
}

// parseDebounce reads a duration from 0s to 1m; 0s turns debouncing off
// (kept as a negative value so withDefaults does not restore the default).
func parseDebounce(v value) (time.Duration, error) {
	if !v.set {
		return DefaultDebounce, nil
	}
	d, err := time.ParseDuration(v.text)
	if err != nil || d < 0 || d > time.Minute {
		return 0, fmt.Errorf("%s must be a duration from 0s to 1m such as 1s, got %q", v.name, clip(v.text))
	}
	if d == 0 {
		return -1, nil
	}
	return d, nil
}

// parseDatabaseURL accepts a postgres:// or postgresql:// URL. Its errors
// never repeat the value: it may hold a password.
func parseDatabaseURL(v value) (string, error) {
	if !v.set {
		return "", nil
	}
	u, err := url.Parse(v.text)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("%s must be a postgres:// URL such as postgres://tiergate@db:5432/tiergate (value not shown: it may hold a password)", v.name)
	}
	return v.text, nil
}

// parseSweepInterval reads a duration of at least 1m, or 0s to disable the
// sweep (kept as a negative value so withDefaults does not restore it).
func parseSweepInterval(v value) (time.Duration, error) {
	if !v.set {
		return DefaultSweepInterval, nil
	}
	d, err := time.ParseDuration(v.text)
	if err != nil || d < 0 || (d > 0 && d < time.Second) || d > 24*time.Hour {
		return 0, fmt.Errorf("%s must be 0s (off) or a duration from 1s to 24h such as 10m, got %q", v.name, clip(v.text))
	}
	if d == 0 {
		return -1, nil
	}
	return d, nil
}

// parseBool reads true or false (strconv.ParseBool's spellings); unset is false.
func parseBool(v value) (bool, error) {
	if !v.set {
		return false, nil
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v.text))
	if err != nil {
		return false, fmt.Errorf("%s must be true or false, got %q", v.name, clip(v.text))
	}
	return b, nil
}

// clip shortens a quoted value so a pasted blob cannot flood the one-line
// error.
func clip(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
