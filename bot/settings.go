package bot

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/ghclient"
)

// Defaults of `tiergate serve`. Deployment files are tested against these.
const (
	DefaultListen          = ":8080"
	DefaultAPIURL          = "https://api.github.com/"
	DefaultOrgConfigRepo   = ".github"
	DefaultConfigPath      = ".github/tiergate.yml"
	DefaultCheckName       = "tiergate"
	DefaultWorkers         = 8
	MaxWorkers             = 256
	DefaultLogLevel        = "info"
	DefaultLogFormat       = "json"
	DefaultShutdownTimeout = 25 * time.Second
	DefaultDebounce        = time.Second
	DefaultSweepInterval   = 10 * time.Minute
	// DefaultLease is how long a replica owns a claimed pull request in the
	// PostgreSQL queue without renewing; a replica that dies loses its work
	// to another after at most this long. Leases are renewed every third.
	DefaultLease = 30 * time.Second
)

// Settings configure `tiergate serve`. PrivateKey and WebhookSecret are
// secrets: String, GoString and the zerolog marshaller leave them out.
type Settings struct {
	Listen          string
	AppID           int64
	PrivateKey      []byte // PEM
	WebhookSecret   []byte
	APIURL          string // always ends in "/"
	OrgConfigRepo   string
	ConfigPath      string
	CheckName       string
	DetailsURL      string // optional
	Workers         int
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	// Debounce is how long a pull request's first event waits for more
	// before it is evaluated; negative disables it, 0 takes the default.
	Debounce time.Duration
	// DatabaseURL, when set, keeps deliveries and work in PostgreSQL so any
	// number of replicas share them and a crash loses nothing. It may hold
	// a password: it is never logged.
	DatabaseURL string
	// SweepInterval is how often the self-healing sweep runs; negative
	// disables it, 0 takes the default.
	SweepInterval time.Duration
	// Retry is how hard each GitHub request is tried; zero fields take
	// the defaults.
	Retry ghclient.RetryPolicy
	// RequireOrgConfig fails checks when the org config cannot be found.
	RequireOrgConfig bool
	// LedgerRetention is how long the decision ledger keeps its rows
	// (PostgreSQL mode); 0 keeps them forever.
	LedgerRetention time.Duration
}

// setting is one knob: a flag and the environment variable behind it.
type setting struct {
	flag, env, help string
}

var settingList = []setting{
	{"listen", "TIERGATE_LISTEN", "listen address (default " + DefaultListen + ")"},
	{"app-id", "TIERGATE_APP_ID", "GitHub App ID (required)"},
	{"private-key-file", "TIERGATE_PRIVATE_KEY_FILE", "path to the App's private key, PEM (this or --private-key is required)"},
	{"private-key", "TIERGATE_PRIVATE_KEY", "the App's private key itself, PEM"},
	{"webhook-secret", "TIERGATE_WEBHOOK_SECRET", "webhook secret (required)"},
	{"github-api-url", "TIERGATE_GITHUB_API_URL", "REST base URL; GitHub Enterprise Server: https://HOST/api/v3/ (default " + DefaultAPIURL + ")"},
	{"org-config-repo", "TIERGATE_ORG_CONFIG_REPO", "name of the org-wide config repository (default " + DefaultOrgConfigRepo + ")"},
	{"config-path", "TIERGATE_CONFIG_PATH", "config file path in the org config repo and in each repo (default " + DefaultConfigPath + ")"},
	{"check-name", "TIERGATE_CHECK_NAME", "check run name (default " + DefaultCheckName + ")"},
	{"details-url", "TIERGATE_DETAILS_URL", "optional link shown on check runs"},
	{"workers", "TIERGATE_WORKERS", fmt.Sprintf("concurrent evaluations, 1..%d (default %d)", MaxWorkers, DefaultWorkers)},
	{"log-level", "TIERGATE_LOG_LEVEL", "debug, info, warn or error (default " + DefaultLogLevel + ")"},
	{"log-format", "TIERGATE_LOG_FORMAT", "json or console (default " + DefaultLogFormat + ")"},
	{"shutdown-timeout", "TIERGATE_SHUTDOWN_TIMEOUT", "time to finish queued work after SIGTERM (default " + DefaultShutdownTimeout.String() + ")"},
	{"debounce", "TIERGATE_DEBOUNCE", "how long a pull request's first event waits for more before one evaluation; 0s evaluates at once (default " + DefaultDebounce.String() + ")"},
	{"database-url", "TIERGATE_DATABASE_URL", "postgres:// URL: shared, durable state for several replicas (default: in memory, one replica only)"},
	{"sweep-interval", "TIERGATE_SWEEP_INTERVAL", "how often to look for pull requests without a current check and redeliver failed deliveries; 0s disables (default " + DefaultSweepInterval.String() + ")"},
	{"require-org-config", "TIERGATE_REQUIRE_ORG_CONFIG", "true: fail every check when the org config cannot be found, instead of warning (default false)"},
	{"ledger-retention", "TIERGATE_LEDGER_RETENTION", "how long the decision ledger keeps verdicts and merges, at least 24h, e.g. 400d (default: forever)"},
}

