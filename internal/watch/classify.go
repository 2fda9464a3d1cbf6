package watch

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/diff"
	"github.com/newsvault/newsvault/internal/extract"
)

// Outcome is what one check found.
type Outcome string

// Outcomes of Classify, and OutcomeRestored, which only Step gives (an
// article answering again after it was removed).
const (
	OutcomeUnchanged   Outcome = "unchanged"   // the article as last archived
	OutcomeEdited      Outcome = "edited"      // the article, changed: store a new version
	OutcomeRemoved     Outcome = "removed"     // gone from its URL
	OutcomeUnavailable Outcome = "unavailable" // no answer worth judging: never a removal
	OutcomeReplaced    Outcome = "replaced"    // a different article now lives at the URL
	OutcomeRestored    Outcome = "restored"    // answering again after a removal
)

// ErrorKind classifies a failed fetch. The fetch layer maps its errors to
// one of these; Classify never looks at error strings.
type ErrorKind string

// Error kinds of a fetch that got no usable response.
const (
	ErrNone         ErrorKind = ""
	ErrDNS          ErrorKind = "dns"           // the name did not resolve
	ErrTimeout      ErrorKind = "timeout"       // connect or read timed out
	ErrReset        ErrorKind = "reset"         // connection refused, reset or closed early
	ErrTLS          ErrorKind = "tls"           // handshake or certificate failure
	ErrTooLarge     ErrorKind = "too-large"     // the body passed the size limit
	ErrRedirectLoop ErrorKind = "redirect-loop" // too many redirects, or a loop
	ErrBlocked      ErrorKind = "blocked"       // the guard refused the address (a private network)
	ErrOther        ErrorKind = "other"         // anything else
)

// Check describes one re-fetch of an article and what extraction made of
// it. Fill what is known; zero values mean unknown.
type Check struct {
	// URL is the article's URL (what was asked for); Home the site's home
	// page (the source's site URL), empty when unknown.
	URL  string
	Home string
	// Err is set when no response was received; the other fields are then
	// ignored.
	Err ErrorKind
	// Status is the HTTP status of the final response; Redirects the URLs
	// the request was redirected through, in order, ending at FinalURL.
	Status    int
	Redirects []string
	FinalURL  string
	// ContentType is the final response's Content-Type header.
	ContentType string
	// Body is the raw response body (any charset), read for notices.
	Body []byte
	// SameBody says the body is byte for byte (same SHA-256) the body of
	// the last capture that showed the article alive, at the same final
	// URL: the article is unchanged without extracting it.
	SameBody bool
	// Article is what extraction found, nil when it found no article.
	// PageKind is extraction's verdict on the page (extract.Kind*), empty
	// when extraction was not run, and PageReason its explanation.
	Article    *diff.Version
	PageKind   string
	PageReason string
}

// Verdict is the outcome of one check with its reasons.
type Verdict struct {
	Outcome Outcome
	// Reason says in a few words what decided the outcome ("HTTP 404",
	// "redirected to the home page https://…", "timeout", "title and text
	// share 3% with the archived version").
	Reason string
	// Notice is the removal notice the page showed, when it showed one.
	Notice *Notice
	// Changes lists what an edit changed (see Normal.Changes).
	Changes []string
}

// Removed reports whether v is a removal.
func (v Verdict) Removed() bool { return v.Outcome == OutcomeRemoved }

// maxReusedOverlap is the share of token pairs below which the new page is
// taken for a different article at the same URL; minReuseTokens is the
// smallest text that comparison is trusted on.
const (
	maxReusedOverlap = 0.2
	maxReusedTitle   = 0.34
	minReuseText     = 80
)

