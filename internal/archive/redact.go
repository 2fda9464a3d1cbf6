package archive

import (
	"regexp"
	"strings"
)

// Redacted replaces a secret in a redacted URL.
const Redacted = "xxxxx"

// reURL finds http(s) URLs in text: a feed URL, or the URLs an error
// message repeats.
var reURL = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>]+`)

// Redact returns s, a URL or a message that may contain URLs, with the
// credentials of every http(s) URL in it masked: the user information
// ("user:password@" becomes "user:xxxxx@", a lone "token@" becomes
// "xxxxx@") and the values of query parameters that carry secrets (apikey,
// api_key, key, token, access_token, secret, password, sig, signature,
// auth…). Everything else is kept as it was, so a redacted URL still says
// which feed it is. It is what every reader-facing page, API answer and
// message shows of an operator's URLs.
func Redact(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return reURL.ReplaceAllStringFunc(s, func(m string) string {
		// Punctuation after a URL in a message ("fetch URL: …") is not
		// part of it.
		u := strings.TrimRight(m, ":,.;)]")
		return redactURL(u) + m[len(u):]
	})
}

func redactURL(u string) string {
	scheme, rest, _ := strings.Cut(u, "://")
	// The authority ends at the first /, ? or #.
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		user := authority[:at]
		if name, _, ok := strings.Cut(user, ":"); ok {
			user = name + ":" + Redacted
		} else {
			user = Redacted
		}
		authority = user + authority[at:]
	}
	path, query, hasQuery := strings.Cut(tail, "?")
	if !hasQuery {
		return scheme + "://" + authority + tail
	}
	query, frag, hasFrag := strings.Cut(query, "#")
	parts := strings.Split(query, "&")
	for i, p := range parts {
		name, _, ok := strings.Cut(p, "=")
		if ok && secretParam(name) {
			parts[i] = name + "=" + Redacted
		}
	}
	out := scheme + "://" + authority + path + "?" + strings.Join(parts, "&")
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// secretParams are query parameter names (lower case, without - and _)
// whose values are secrets.
var secretParams = map[string]bool{
	"key": true, "apikey": true, "token": true, "accesstoken": true, "authtoken": true, "secret": true,
	"clientsecret": true, "password": true, "passwd": true, "pass": true, "pwd": true, "sig": true,
	"signature": true, "auth": true, "authorization": true, "session": true, "sessionid": true,
	"sid": true, "jwt": true, "credential": true, "credentials": true, "privatekey": true,
	"refreshtoken": true, "idtoken": true, "xamzsignature": true, "xamzcredential": true,
	"xamzsecuritytoken": true, "code": true,
}

func secretParam(name string) bool {
	n := strings.ToLower(name)
	n = strings.NewReplacer("-", "", "_", "", "%5f", "", "%2d", "").Replace(n)
	if secretParams[n] {
		return true
	}
	for _, part := range []string{"token", "secret", "passw", "apikey", "signature"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// RedactAll returns msgs with each one redacted (see Redact).
func RedactAll(msgs []string) []string {
	if msgs == nil {
		return nil
	}
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = Redact(m)
	}
	return out
}
