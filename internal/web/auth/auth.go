// Package auth decides who sent a request and whether they may use a
// route: sessions (a browser that logged in on /login, with a CSRF token on
// every write) and API tokens (Authorization: Bearer), the login and logout
// handlers, the rate limits on login attempts and on anonymous URL
// submissions, and the domain list of the latter. Password hashing and
// secrets are package internal/auth's; the hashes live in the store.
package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/newsvault/newsvault/internal/auth"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/store"
	"github.com/newsvault/newsvault/internal/web/input"
	"github.com/newsvault/newsvault/internal/web/reply"
)

// Who may do what. Every route has an access level;
// Authorize checks it before the handler runs, so a handler never sees a
// request it should not.
//
// A request is signed in by a session cookie (a browser that logged in on
// /login) or by an API token (Authorization: Bearer). A session must also
// carry its CSRF token, in the csrf_token form field or the X-CSRF-Token
// header, on every request that is not GET or HEAD; a bearer token need not,
// because browsers never attach one by themselves. http.CrossOriginProtection
// runs before all of this and refuses cross-origin writes whatever they
// carry.

// Credentials is what the server needs of the store to sign people in.
// *sqlite.Store satisfies it.
type Credentials interface {
	PasswordHash(ctx context.Context, user string) (string, error)
	CreateSession(ctx context.Context, sess store.Session) error
	Session(ctx context.Context, idHash string, now time.Time) (store.Session, error)
	TouchSession(ctx context.Context, idHash string, seen, expires time.Time) error
	DeleteSession(ctx context.Context, idHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
	APITokenByHash(ctx context.Context, hash string) (store.APIToken, error)
	TouchAPIToken(ctx context.Context, id int64, at time.Time) error
}

// ReadAccess says who may read the archive.
type ReadAccess string

const (
	// ReadPublic lets anyone read pages, search, API GETs and assets.
	ReadPublic ReadAccess = "public"
	// ReadPrivate lets only signed-in browsers and API tokens read;
	// /healthz, /login, /static/ and the OpenAPI description stay open.
	ReadPrivate ReadAccess = "private"
)

// AnonymousSubmit lets people who have not signed in submit URLs to archive.
type AnonymousSubmit struct {
	// Enabled opens the URL form of /add and POST /api/v1/archive to
	// anyone. Everything else still needs a login or a token.
	Enabled bool
	// PerHour is how many URLs one client address (an IPv6 client's /64)
	// may submit in an hour, all at once or spread out; 0 means 10.
	PerHour int
	// Domains, when not empty, limits anonymous submissions to URLs whose
	// host is one of these names or under one ("example.com" allows
	// www.example.com).
	Domains []string
}

// Access is who may use a route.
type Access int

const (
	// AccessRead: anyone when reads are public, else the signed-in.
	AccessRead Access = iota
	// AccessWrite: the signed-in; a session must carry its CSRF token.
	AccessWrite
	// AccessSubmit: as AccessWrite, or anyone when anonymous submission is
	// on (the handler then applies its rate limit and domain list).
	AccessSubmit
	// AccessOpen: anyone, always; the request is not even identified.
	AccessOpen
	// AccessSignedIn: a read for the signed-in only, whatever the read
	// access (the operator's own data: archive jobs, the feed list as
	// OPML with its URLs unredacted).
	AccessSignedIn
)

func (a Access) String() string {
	return [...]string{"read", "write", "submit", "open", "signed-in"}[a]
}

const (
	// SessionCookie names the cookie holding the session ID.
	SessionCookie = "newsvault_session"
	// CSRFField and CSRFHeader carry a session's CSRF token.
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
	// DefaultSessionTTL is how long a session lasts after its last use.
	DefaultSessionTTL = 30 * 24 * time.Hour
	// touchEvery is how stale a session's or token's last use may get
	// before it is written again: not on every request.
	touchEvery = time.Minute
)

// Identity is who sent a request: a session, a token, or nobody.
type Identity struct {
	session *store.Session
	token   *store.APIToken
}

func (id Identity) SignedIn() bool { return id.session != nil || id.token != nil }

type identityKey struct{}

// IdentityOf returns who sent r, as Authorize found it.
func IdentityOf(r *http.Request) Identity {
	id, _ := r.Context().Value(identityKey{}).(Identity)
	return id
}

// errBadToken marks an Authorization header that names no live token.
var errBadToken = errors.New("invalid bearer token")

// identify finds who sent r. A bad bearer token is an error (the client
// meant to sign in and should hear it failed); a stale or unknown session
// cookie is cleared and the request is anonymous. A session used more than
// touchEvery ago has its expiry moved on (sliding expiry).
func (s *Gate) identify(w http.ResponseWriter, r *http.Request) (Identity, error) {
	ctx := r.Context()
	now := time.Now()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		tok = strings.TrimSpace(tok)
		if !strings.EqualFold(scheme, "Bearer") || tok == "" {
			return Identity{}, errBadToken
		}
		t, err := s.auth.APITokenByHash(ctx, auth.HashSecret(tok))
		if errors.Is(err, store.ErrNotFound) {
			return Identity{}, errBadToken
		}
		if err != nil {
			return Identity{}, err
		}
		if now.Sub(t.LastUsedAt) > touchEvery {
			if err := s.auth.TouchAPIToken(ctx, t.ID, now); err != nil {
				s.log.Warn("record token use", "token", t.Name, "err", err)
			}
		}
		return Identity{token: &t}, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return Identity{}, nil
	}
	idHash := auth.HashSecret(c.Value)
	sess, err := s.auth.Session(ctx, idHash, now)
	if errors.Is(err, store.ErrNotFound) {
		s.clearSessionCookie(w, r)
		return Identity{}, nil
	}
	if err != nil {
		return Identity{}, err
	}
	if now.Sub(sess.LastSeenAt) > touchEvery {
		sess.LastSeenAt, sess.ExpiresAt = now, now.Add(s.sessionTTL)
		if err := s.auth.TouchSession(ctx, idHash, sess.LastSeenAt, sess.ExpiresAt); err != nil {
			s.log.Warn("extend session", "err", err)
		} else if !reply.IsAPI(r) {
			// The cookie's own lifetime slides with the session's, on
			// pages only: never a Set-Cookie on a cacheable asset.
			s.setSessionCookie(w, r, c.Value)
		}
	}
	return Identity{session: &sess}, nil
}

