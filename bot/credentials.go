package bot

import "strings"

// AppCredentials reads the App's ID and private key from the environment
// exactly as tiergate serve reads them: TIERGATE_APP_ID, and
// TIERGATE_PRIVATE_KEY_FILE or TIERGATE_PRIVATE_KEY. ok is false when
// TIERGATE_APP_ID is unset. Errors name the variable and never quote the key.
func AppCredentials(getenv func(string) string) (appID int64, key []byte, ok bool, err error) {
	env := func(name string) value {
		v := getenv(name)
		return value{text: v, name: name, set: v != ""}
	}
	id := env("TIERGATE_APP_ID")
	if !id.set {
		return 0, nil, false, nil
	}
	if appID, err = parseAppID(id); err != nil {
		return 0, nil, true, err
	}
	if key, err = loadPrivateKey(env("TIERGATE_PRIVATE_KEY_FILE"), env("TIERGATE_PRIVATE_KEY")); err != nil {
		return 0, nil, true, err
	}
	return appID, key, true, nil
}

// ParseAPIURL checks a GitHub REST base URL as tiergate serve checks
// TIERGATE_GITHUB_API_URL (absolute http(s), no user name or password) and
// adds the trailing slash go-github needs; "" is github.com's. name is the
// flag or variable to blame in the error.
func ParseAPIURL(name, text string) (string, error) {
	return parseURL(value{text: text, name: name, set: strings.TrimSpace(text) != ""}, DefaultAPIURL, true)
}

// ConfigLocation reads where the config files live exactly as tiergate
// serve reads it: TIERGATE_ORG_CONFIG_REPO and TIERGATE_CONFIG_PATH, with
// the same defaults, so a tool reads the files the App reads.
func ConfigLocation(getenv func(string) string) (orgRepo, path string, err error) {
	env := func(name string) value {
		v := getenv(name)
		return value{text: v, name: name, set: v != ""}
	}
	if orgRepo, err = parseRepoName(env("TIERGATE_ORG_CONFIG_REPO")); err != nil {
		return "", "", err
	}
	if path, err = parseConfigPath(env("TIERGATE_CONFIG_PATH")); err != nil {
		return "", "", err
	}
	return orgRepo, path, nil
}
