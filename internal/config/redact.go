package config

import (
	"net/url"
	"regexp"
	"strings"
)

// redacted replaces a password in what RedactURL returns.
const redacted = "xxxxx"

// keywordPassword is a password in a keyword/value PostgreSQL DSN
// (password=secret, password = 'se cret'), and libpq's sslpassword.
var keywordPassword = regexp.MustCompile(`(?i)\b((?:ssl)?password)\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S*)`)

// RedactURL returns raw — a database, Redis or registry URL, or a
// keyword/value PostgreSQL DSN — fit for a log line or an error message:
// the password of its userinfo, and any password or sslpassword parameter,
// replaced by xxxxx. Every setting that may carry credentials goes through
// it before it is logged.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		if scheme, rest, ok := strings.Cut(raw, "://"); ok {
			// Unparseable, but a URL: whatever precedes the host's @ may
			// be credentials.
			if at := strings.LastIndex(rest, "@"); at >= 0 {
				return scheme + "://" + redacted + rest[at:]
			}
			return raw
		}
		return keywordPassword.ReplaceAllString(raw, "${1}="+redacted)
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), redacted)
	}
	if q := u.Query(); len(q) > 0 {
		changed := false
		for k := range q {
			if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
				q.Set(k, redacted)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// redactIn is err's message with the URL raw, which it may quote,
// redacted.
func redactIn(err error, raw string) string {
	return strings.ReplaceAll(err.Error(), raw, RedactURL(raw))
}