// SettingsUsage writes the flags and environment variables of
// `tiergate serve`. Flags win over environment variables.
func SettingsUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: tiergate serve [flags]")
	fmt.Fprintln(w, "\nEach flag can also be set by its environment variable; a flag wins.")
	for _, s := range settingList {
		fmt.Fprintf(w, "  --%-18s %-27s %s\n", s.flag, s.env, s.help)
	}
}

// LoadSettings reads the settings from args (flags) and getenv. Its errors
// are one line naming the flag or variable at fault, and never contain a
// secret. With -h or --help it returns an error wrapping flag.ErrHelp.
func LoadSettings(args []string, getenv func(string) string) (Settings, error) {
	fs := flag.NewFlagSet("tiergate serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	values := make(map[string]*string, len(settingList))
	for _, s := range settingList {
		values[s.flag] = fs.String(s.flag, "", s.help)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Settings{}, err
		}
		return Settings{}, fmt.Errorf("%v (see tiergate serve --help)", err)
	}
	if fs.NArg() > 0 {
		return Settings{}, fmt.Errorf("unexpected argument %q (settings are flags or TIERGATE_* variables)", clip(fs.Arg(0)))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var l loader
	for _, s := range settingList {
		v := value{name: s.env}
		switch {
		case given[s.flag]:
			v = value{text: *values[s.flag], name: "--" + s.flag, set: true}
		case getenv(s.env) != "":
			v = value{text: getenv(s.env), name: s.env, set: true}
		}
		l.values = append(l.values, v)
	}
	return l.load()
}

// value is one setting as given: its text and the name to blame in errors.
type value struct {
	text, name string
	set        bool
}

type loader struct {
	values []value // in settingList order
}

func (l loader) get(env string) value {
	for i, s := range settingList {
		if s.env == env {
			return l.values[i]
		}
	}
	panic("unknown setting " + env) // a programming error, caught by tests
}

func (l loader) load() (Settings, error) {
	s := Settings{}
	var err error
	if s.Listen, err = parseListen(l.get("TIERGATE_LISTEN")); err != nil {
		return Settings{}, err
	}
	if s.AppID, err = parseAppID(l.get("TIERGATE_APP_ID")); err != nil {
		return Settings{}, err
	}
	if s.PrivateKey, err = loadPrivateKey(l.get("TIERGATE_PRIVATE_KEY_FILE"), l.get("TIERGATE_PRIVATE_KEY")); err != nil {
		return Settings{}, err
	}
	secret := l.get("TIERGATE_WEBHOOK_SECRET")
	if !secret.set {
		return Settings{}, errors.New("TIERGATE_WEBHOOK_SECRET is required: tiergate refuses unsigned webhooks (use the secret from the App's webhook settings)")
	}
	s.WebhookSecret = []byte(secret.text)
	if s.APIURL, err = parseURL(l.get("TIERGATE_GITHUB_API_URL"), DefaultAPIURL, true); err != nil {
		return Settings{}, err
	}
	if s.OrgConfigRepo, err = parseRepoName(l.get("TIERGATE_ORG_CONFIG_REPO")); err != nil {
		return Settings{}, err
	}
	if s.ConfigPath, err = parseConfigPath(l.get("TIERGATE_CONFIG_PATH")); err != nil {
		return Settings{}, err
	}
	s.CheckName = DefaultCheckName
	if v := l.get("TIERGATE_CHECK_NAME"); v.set {
		if strings.TrimSpace(v.text) == "" {
			return Settings{}, fmt.Errorf("%s must not be blank", v.name)
		}
		s.CheckName = v.text
	}
	if v := l.get("TIERGATE_DETAILS_URL"); v.set {
		if s.DetailsURL, err = parseURL(v, "", false); err != nil {
			return Settings{}, err
		}
	}
	if s.Workers, err = parseWorkers(l.get("TIERGATE_WORKERS")); err != nil {
		return Settings{}, err
	}
	if s.LogLevel, err = oneOf(l.get("TIERGATE_LOG_LEVEL"), DefaultLogLevel, LogLevels); err != nil {
		return Settings{}, err
	}
	if s.LogFormat, err = oneOf(l.get("TIERGATE_LOG_FORMAT"), DefaultLogFormat, LogFormats); err != nil {
		return Settings{}, err
	}
	if s.ShutdownTimeout, err = parseTimeout(l.get("TIERGATE_SHUTDOWN_TIMEOUT")); err != nil {
		return Settings{}, err
	}
	if s.Debounce, err = parseDebounce(l.get("TIERGATE_DEBOUNCE")); err != nil {
		return Settings{}, err
	}
	if s.DatabaseURL, err = parseDatabaseURL(l.get("TIERGATE_DATABASE_URL")); err != nil {
		return Settings{}, err
	}
	if s.SweepInterval, err = parseSweepInterval(l.get("TIERGATE_SWEEP_INTERVAL")); err != nil {
		return Settings{}, err
	}
	if s.RequireOrgConfig, err = parseBool(l.get("TIERGATE_REQUIRE_ORG_CONFIG")); err != nil {
		return Settings{}, err
	}
	if s.LedgerRetention, err = parseLedgerRetention(l.get("TIERGATE_LEDGER_RETENTION")); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// String describes the settings without their secrets.
func (s Settings) String() string {
	return fmt.Sprintf("{Listen:%s AppID:%d APIURL:%s OrgConfigRepo:%s ConfigPath:%s CheckName:%s DetailsURL:%s Workers:%d LogLevel:%s LogFormat:%s ShutdownTimeout:%s Debounce:%s SweepInterval:%s Database:%s RequireOrgConfig:%t LedgerRetention:%s PrivateKey:%s WebhookSecret:%s}",
		s.Listen, s.AppID, ghclient.RedactURL(s.APIURL), s.OrgConfigRepo, s.ConfigPath, s.CheckName, ghclient.RedactURL(s.DetailsURL), s.Workers, s.LogLevel, s.LogFormat, s.ShutdownTimeout, s.Debounce, s.SweepInterval, redactedDB(s.DatabaseURL), s.RequireOrgConfig, s.LedgerRetention, redacted(s.PrivateKey), redacted(s.WebhookSecret))
}

// GoString keeps %#v from printing the secrets too.
func (s Settings) GoString() string { return "bot.Settings" + s.String() }

// MarshalZerologObject logs the settings without their secrets.
func (s Settings) MarshalZerologObject(e *zerolog.Event) {
	e.Str("listen", s.Listen).Int64("app_id", s.AppID).Str("api_url", ghclient.RedactURL(s.APIURL)).
		Str("org_config_repo", s.OrgConfigRepo).Str("config_path", s.ConfigPath).
		Str("check_name", s.CheckName).Str("details_url", ghclient.RedactURL(s.DetailsURL)).Int("workers", s.Workers).
		Str("log_level", s.LogLevel).Str("log_format", s.LogFormat).Dur("shutdown_timeout", s.ShutdownTimeout).Dur("debounce", s.Debounce).Dur("sweep_interval", s.SweepInterval).Str("database", redactedDB(s.DatabaseURL)).
		Str("private_key", redacted(s.PrivateKey)).Str("webhook_secret", redacted(s.WebhookSecret))
	e.Bool("require_org_config", s.RequireOrgConfig).Dur("ledger_retention", s.LedgerRetention)
}

// redactedDB names the store: "memory", or the database URL without its
// password.
func redactedDB(url string) string {
	if url == "" {
		return "memory"
	}
	return ghclient.RedactURL(url)
}

func redacted(b []byte) string {
	if len(b) == 0 {
		return "(unset)"
	}
	return "(set)"
}
