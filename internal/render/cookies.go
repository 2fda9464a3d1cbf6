package render

// The operator's cookies, for sites that show their text only to a
// signed-in reader. They come from Netscape cookies.txt files — what curl
// (-b), wget (--load-cookies), yt-dlp (--cookies), gallery-dl and
// ArchiveBox read, and what browser extensions export — and are used
// read-only: each capture gets its own jar holding them, the cookies the
// site sets during that capture go to that jar alone, and the jar is
// dropped with the capture. Nothing is ever written back to a file.

import (
	"bufio"
	"errors"
	"fmt"
	"golang.org/x/net/http/httpguts"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

// maxCookieFile bounds one cookies.txt file.
const maxCookieFile = 4 << 20

// Cookies are the operator's cookies, by the domain each belongs to. A nil
// *Cookies holds none.
type Cookies struct {
	list []Cookie
}

// LoadCookies reads path: a Netscape cookies.txt file, or a directory
// whose every regular file (one per site, as exported) is one. A file
// that does not parse is an error naming it and its line.
func LoadCookies(path string) (*Cookies, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cookies: %w", err)
	}
	files := []string{path}
	if fi.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("cookies: %w", err)
		}
		files = files[:0]
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	c := &Cookies{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("cookies: %w", err)
		}
		list, err := ParseCookies(io.LimitReader(f, maxCookieFile+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("cookies %s: %w", name, err)
		}
		c.list = append(c.list, list...)
	}
	return c, nil
}

// ErrCookieFile marks a cookies.txt line that is not one.
var ErrCookieFile = errors.New("not a Netscape cookies.txt line")

