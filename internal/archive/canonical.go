package archive

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
)

// ErrBadURL is returned for URLs that cannot identify an article.
var ErrBadURL = errors.New("not an absolute http(s) URL")

// trackingParams are query parameters that only say how a reader arrived and
// never select content. Prefix entries end in "*".
var trackingParams = []string{
	"utm_*", "spm", "fbclid", "gclid", "dclid", "yclid", "msclkid", "igshid",
	"mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "ref_url", "cmpid", "ocid",
	"ncid", "sr_share", "share_token", "wt.mc_id", "isappinstalled",
	"scene", "clicktime", "enterid", "sessionid", "subscene", "srcid",
	"sharer_sharetime", "sharer_shareid", "share_source", "share_medium",
	"vd_source", "s_trackid", "s_channel", "__twitter_impression",
}

// fromValues are the values of the "from" parameter that WeChat, Weibo and
// friends append when a link is shared; other values of "from" may select
// content and are kept.
var fromValues = map[string]bool{
	"timeline": true, "singlemessage": true, "groupmessage": true,
	"message": true, "share": true, "wx": true,
}

func isTracking(key, value string) bool {
	k := strings.ToLower(key)
	if k == "from" {
		return fromValues[strings.ToLower(value)]
	}
	for _, p := range trackingParams {
		if strings.HasSuffix(p, "*") {
			if strings.HasPrefix(k, strings.TrimSuffix(p, "*")) {
				return true
			}
		} else if k == p {
			return true
		}
	}
	return false
}

// CanonicalURL normalises raw so that the same article reached in different
// ways gets one identity: scheme and host lower-cased, default ports and
// fragments dropped, an empty path made "/", and tracking parameters
// (utm_*, spm, from=timeline, fbclid…) removed. The order of the remaining
// query parameters is kept, since some sites depend on it.
func CanonicalURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(fixPercent(raw))
	if err != nil {
		return "", fmt.Errorf("canonical url %q: %w", raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("canonical url %q: %w", raw, ErrBadURL)
	}
	host := strings.ToLower(u.Hostname())
	host = strings.TrimRight(host, ".") // "example.com." and "example.com.." are example.com; ".." is nothing
	if host == "" {
		return "", fmt.Errorf("canonical url %q: %w", raw, ErrBadURL)
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		u.Host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	} else {
		u.Host = host
	}
	u.User = nil
	u.Fragment = ""
	u.RawFragment = ""
	if u.Path == "" {
		u.Path = "/"
		u.RawPath = ""
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		kept := parts[:0]
		for _, p := range parts {
			if p == "" {
				continue
			}
			k, v, _ := strings.Cut(p, "=")
			dk, err1 := url.QueryUnescape(k)
			dv, err2 := url.QueryUnescape(v)
			if err1 == nil && err2 == nil && isTracking(dk, dv) {
				continue
			}
			kept = append(kept, escapeSpaces(p))
		}
		u.RawQuery = strings.Join(kept, "&")
	}
	u.ForceQuery = false
	return u.String(), nil
}

// escapeSpaces percent-encodes white space in a raw query part, as browsers
// do: url.URL.String writes the query as it is, and a trailing space would
// be trimmed off the next time the URL is read.
func escapeSpaces(s string) string {
	if !strings.ContainsFunc(s, unicode.IsSpace) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) {
			b.WriteString(url.PathEscape(string(r))) // %20, not +
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fixPercent escapes "%" signs that do not start an escape ("80%" in a
// title-derived path), which real feeds publish and browsers accept.
func fixPercent(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// SameSite reports whether a and b are on the same site: the same host, or
// one a subdomain of the other's registrable-looking suffix (www.x.com and
// x.com, m.x.com and www.x.com). It is used to decide whether a page's
// rel=canonical may replace the URL we fetched.
func SameSite(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return false
	}
	ha, hb := baseHost(ua.Hostname()), baseHost(ub.Hostname())
	return ha != "" && ha == hb
}

func baseHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	for _, p := range []string{"www.", "m.", "mobile.", "amp.", "wap."} {
		if strings.HasPrefix(h, p) && strings.Count(h, ".") > 1 {
			return strings.TrimPrefix(h, p)
		}
	}
	return h
}
