package ghclient

import (
	"net/url"
	"strings"
)

// RedactURL returns raw with any password in it replaced by "xxxxx", for
// logs and error messages: an API or database URL may carry credentials
// (https://user:secret@host/). A value that does not parse as a URL but
// looks like it has userinfo loses the whole userinfo instead, since where
// the password ends cannot be known.
func RedactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		if _, has := u.User.Password(); !has {
			return raw // unchanged, not re-encoded
		}
		return u.Redacted()
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return raw
	}
	return scheme + "://xxxxx" + rest[at:]
}