// Classify decides what one check of an article found, given the check and
// the last archived version. It decides conservatively: anything that does
// not prove the article is gone — an error, a 5xx, a 429, a captcha, a
// login wall at the same URL, an empty or binary page — is Unavailable,
// never Removed.
func Classify(c Check, prev diff.Version) Verdict {
	if c.Err != ErrNone {
		return Verdict{Outcome: OutcomeUnavailable, Reason: errorReason(c.Err)}
	}
	st := c.Status
	switch {
	case st == 304:
		return Verdict{Outcome: OutcomeUnchanged, Reason: "HTTP 304 not modified"}
	case c.SameBody && st >= 200 && st < 300:
		return Verdict{Outcome: OutcomeUnchanged, Reason: "the same bytes as the last capture"}
	case st == 429:
		return Verdict{Outcome: OutcomeUnavailable, Reason: "HTTP 429 too many requests"}
	case st >= 500:
		return Verdict{Outcome: OutcomeUnavailable, Reason: fmt.Sprintf("HTTP %d", st)}
	case st == 404 || st == 410 || st == 451:
		v := Verdict{Outcome: OutcomeRemoved, Reason: fmt.Sprintf("HTTP %d", st)}
		if n, ok := DetectNotice(PageText(c.Body, c.ContentType)); ok {
			v.Notice = &n
		} else if st == 451 {
			v.Notice = &Notice{By: RemoverComplaint, Text: "HTTP 451 Unavailable For Legal Reasons"}
		}
		return v
	case st < 200 || st >= 300:
		// 401, 403 and the like: access refused, which proves nothing.
		return Verdict{Outcome: OutcomeUnavailable, Reason: fmt.Sprintf("HTTP %d", st)}
	}

	// A 2xx answer. Did it still serve the article we have, perhaps
	// under a new address?
	// Each version is normalised once, for every comparison below.
	var a, b Normal
	if c.Article != nil {
		a, b = Normalize(prev), Normalize(*c.Article)
	}
	alive := c.Article != nil && stillThere(a, b)
	if moved, where := redirectedAway(c); moved {
		switch {
		case isChallengeURL(where):
			return Verdict{Outcome: OutcomeUnavailable, Reason: "redirected to a bot check " + where}
		case isLoginURL(where):
			return Verdict{Outcome: OutcomeRemoved, Reason: "redirected to a login page " + where}
		case alive:
			// The article moved; judge its content.
		case isHome(where, c.URL, c.Home):
			return Verdict{Outcome: OutcomeRemoved, Reason: "redirected to the home page " + where}
		case c.PageKind == extract.KindLogin:
			return Verdict{Outcome: OutcomeRemoved, Reason: "redirected to a login page " + where}
		case isSectionOf(where, c.URL) || c.PageKind == extract.KindListing:
			return Verdict{Outcome: OutcomeRemoved, Reason: "redirected to a section front " + where}
		}
	}
	if alive {
		return compare(a, b)
	}
	if c.PageKind == extract.KindChallenge {
		return Verdict{Outcome: OutcomeUnavailable, Reason: "bot check: " + c.PageReason}
	}
	if n, ok := DetectNotice(PageText(c.Body, c.ContentType)); ok {
		return Verdict{Outcome: OutcomeRemoved, Reason: "the page is a removal notice", Notice: &n}
	}
	if c.Article == nil {
		switch c.PageKind {
		case extract.KindError:
			return Verdict{Outcome: OutcomeRemoved, Reason: "the page is an error page: " + c.PageReason}
		case extract.KindListing:
			return Verdict{Outcome: OutcomeRemoved, Reason: "the URL now serves an index page"}
		case extract.KindLogin:
			return Verdict{Outcome: OutcomeUnavailable, Reason: "login or paywall: " + c.PageReason}
		case "":
			return Verdict{Outcome: OutcomeUnavailable, Reason: "no article was extracted"}
		}
		reason := c.PageKind + " page"
		if c.PageReason != "" {
			reason = c.PageReason
		}
		return Verdict{Outcome: OutcomeUnavailable, Reason: "no article: " + reason}
	}
	// An article, but far from the one we have: edited beyond recognition
	// or another article at the same URL.
	return compare(a, b)
}

// compare tells unchanged from edited from replaced, given the normal
// forms of the archived and the new version.
func compare(a, b Normal) Verdict {
	ch := a.Changes(b)
	if len(ch) == 0 {
		return Verdict{Outcome: OutcomeUnchanged, Reason: "same content"}
	}
	if !sameStory(a, b) {
		return Verdict{Outcome: OutcomeReplaced, Reason: fmt.Sprintf("a different article: its title and text share %.0f%% with the archived version",
			100*overlap(a.Title+"\n"+a.Text, b.Title+"\n"+b.Text))}
	}
	return Verdict{Outcome: OutcomeEdited, Reason: "changed: " + strings.Join(ch, ", "), Changes: ch}
}

// stillThere reports whether cur is recognisably the archived article:
// much of its text is shared, or, for texts too short to judge, its title.
// A page quoting a removal notice is not the article. a and b are the
// normal forms of the archived and the new version.
func stillThere(a, b Normal) bool {
	xa, xb := a.Text, b.Text
	if utf8.RuneCountInString(xa) >= minReuseText && utf8.RuneCountInString(xb) >= minReuseText {
		return overlap(xa, xb) > 0.5
	}
	return a.Title != "" && a.Title == b.Title
}

// sameStory reports whether cur can be an edit of prev rather than a
// different article: they share much of their text, or their headline.
func sameStory(a, b Normal) bool {
	xa, xb := a.Text, b.Text
	ta, tb := a.Title, b.Title
	if ta != "" && overlap(ta, tb) > 0.6 {
		return true
	}
	if utf8.RuneCountInString(xa) < minReuseText || utf8.RuneCountInString(xb) < minReuseText {
		// Too short to judge by the text: only a new headline tells.
		return ta == "" || overlap(ta, tb) > maxReusedTitle
	}
	return overlap(xa, xb) > maxReusedOverlap
}