// Authorize identifies r and checks it may use a route of access acc. It
// returns r carrying the Identity, or false when it has answered (401,
// 403, 413, a redirect to /login).
func (s *Gate) Authorize(w http.ResponseWriter, r *http.Request, acc Access) (*http.Request, bool) {
	if acc == AccessOpen {
		return r, true
	}
	id, err := s.identify(w, r)
	if errors.Is(err, errBadToken) {
		s.log.Warn("bad bearer token", "client", ClientAddr(r), "method", r.Method, "path", r.URL.Path)
		s.needLogin(w, r, true)
		return r, false
	}
	if err != nil {
		s.internal(w, r, fmt.Errorf("identify: %w", err))
		return r, false
	}
	safe := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
	switch {
	case id.SignedIn():
	case acc == AccessRead && s.readAccess == ReadPublic:
	case acc == AccessSubmit && s.anon.Enabled:
	default:
		s.needLogin(w, r, false)
		return r, false
	}
	if id.session != nil && !safe && !s.checkCSRF(w, r, id.session) {
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), identityKey{}, id)), true
}

// needLogin answers a request that must sign in first: 401 with a
// WWW-Authenticate challenge for the API and for any request that sent
// credentials, else a redirect to the login page that comes back here.
func (s *Gate) needLogin(w http.ResponseWriter, r *http.Request, badToken bool) {
	if reply.IsAPI(r) || r.Header.Get("Authorization") != "" {
		challenge := `Bearer realm="newsvault"`
		msg := "sign in first: send Authorization: Bearer <token> (newsvault tokens create NAME makes one)"
		if badToken {
			challenge += `, error="invalid_token"`
			msg = "the bearer token is unknown or revoked"
		}
		w.Header().Set("WWW-Authenticate", challenge)
		reply.Error(w, http.StatusUnauthorized, "unauthorized", msg)
		return
	}
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// A form post cannot be repeated after logging in; come back to
		// the page the form is on (/add for /add/url, /sources/1 for
		// /sources/1/remove).
		next = r.URL.Path[:strings.LastIndexByte(r.URL.Path, '/')]
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(localPath(next)), http.StatusSeeOther)
}

// checkCSRF checks that a request of session sess carries its CSRF token,
// in the X-CSRF-Token header or the csrf_token field of a form body, and
// answers 403 when it does not. Reading the form here sets the body limits
// the handlers would have set (they find the form already parsed).
func (s *Gate) checkCSRF(w http.ResponseWriter, r *http.Request, sess *store.Session) bool {
	tok := r.Header.Get(CSRFHeader)
	if tok == "" {
		if err := parseAnyForm(w, r); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				s.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", "the form is larger than "+strconv.FormatInt(mbe.Limit>>10, 10)+" KiB")
				return false
			}
		}
		tok = r.PostFormValue(CSRFField)
	}
	if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(sess.CSRFToken)) != 1 {
		s.log.Warn("CSRF token missing or wrong", "client", ClientAddr(r), "method", r.Method, "path", r.URL.Path)
		s.fail(w, r, http.StatusForbidden, "csrf", "this form has expired or did not come from this site: reload the page and try again")
		return false
	}
	return true
}

