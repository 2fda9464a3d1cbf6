package warc

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
)

// SURT returns the Sort-friendly URI Reordering Transform of raw, as CDXJ
// indexes key it: scheme and userinfo dropped, host lower-cased with a
// leading "www." removed and its labels reversed and comma-joined (IP
// addresses kept as they are), a non-default port kept, then ")" and the
// path, with query arguments sorted and everything lower-cased, fragment
// dropped. "https://www.Example.com/A/b?z=1&a=2#x" → "com,example)/a/b?a=2&z=1".
func SURT(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("surt %q: %w", raw, err)
	}
	if u.Host == "" {
		return "", fmt.Errorf("surt %q: no host", raw)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if net.ParseIP(host) == nil {
		for {
			rest, ok := strings.CutPrefix(host, "www")
			if !ok {
				break
			}
			rest = strings.TrimLeft(rest, "0123456789")
			if !strings.HasPrefix(rest, ".") || strings.Count(rest, ".") < 2 {
				break
			}
			host = rest[1:]
		}
		labels := strings.Split(host, ".")
		for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
			labels[i], labels[j] = labels[j], labels[i]
		}
		host = strings.Join(labels, ",")
	}
	var b strings.Builder
	b.WriteString(host)
	if port != "" {
		b.WriteString(":" + port)
	}
	b.WriteByte(')')
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(path)
	if u.RawQuery != "" {
		args := strings.Split(u.RawQuery, "&")
		sort.Strings(args)
		b.WriteString("?" + strings.Join(args, "&"))
	}
	return strings.ToLower(b.String()), nil
}