// ParseCookies reads a Netscape cookies.txt file: one cookie a line, seven
// tab-separated fields (domain, include subdomains TRUE/FALSE, path,
// secure TRUE/FALSE, expiry in Unix seconds with 0 for a session cookie,
// name, value). A line starting "#HttpOnly_" is an HttpOnly cookie; other
// lines starting "#", and blank lines, are comments. A domain that is a
// public suffix ("com", "com.cn") is refused: its cookie would go to every
// site under it.
func ParseCookies(r io.Reader) ([]Cookie, error) {
	var out []Cookie
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	read := 0
	for n := 1; sc.Scan(); n++ {
		read += len(sc.Bytes()) + 1
		if read > maxCookieFile {
			return nil, fmt.Errorf("larger than %d bytes", maxCookieFile)
		}
		line := strings.TrimRight(sc.Text(), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		httpOnly := false
		if rest, ok := strings.CutPrefix(line, "#HttpOnly_"); ok {
			line, httpOnly = rest, true
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c, err := parseCookieLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		c.HTTPOnly = httpOnly
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func parseCookieLine(line string) (Cookie, error) {
	f := strings.Split(line, "\t")
	if len(f) != 7 {
		return Cookie{}, fmt.Errorf("%w: %d tab-separated fields, want 7", ErrCookieFile, len(f))
	}
	flag := func(i int) (bool, error) {
		switch strings.ToUpper(f[i]) {
		case "TRUE":
			return true, nil
		case "FALSE":
			return false, nil
		}
		return false, fmt.Errorf("%w: field %d is %q, want TRUE or FALSE", ErrCookieFile, i+1, f[i])
	}
	sub, err := flag(1)
	if err != nil {
		return Cookie{}, err
	}
	secure, err := flag(3)
	if err != nil {
		return Cookie{}, err
	}
	domain := strings.ToLower(strings.TrimSuffix(f[0], "."))
	if strings.HasPrefix(domain, ".") {
		domain, sub = domain[1:], true
	}
	if domain == "" || strings.ContainsAny(domain, " /:;,\"") {
		return Cookie{}, fmt.Errorf("%w: domain %q", ErrCookieFile, f[0])
	}
	if _, err := netip.ParseAddr(strings.Trim(domain, "[]")); err == nil {
		// An address has no subdomains (a server on the operator's own
		// network, or a test's).
		domain, sub = strings.Trim(domain, "[]"), false
	} else if ps, _ := publicsuffix.PublicSuffix(domain); ps == domain {
		return Cookie{}, fmt.Errorf("%w: domain %q is a public suffix, not a site", ErrCookieFile, f[0])
	}
	path := f[2]
	if !strings.HasPrefix(path, "/") {
		return Cookie{}, fmt.Errorf("%w: path %q does not start with /", ErrCookieFile, path)
	}
	exp, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil || exp < 0 {
		return Cookie{}, fmt.Errorf("%w: expiry %q is not Unix seconds", ErrCookieFile, f[4])
	}
	c := Cookie{Domain: domain, HostOnly: !sub, Path: path, Secure: secure, Name: f[5], Value: f[6]}
	if exp > 0 {
		c.Expires = time.Unix(exp, 0)
	}
	if !httpguts.ValidHeaderFieldName(c.Name) || !validCookieText(c.Value) {
		return Cookie{}, fmt.Errorf("%w: cookie %q has characters a Cookie header cannot carry", ErrCookieFile, c.Name)
	}
	return c, nil
}

// validCookieText reports whether s can go into a Cookie header as is
// (net/http would silently drop the other bytes). A name must be a token:
// httpguts.ValidHeaderFieldName.
func validCookieText(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x21 || b >= 0x7f || b == ';' || b == '"' || b == '\\' || b == ',' {
			return false
		}
	}
	return true
}

// Len is how many cookies c holds.
func (c *Cookies) Len() int {
	if c == nil {
		return 0
	}
	return len(c.list)
}

// For returns the cookies of the site host belongs to: those whose domain
// is host or, for cookies that include subdomains, a parent of host.
// Cookies of other sites are never given, so a capture of one site cannot
// send them anywhere, not even to that other site as a third party.
func (c *Cookies) For(host string) []Cookie {
	if c == nil {
		return nil
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	var out []Cookie
	for _, k := range c.list {
		if k.domainMatch(host) {
			out = append(out, k)
		}
	}
	return out
}

func (k Cookie) domainMatch(host string) bool {
	if host == k.Domain {
		return true
	}
	return !k.HostOnly && strings.HasSuffix(host, "."+k.Domain)
}

// matches reports whether k goes with a request for u at now.
func (k Cookie) matches(u *url.URL, now time.Time) bool {
	if !k.domainMatch(strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))) {
		return false
	}
	if k.Secure && u.Scheme != "https" {
		return false
	}
	if !k.Expires.IsZero() && !now.Before(k.Expires) {
		return false
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return p == k.Path || strings.HasPrefix(p, k.Path) && (strings.HasSuffix(k.Path, "/") || p[len(k.Path)] == '/')
}

// captureJar is the cookie jar of one capture: the operator's cookies for
// the site, sent with each request (and redirect hop) whose URL they
// match, and the cookies the site sets during the capture, kept in memory
// until the capture ends. It never writes the operator's cookies anywhere.
type captureJar struct {
	operator []Cookie
	session  *cookiejar.Jar
	now      func() time.Time

	mu   sync.Mutex
	sent map[string]bool // hosts the operator's cookies went to
}

func newCaptureJar(operator []Cookie) *captureJar {
	session, _ := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
	return &captureJar{operator: operator, session: session, now: time.Now, sent: map[string]bool{}}
}

// Cookies implements http.CookieJar: what the site set in this capture,
// then the operator's cookies it has not replaced.
func (j *captureJar) Cookies(u *url.URL) []*http.Cookie {
	out := j.session.Cookies(u)
	now := j.now()
	for _, k := range j.operator {
		if !k.matches(u, now) || slices.ContainsFunc(out, func(c *http.Cookie) bool { return c.Name == k.Name }) {
			continue
		}
		out = append(out, &http.Cookie{Name: k.Name, Value: k.Value})
		j.mu.Lock()
		j.sent[strings.ToLower(u.Hostname())] = true
		j.mu.Unlock()
	}
	return out
}

// SetCookies implements http.CookieJar: cookies a response sets live in
// this capture's memory only.
func (j *captureJar) SetCookies(u *url.URL, cs []*http.Cookie) {
	j.session.SetCookies(u, cs)
}

// sentTo lists the hosts the operator's cookies were sent to.
func (j *captureJar) sentTo() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]string, 0, len(j.sent))
	for h := range j.sent {
		out = append(out, h)
	}
	slices.Sort(out)
	return out
}