// parseAnyForm reads a urlencoded or multipart form body under the limits
// of the forms that send them (input.MaxForm; an OPML upload for multipart).
// Other bodies are left alone.
func parseAnyForm(w http.ResponseWriter, r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, input.MaxForm)
		return r.ParseForm()
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, input.MaxOPML+64<<10)
		return r.ParseMultipartForm(1 << 20)
	}
	return nil
}

// localPath returns next when it is a path on this server, else "/", so
// that a link to /login?next=… cannot send the reader to another site.
// Browsers read a backslash as a slash and drop tabs and newlines, so
// those are refused too.
func localPath(next string) string {
	if len(next) == 0 || next[0] != '/' || strings.HasPrefix(next, "//") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c == '\\' || c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Path == "/login" || u.Path == "/logout" {
		return "/"
	}
	return next
}

// setSessionCookie sends the session cookie: HttpOnly (no script reads
// it), SameSite=Lax (other sites' form posts do not carry it), Secure when
// the request came over TLS or the server is told it sits behind TLS.
func (s *Gate) setSessionCookie(w http.ResponseWriter, r *http.Request, value string) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: value, Path: "/", MaxAge: int(s.sessionTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || s.behindTLS,
	})
}

func (s *Gate) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || s.behindTLS,
	})
}

// NewSession starts a session for user and returns its ID, the secret the
// cookie carries, with the stored session.
func (s *Gate) NewSession(ctx context.Context, user string) (string, store.Session, error) {
	secret := auth.NewSecret()
	now := time.Now().UTC()
	sess := store.Session{IDHash: auth.HashSecret(secret), User: user, CSRFToken: auth.NewSecret(),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.sessionTTL)}
	if err := s.auth.CreateSession(ctx, sess); err != nil {
		return "", sess, err
	}
	return secret, sess, nil
}

// LoginForm is what the login page shows: where to go after logging in,
// and why the last attempt failed.
type LoginForm struct {
	Next  string
	Error string
}

func (s *Gate) LoginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if id, err := s.identify(w, r); err == nil && id.session != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.showLogin(w, r, http.StatusOK, LoginForm{Next: next})
}

// Login checks the admin password and starts a session. Failures are rate
// limited per client address, and in all for addresses that have failed
// (see limiter.attempt), so others' failures never lock out a right
// password from a fresh address; password checks run at most two at once.
// Failures are logged without what was typed.
func (s *Gate) Login(w http.ResponseWriter, r *http.Request) {
	d := &LoginForm{Next: "/"}
	client := ClientAddr(r)
	done, wait := s.loginLimit.attempt(client, time.Now())
	if done == nil {
		s.log.Warn("login refused: too many attempts", "client", client)
		w.Header().Set("Retry-After", RetryAfter(wait))
		d.Error = "Too many login attempts. Try again in " + RetryAfter(wait) + " seconds."
		s.showLogin(w, r, http.StatusTooManyRequests, *d)
		return
	}
	ok := false
	defer func() { done(ok) }()
	if !s.parseForm(w, r) {
		return
	}
	d.Next = localPath(r.PostForm.Get("next"))
	user := r.PostForm.Get("username")
	if user == "" {
		user = auth.Admin
	}
	ok, err := s.checkPassword(r.Context(), user, r.PostForm.Get("password"))
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !ok {
		s.log.Warn("login failed", "client", client, "user", short(user, 64))
		d.Error = "Wrong password."
		s.showLogin(w, r, http.StatusUnauthorized, *d)
		return
	}
	secret, _, err := s.NewSession(r.Context(), user)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	// A browser that logs in again gets a new session; the one it had ends.
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.auth.DeleteSession(r.Context(), auth.HashSecret(c.Value)); err != nil {
			s.log.Warn("end the previous session", "err", err)
		}
	}
	if n, err := s.auth.DeleteExpiredSessions(r.Context(), time.Now()); err != nil {
		s.log.Warn("delete expired sessions", "err", err)
	} else if n > 0 {
		s.log.Debug("expired sessions deleted", "n", n)
	}
	s.setSessionCookie(w, r, secret)
	s.log.Info("login", "client", client, "user", user)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// checkPassword reports whether password is user's. There is one user,