func errorReason(k ErrorKind) string {
	switch k {
	case ErrDNS:
		return "DNS lookup failed"
	case ErrTimeout:
		return "timeout"
	case ErrReset:
		return "connection refused or reset"
	case ErrTLS:
		return "TLS handshake failed"
	case ErrTooLarge:
		return "response too large"
	case ErrRedirectLoop:
		return "redirect loop"
	case ErrBlocked:
		return "redirect to a blocked (private) address"
	}
	return "fetch failed"
}

// redirectedAway reports whether the check ended at another page than the
// article's URL (a change of scheme, "www.", a trailing slash or tracking
// parameters does not count) and returns that page.
func redirectedAway(c Check) (bool, string) {
	final := c.FinalURL
	if final == "" && len(c.Redirects) > 0 {
		final = c.Redirects[len(c.Redirects)-1]
	}
	if final == "" {
		return false, ""
	}
	return urlKey(final) != urlKey(c.URL), final
}

// urlKey identifies a URL loosely: host without "www.", path without a
// trailing slash, canonical query.
func urlKey(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return raw
	}
	q := u.Query()
	for k := range q {
		if isTrackingParam(k) {
			q.Del(k)
		}
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.") + strings.TrimSuffix(u.EscapedPath(), "/") + "?" + q.Encode()
}

func isTrackingParam(k string) bool {
	k = strings.ToLower(k)
	return strings.HasPrefix(k, "utm_") || k == "spm" || k == "from" || k == "fbclid" || k == "gclid" || k == "scene"
}

// reHomePath matches the paths of a home page.
var reHomePath = regexp.MustCompile(`(?i)^/?(?:index|default|home|main)?(?:\.s?html?|\.php|\.aspx?|\.jsp)?$`)

// isHome reports whether target is the home page of the article's site (or
// the configured home page).
func isHome(target, article, home string) bool {
	t, err := url.Parse(target)
	if err != nil {
		return false
	}
	if home != "" && urlKey(target) == urlKey(home) {
		return true
	}
	a, err := url.Parse(article)
	if err != nil {
		return false
	}
	sameSite := strings.TrimPrefix(strings.ToLower(t.Hostname()), "www.") == strings.TrimPrefix(strings.ToLower(a.Hostname()), "www.") ||
		strings.HasSuffix(strings.ToLower(t.Hostname()), "."+baseDomain(a.Hostname()))
	return sameSite && reHomePath.MatchString(t.Path) && t.RawQuery == ""
}

// baseDomain returns the last two labels of host (three under a two-letter
// second level such as com.cn).
func baseDomain(host string) string {
	labels := strings.Split(strings.ToLower(host), ".")
	n := 2
	if len(labels) >= 3 && len(labels[len(labels)-1]) == 2 && map[string]bool{"com": true, "net": true, "org": true, "gov": true, "edu": true, "co": true}[labels[len(labels)-2]] {
		n = 3
	}
	if len(labels) < n {
		return host
	}
	return strings.Join(labels[len(labels)-n:], ".")
}

// isSectionOf reports whether target is a section front above the article:
// on the same host, its path a proper prefix (at a slash) of the article's.
func isSectionOf(target, article string) bool {
	t, err1 := url.Parse(target)
	a, err2 := url.Parse(article)
	if err1 != nil || err2 != nil || !strings.EqualFold(strings.TrimPrefix(t.Hostname(), "www."), strings.TrimPrefix(a.Hostname(), "www.")) {
		return false
	}
	tp := strings.TrimSuffix(reIndexFile.ReplaceAllString(t.Path, ""), "/") + "/"
	return tp != "/" && len(tp) < len(a.Path) && strings.HasPrefix(a.Path, tp)
}

var reIndexFile = regexp.MustCompile(`(?i)/(?:index|default)\.s?html?$`)

// reLoginURL matches URLs of login and sign-in pages.
var reLoginURL = regexp.MustCompile(`(?i)(?:^|[/.?&=_-])(?:login|log-in|signin|sign-in|sign_in|passport|sso|auth|oauth)(?:$|[/.?&=_-])`)

// reChallengeURL matches URLs of bot checks and visitor systems (Weibo
// sends every new visitor through passport.weibo.com/visitor/), which
// prove nothing about the article.
var reChallengeURL = regexp.MustCompile(`(?i)(?:^|[/.?&=_-])(?:visitor|captcha|verify|challenge|cdn-cgi)(?:$|[/.?&=_-])`)

func isChallengeURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return reChallengeURL.MatchString(u.Host + u.Path)
}

func isLoginURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return reLoginURL.MatchString(u.Host + u.Path)
}