// admin; a server with no password yet lets nobody in.
func (s *Gate) checkPassword(ctx context.Context, user, password string) (bool, error) {
	if user != auth.Admin {
		return false, nil
	}
	hash, err := s.auth.PasswordHash(ctx, user)
	if errors.Is(err, store.ErrNotFound) {
		s.log.Warn("login attempted but no admin password is set; run newsvault admin password")
		return false, nil
	}
	if err != nil {
		return false, err
	}
	select {
	case s.hashSlots <- struct{}{}:
		defer func() { <-s.hashSlots }()
	case <-ctx.Done():
		return false, ctx.Err()
	}
	ok, err := auth.VerifyPassword(password, hash)
	if err != nil {
		return false, fmt.Errorf("check password of %s: %w", user, err)
	}
	return ok, nil
}

// Logout ends the session on the server, not only in the browser: a copy
// of the cookie is worthless afterwards.
func (s *Gate) Logout(w http.ResponseWriter, r *http.Request) {
	if id := IdentityOf(r); id.session != nil {
		if err := s.auth.DeleteSession(r.Context(), id.session.IDHash); err != nil {
			s.internal(w, r, err)
			return
		}
		s.log.Info("logout", "client", ClientAddr(r), "user", id.session.User)
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// RetryAfter is a Retry-After value: whole seconds, at least 1.
func RetryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

// SubmitRefused is an anonymous submission refused: a host off the
// domain list (403) or over the client's allowance (429, with wait).
type SubmitRefused struct {
	Code int           // the HTTP status
	Wait time.Duration // how long until the client may submit again
	Msg  string
}

func (e *SubmitRefused) Error() string { return e.Msg }

// CheckSubmit lets a signed-in request submit anything, and an anonymous
// one only URLs on the domain list (when there is one) and within the
// client's hourly allowance, which each URL uses one of.
func (s *Gate) CheckSubmit(r *http.Request, urls []string) *SubmitRefused {
	if IdentityOf(r).SignedIn() {
		return nil
	}
	if len(s.submitDomains) > 0 {
		for _, u := range urls {
			if !s.SubmitDomainAllowed(u) {
				s.log.Warn("anonymous submission refused: domain", "client", ClientAddr(r), "url", u)
				return &SubmitRefused{Code: http.StatusForbidden,
					Msg: "without logging in you may only submit pages from " + strings.Join(s.submitDomains, ", ") + "; " + u + " is not one"}
			}
		}
	}
	if ok, wait := s.submitLimit.take(ClientAddr(r), len(urls), time.Now()); !ok {
		s.log.Warn("anonymous submission refused: rate", "client", ClientAddr(r), "urls", len(urls))
		return &SubmitRefused{Code: http.StatusTooManyRequests, Wait: wait,
			Msg: fmt.Sprintf("without logging in you may submit %d URLs an hour; try again in %s seconds", s.anon.PerHour, RetryAfter(wait))}
	}
	return nil
}

// SubmitPolicy is the fetch policy of the URLs r submits: no network
// allowance ever (the operator's --allow-private and --allow-net are for
// the sources they add), and for an anonymous request the domain list,
// applied to every redirect hop as well as to the URL submitted.
func (s *Gate) SubmitPolicy(r *http.Request) fetch.Policy {
	if IdentityOf(r).SignedIn() {
		return fetch.Policy{}
	}
	return fetch.Policy{Domains: s.submitDomains}
}

// SubmitDomainAllowed reports whether rawURL's host is on the domain list
// or under a name on it.
func (s *Gate) SubmitDomainAllowed(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	host := asciiHost(u.Hostname())
	for _, d := range s.submitDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// asciiHost returns host lower-cased, without a trailing dot, and in its
// ASCII (punycode) form when it has one, so that 例子.cn and
// xn--fsqu00a.cn match.
func asciiHost(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if a, err := idna.Lookup.ToASCII(host); err == nil {
		return a
	}
	return host
}

// cleanDomains lower-cases the names of a domain list and drops empty ones
// and their leading and trailing dots.
func cleanDomains(list []string) []string {
	var out []string
	for _, d := range list {
		if d = asciiHost(strings.Trim(strings.TrimSpace(d), ".")); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// CSRF is the CSRF token of the session that sent the request, or "" when
// none did (a token or nobody).
func (id Identity) CSRF() string {
	if id.session == nil {
		return ""
	}
	return id.session.CSRFToken
}
