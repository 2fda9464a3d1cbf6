package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/auth"
	"github.com/newsvault/newsvault/internal/store"
)

// login posts the login form as a browser would and returns the answer.
func (e *env) login(password, next string, header ...string) *http.Response {
	e.t.Helper()
	form := url.Values{"username": {"admin"}, "password": {password}, "next": {next}}
	resp, _ := e.anon("POST", "/login", strings.NewReader(form.Encode()),
		append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
	return resp
}

// session starts a new admin session without the login form.
func (e *env) session() who {
	e.t.Helper()
	secret, sess, err := e.srv.gate.NewSession(context.Background(), auth.Admin)
	if err != nil {
		e.t.Fatal(err)
	}
	return who{cookie: secret, csrf: sess.CSRFToken}
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// sentToLogin reports whether resp sends a browser to the login page.
func sentToLogin(resp *http.Response) bool {
	return resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
}

// refused reports whether resp refuses the request for lack of authority:
// 401, 403 or a redirect to the login page.
func refused(resp *http.Response) bool {
	return resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || sentToLogin(resp)
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// routePath is a request path for a route pattern, with 1 for every
// parameter.
func routePath(pattern string) string {
	return strings.TrimSuffix(pathParam.ReplaceAllString(pattern, "1"), "{$}")
}

func safeMethod(m string) bool { return m == "" || m == "GET" || m == "HEAD" }

// mutatingRoutes are the routes of a fresh server whose method changes
// state: every one of them, so that a route added later is checked too.
func mutatingRoutes(t *testing.T, e *env) []route {
	t.Helper()
	var out []route
	for _, r := range e.srv.routes {
		if !safeMethod(r.Method) {
			out = append(out, r)
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d mutating routes: %+v", len(out), e.srv.routes)
	}
	return out
}

func TestEveryRouteThatChangesStateNeedsAuthority(t *testing.T) {
	e := newEnv(t, envOptions{})
	src := e.source(archive.Source{Kind: archive.KindFeed, FeedURL: "https://feeds.example.com/rss.xml", Title: "例子"})
	if src.ID != 1 {
		t.Fatalf("source id %d, want 1 (the routes are tried with id 1)", src.ID)
	}
	for _, r := range e.srv.routes {
		switch {
		case r.Method == "POST" && r.Pattern == "/login":
			if r.Access != accessOpen {
				t.Errorf("POST /login has access %s", r.Access)
			}
		case !safeMethod(r.Method) && r.Access != accessWrite && r.Access != accessSubmit:
			t.Errorf("%s %s changes state but has access %s", r.Method, r.Pattern, r.Access)
		case safeMethod(r.Method) && r.Access == accessWrite:
			t.Errorf("%s %s is a read with write access: reads must not change state", r.Method, r.Pattern)
		}
	}
	for _, r := range mutatingRoutes(t, e) {
		if r.Pattern == "/login" {
			continue
		}
		name := r.Method + " " + r.Pattern
		path := routePath(r.Pattern)
		api := strings.HasPrefix(path, "/api/")
		t.Run(name, func(t *testing.T) {
			// Anonymous: 401 with a Bearer challenge from the API, a trip
			// to the login page from the pages.
			resp, body := e.anon(r.Method, path, strings.NewReader("{}"), "Content-Type", "application/json")
			if api {
				var ae apiError
				jsonUnmarshal(body, &ae)
				if resp.StatusCode != http.StatusUnauthorized || ae.Error.Code != "unauthorized" ||
					!strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("anonymous: %d %v %s", resp.StatusCode, resp.Header, body)
				}
			} else if !sentToLogin(resp) {
				t.Errorf("anonymous: %d %s, want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
			}

			// A session without its CSRF token, or with another one: 403.
			s := e.session()
			for _, tok := range []string{"", "not-the-token", e.admin.csrf} {
				form := url.Values{"urls": {"x"}}
				if tok != "" {
					form.Set(csrfField, tok)
				}
				resp, _ := e.send(who{cookie: s.cookie}, r.Method, path, strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("session with CSRF token %q: %d, want 403", tok, resp.StatusCode)
				}
			}

			// A session with its token, in the form (POST forms) or the
			// header: let through, whatever the handler then says of the
			// body.
			if r.Method == "POST" && !api {
				form := url.Values{csrfField: {s.csrf}}
				resp, _ := e.send(who{cookie: s.cookie}, r.Method, path, strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
				if refused(resp) {
					t.Errorf("session with the CSRF token in the form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
				}
			}
			resp, _ = e.send(e.session(), r.Method, path, strings.NewReader("{}"), "Content-Type", "application/json")
			if refused(resp) {
				t.Errorf("session with the CSRF token in %s: %d %s", csrfHeader, resp.StatusCode, resp.Header.Get("Location"))
			}

			// A bearer token needs no CSRF token.
			resp, _ = e.send(who{bearer: e.token}, r.Method, path, strings.NewReader("{}"), "Content-Type", "application/json")
			if refused(resp) {
				t.Errorf("bearer token: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

func TestLoginSetsAHardenedSessionCookie(t *testing.T) {
	for _, tc := range []struct {
		name      string
		behindTLS bool
	}{{"over plain HTTP the cookie is not Secure", false}, {"behind TLS the cookie is Secure", true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{behindTLS: tc.behindTLS})
			resp := e.login(testPassword, "/sources?x=1")
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sources?x=1" {
				t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			c := cookieNamed(resp, sessionCookie)
			if c == nil {
				t.Fatalf("no session cookie in %v", resp.Header["Set-Cookie"])
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tc.behindTLS ||
				c.MaxAge < 29*24*3600 || c.MaxAge > 31*24*3600 {
				t.Errorf("cookie %s", resp.Header.Get("Set-Cookie"))
			}
			if len(c.Value) < 43 {
				t.Errorf("session ID %q is shorter than 256 bits", c.Value)
			}
			// The store keeps the hash, not the ID.
			if _, err := e.store.Session(t.Context(), auth.HashSecret(c.Value), time.Now()); err != nil {
				t.Errorf("the session is not stored under its hash: %v", err)
			}
			if _, err := e.store.Session(t.Context(), c.Value, time.Now()); err == nil {
				t.Error("the session ID itself is a key in the store")
			}
			// The cookie signs the browser in.
			resp, _ = e.send(who{cookie: c.Value}, "GET", "/add", nil)
			if resp.StatusCode != 200 {
				t.Errorf("GET /add with the new session: %d", resp.StatusCode)
			}
		})
	}
}

// logBuffer is a slog handler's output, safe to read while the server
// writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestAWrongPasswordIsRefusedAndLoggedWithoutIt(t *testing.T) {
	var logs logBuffer
	e := newEnv(t, envOptions{log: slog.New(slog.NewTextHandler(&logs, nil))})
	for _, tc := range []struct{ user, password string }{
		{"admin", "wrong password 12345"},
		{"admin", ""},
		{"root", testPassword},
	} {
		form := url.Values{"username": {tc.user}, "password": {tc.password}}
		resp, body := e.anon("POST", "/login", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
		if resp.StatusCode != http.StatusUnauthorized || cookieNamed(resp, sessionCookie) != nil {
			t.Errorf("%s/%q: %d %v", tc.user, tc.password, resp.StatusCode, resp.Header["Set-Cookie"])
		}
		doc, _ := html.Parse(bytes.NewReader(body))
		if got := textOf(query(doc, "form[action=/login] p.error")); got != "Wrong password." {
			t.Errorf("%s/%q: error %q", tc.user, tc.password, got)
		}
	}
	if n := strings.Count(logs.String(), "login failed"); n != 3 {
		t.Errorf("%d failed logins logged, want 3:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "wrong password 12345") || strings.Contains(logs.String(), testPassword) {
		t.Errorf("a password is in the log:\n%s", logs.String())
	}
}

func TestLoginAttemptsAreRateLimitedPerClient(t *testing.T) {
	e := newEnv(t, envOptions{})
	for i := range 5 {
		if resp := e.login("not the password!", "/"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
		}
	}
	// Even the right password waits now.
	resp := e.login(testPassword, "/")
	if resp.StatusCode != http.StatusTooManyRequests || cookieNamed(resp, sessionCookie) != nil {
		t.Fatalf("sixth attempt: %d, want 429", resp.StatusCode)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	// Signed-in requests are not affected.
	if resp, _ := e.do("GET", "/add", nil); resp.StatusCode != 200 {
		t.Errorf("a signed-in page during the lockout: %d", resp.StatusCode)
	}
}

func TestTheFormsCarryTheSessionsCSRFToken(t *testing.T) {
	e := newEnv(t, envOptions{})
	src := e.source(archive.Source{Kind: archive.KindFeed, FeedURL: "https://feeds.example.com/a.xml", Title: "甲"})
	resp := e.login(testPassword, "/add")
	c := cookieNamed(resp, sessionCookie)
	if resp.StatusCode != http.StatusSeeOther || c == nil {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	sess, err := e.store.Session(t.Context(), auth.HashSecret(c.Value), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	browser := who{cookie: c.Value} // no X-CSRF-Token header: only what the page gives
	for _, path := range []string{"/add", "/sources/" + itoa(src.ID), "/"} {
		_, body := e.send(browser, "GET", path, nil)
		doc, _ := html.Parse(bytes.NewReader(body))
		forms := queryAll(doc, "form[method=post]")
		if len(forms) == 0 {
			t.Errorf("%s: no forms", path)
		}
		for _, f := range forms {
			in := query(f, "input[type=hidden][name=csrf_token]")
			if in == nil || attr(in, "value") != sess.CSRFToken {
				t.Errorf("%s: form %s does not carry the session's CSRF token", path, attr(f, "action"))
			}
		}
	}
	form := url.Values{"feed_url": {"https://feeds.example.com/b.xml"}, csrfField: {sess.CSRFToken}}
	resp, _ = e.send(browser, "POST", "/add/feed", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/sources/") {
		t.Errorf("follow with the form's token: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	form.Set("feed_url", "https://feeds.example.com/c.xml")
	form.Del(csrfField)
	resp, _ = e.send(browser, "POST", "/add/feed", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("follow without the token: %d, want 403", resp.StatusCode)
	}
	// Another session's token is no good either.
	form.Set(csrfField, e.admin.csrf)
	resp, _ = e.send(browser, "POST", "/add/feed", strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("follow with another session's token: %d, want 403", resp.StatusCode)
	}
	if _, err := e.store.SourceByKey(t.Context(), "https://feeds.example.com/c.xml"); err == nil {
		t.Error("a post without the CSRF token followed a feed")
	}
}

func TestCrossOriginWritesAreRefusedEvenWhenSignedIn(t *testing.T) {
	e := newEnv(t, envOptions{})
	form := url.Values{"feed_url": {"https://feeds.example.com/rss.xml"}, csrfField: {e.admin.csrf}}.Encode()
	for _, tc := range []struct {
		name   string
		as     who
		header []string
	}{
		{"a session's form post from another site", e.admin, []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}},
		{"a session's post from an old browser that sends only Origin", e.admin, []string{"Origin", "https://evil.example"}},
		{"a bearer request from a page on another site", who{bearer: e.token}, []string{"Sec-Fetch-Site", "cross-site"}},
	} {
		resp, _ := e.send(tc.as, "POST", "/add/feed", strings.NewReader(form),
			append([]string{"Content-Type", "application/x-www-form-urlencoded"}, tc.header...)...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, resp.StatusCode)
		}
	}
	if srcs, _ := e.store.Sources(t.Context()); len(srcs) != 0 {
		t.Errorf("a cross-origin post followed a feed: %+v", srcs)
	}
}

func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := cookieNamed(e.login(testPassword, "/"), sessionCookie)
	sess, err := e.store.Session(t.Context(), auth.HashSecret(c.Value), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	browser := who{cookie: c.Value, csrf: sess.CSRFToken}
	// GET /logout does nothing: logging out changes state.
	if resp, _ := e.send(browser, "GET", "/logout", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout: %d, want 405", resp.StatusCode)
	}
	resp, _ := e.send(browser, "POST", "/logout", strings.NewReader(url.Values{csrfField: {sess.CSRFToken}}.Encode()),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if gone := cookieNamed(resp, sessionCookie); gone == nil || gone.MaxAge >= 0 {
		t.Errorf("logout does not clear the cookie: %v", resp.Header["Set-Cookie"])
	}
	// A copy of the old cookie no longer signs in.
	if _, err := e.store.Session(t.Context(), sess.IDHash, time.Now()); err == nil {
		t.Error("the session is still stored")
	}
	resp, _ = e.send(browser, "GET", "/add", nil)
	if !sentToLogin(resp) {
		t.Errorf("the old cookie after logout: %d", resp.StatusCode)
	}
	resp, _ = e.send(browser, "POST", "/api/v1/sources", strings.NewReader(`{"feed_url":"https://feeds.example.com/x.xml"}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an API write with the old cookie: %d, want 401", resp.StatusCode)
	}
}

func TestAPasswordChangeEndsEverySessionAndAnExpiredSessionIsRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	if resp, _ := e.do("GET", "/add", nil); resp.StatusCode != 200 {
		t.Fatalf("before: %d", resp.StatusCode)
	}
	hash, _ := auth.HashPassword("a brand new password", cheapArgon)
	if err := e.store.SetPassword(t.Context(), auth.Admin, hash); err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do("GET", "/add", nil); !sentToLogin(resp) {
		t.Errorf("a session from before the password change: %d", resp.StatusCode)
	}
	if resp := e.login(testPassword, "/"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old password: %d", resp.StatusCode)
	}
	if resp := e.login("a brand new password", "/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the new password: %d", resp.StatusCode)
	}

	past := time.Now().Add(-time.Hour)
	secret := auth.NewSecret()
	if err := e.store.CreateSession(t.Context(), store.Session{IDHash: auth.HashSecret(secret), User: auth.Admin, CSRFToken: "t",
		CreatedAt: past.Add(-31 * 24 * time.Hour), LastSeenAt: past.Add(-30 * 24 * time.Hour), ExpiresAt: past}); err != nil {
		t.Fatal(err)
	}
	resp, _ := e.send(who{cookie: secret}, "GET", "/add", nil)
	if !sentToLogin(resp) {
		t.Errorf("an expired session: %d", resp.StatusCode)
	}
	if c := cookieNamed(resp, sessionCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("the expired session's cookie is not cleared: %v", resp.Header["Set-Cookie"])
	}
}

func TestUsingASessionMovesItsExpiry(t *testing.T) {
	e := newEnv(t, envOptions{})
	secret := auth.NewSecret()
	now := time.Now()
	if err := e.store.CreateSession(t.Context(), store.Session{IDHash: auth.HashSecret(secret), User: auth.Admin, CSRFToken: "t",
		CreatedAt: now.Add(-29 * 24 * time.Hour), LastSeenAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	resp, _ := e.send(who{cookie: secret}, "GET", "/", nil)
	if c := cookieNamed(resp, sessionCookie); resp.StatusCode != 200 || c == nil || c.MaxAge < 29*24*3600 {
		t.Errorf("a page: %d, cookie %v", resp.StatusCode, resp.Header["Set-Cookie"])
	}
	sess, err := e.store.Session(t.Context(), auth.HashSecret(secret), now)
	if err != nil {
		t.Fatal(err)
	}
	if sess.ExpiresAt.Before(now.Add(29*24*time.Hour)) || sess.LastSeenAt.Before(now.Add(-time.Minute)) {
		t.Errorf("expiry %v, last seen %v: not moved on", sess.ExpiresAt, sess.LastSeenAt)
	}
}

func TestRevokedAndUnknownTokensAreRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	tok := e.newToken("ci")
	create := func(as who, feed string) *http.Response {
		resp, _ := e.send(as, "POST", "/api/v1/sources", strings.NewReader(`{"feed_url":"`+feed+`"}`), "Content-Type", "application/json")
		return resp
	}
	if resp := create(who{bearer: tok}, "https://feeds.example.com/1.xml"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("with the token: %d", resp.StatusCode)
	}
	toks, _ := e.store.APITokens(t.Context())
	var id int64
	for _, x := range toks {
		if x.Name == "ci" {
			id = x.ID
			if x.LastUsedAt.IsZero() {
				t.Error("the token's last use is not recorded")
			}
		}
	}
	if err := e.store.RevokeAPIToken(t.Context(), id, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		as   who
	}{
		{"a revoked token", who{bearer: tok}},
		{"an unknown token", who{bearer: auth.NewToken()}},
		{"a token's hash", who{bearer: auth.HashSecret(e.token)}},
	} {
		resp := create(tc.as, "https://feeds.example.com/2.xml")
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%s: %d %q", tc.name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		// A bad token is refused even where no token is needed: the
		// client meant to sign in.
		if resp, _ := e.send(tc.as, "GET", "/api/v1/articles", nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s on a public read: %d", tc.name, resp.StatusCode)
		}
	}
	if resp, _ := e.anon("GET", "/api/v1/articles", nil, "Authorization", "Basic YWRtaW46eA=="); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Basic credentials: %d", resp.StatusCode)
	}
}

// openRoutes may be read by anyone even when reads are private.
var openRoutes = map[string]bool{
	"GET /healthz": true, "GET /login": true, "GET /static/{file}": true, "GET /favicon.ico": true, "GET /api/v1/openapi.json": true,
}

func TestPrivateReadsNeedALoginAndPublicReadsDoNot(t *testing.T) {
	private := newEnv(t, envOptions{private: true})
	public := newEnv(t, envOptions{})
	for _, e := range []*env{private, public} {
		src := e.source(archive.Source{Kind: archive.KindFeed, FeedURL: "https://feeds.example.com/rss.xml", Title: "例子"})
		e.write(article{url: "https://example.com/1", source: src.ID, title: "第一篇", html: "<p>正文</p>"})
	}
	for _, r := range private.srv.routes {
		if !safeMethod(r.Method) || r.Method == "" {
			continue
		}
		name := r.Method + " " + r.Pattern
		path := routePath(r.Pattern)
		if r.Pattern == "/static/{file}" {
			path = "/static/style.css"
		}
		t.Run(name, func(t *testing.T) {
			if openRoutes[name] != (r.Access == accessOpen) {
				t.Fatalf("access %s; open routes are %v", r.Access, openRoutes)
			}
			resp, _ := private.anon("GET", path, nil)
			if openRoutes[name] {
				if refused(resp) {
					t.Errorf("private, anonymous: %d, want it open", resp.StatusCode)
				}
				return
			}
			if strings.HasPrefix(path, "/api/") || path == "/metrics" || strings.HasPrefix(path, "/assets/") {
				if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("private, anonymous: %d %v, want 401", resp.StatusCode, resp.Header)
				}
			} else if !sentToLogin(resp) || resp.Header.Get("Location") != "/login?next="+url.QueryEscape(path) {
				t.Errorf("private, anonymous: %d %s, want a redirect to the login page and back", resp.StatusCode, resp.Header.Get("Location"))
			}
			for _, as := range []who{private.admin, {bearer: private.token}} {
				if resp, _ := private.send(as, "GET", path, nil); refused(resp) {
					t.Errorf("private, signed in (%v): %d", as.bearer != "", resp.StatusCode)
				}
			}
			// Public: anyone reads; only the operator's add page, job
			// list and OPML export want a login.
			resp, _ = public.anon("GET", path, nil)
			if refused(resp) != (r.Access == accessSubmit || r.Access == accessSignedIn) {
				t.Errorf("public, anonymous (access %s): %d %s", r.Access, resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
	resp, body := public.anon("GET", "/", nil)
	doc, _ := html.Parse(bytes.NewReader(body))
	if resp.StatusCode != 200 || len(queryAll(doc, "ol.articles li.item")) != 1 || query(doc, "a.login[href=/login]") == nil || query(doc, "nav a[href=/add]") != nil {
		t.Errorf("public front page, anonymous: %d, %d articles, login link %v, add link %v", resp.StatusCode,
			len(queryAll(doc, "ol.articles li.item")), query(doc, "a.login") != nil, query(doc, "nav a[href=/add]") != nil)
	}
	// A private archive's images are not for shared caches.
	img := private.image(7)
	private.write(article{url: "https://example.com/img", title: "图", html: `<img src="/assets/` + img.Asset.Hash + `">`, assets: []store.AssetRef{img}})
	resp, _ = private.send(who{bearer: private.token}, "GET", "/assets/"+img.Asset.Hash, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "private") {
		t.Errorf("private asset: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	resp, _ = public.anon("GET", "/", nil)
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "private") {
		t.Errorf("pages may be kept by shared caches: %q", cc)
	}
}

func TestTheLoginNextParameterStaysOnThisSite(t *testing.T) {
	// localPath itself is tested in package auth.
	e := newEnv(t, envOptions{})
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example"} {
		resp := e.login(testPassword, next)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("login with next=%q: %d %s", next, resp.StatusCode, resp.Header.Get("Location"))
		}
		_, body := e.anon("GET", "/login?next="+url.QueryEscape(next), nil)
		doc, _ := html.Parse(bytes.NewReader(body))
		if got := attr(mustQuery(t, doc, "form[action=/login] input[name=next]"), "value"); got != "/" {
			t.Errorf("login page with next=%q keeps %q", next, got)
		}
	}
	// A signed-in browser that opens the login page goes where it wanted.
	if resp, _ := e.do("GET", "/login?next=/sources", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sources" {
		t.Errorf("login page when signed in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestAnonymousSubmissionIsOffByDefault(t *testing.T) {
	e := newEnv(t, envOptions{})
	resp, _ := e.anon("POST", "/api/v1/archive", strings.NewReader(`{"urls":["https://example.com/a"]}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API: %d, want 401", resp.StatusCode)
	}
	resp, _ = e.anon("POST", "/add/url", strings.NewReader("urls=https://example.com/a"), "Content-Type", "application/x-www-form-urlencoded")
	if !sentToLogin(resp) || resp.Header.Get("Location") != "/login?next=%2Fadd" {
		t.Errorf("form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestAnonymousSubmissionObeysItsRateAndDomainList(t *testing.T) {
	pages := articlePages(t)
	e := newEnv(t, envOptions{anonymous: AnonymousSubmit{Enabled: true, PerHour: 3, Domains: []string{"127.0.0.1", "Example.COM"}}})
	archiveAPI := func(as who, urls ...string) (*http.Response, apiError) {
		b, _ := json.Marshal(map[string]any{"urls": urls})
		resp, body := e.send(as, "POST", "/api/v1/archive", bytes.NewReader(b), "Content-Type", "application/json")
		var ae apiError
		jsonUnmarshal(body, &ae)
		return resp, ae
	}
	// Off the list: refused, and it uses none of the allowance.
	for _, u := range []string{"https://evil.example/a", "https://notexample.com/a", "https://example.com.evil.example/a"} {
		if resp, ae := archiveAPI(anonymous, u); resp.StatusCode != http.StatusForbidden || ae.Error.Code != "forbidden_domain" {
			t.Errorf("%s: %d %+v", u, resp.StatusCode, ae)
		}
	}
	// The page form is offered without the operator's forms.
	_, doc := e.anonPage("/add")
	if query(doc, "form[action=/add/url]") == nil || query(doc, "form[action=/add/feed]") != nil || query(doc, "form[action=/add/opml]") != nil {
		t.Error("the anonymous add page should offer only the URL form")
	}
	if query(doc, "nav a[href=/add]") == nil {
		t.Error("no Add link for anonymous submitters")
	}
	// On the list: 3 URLs an hour from one address, by form or API.
	resp, _ := e.anon("POST", "/add/url", strings.NewReader(url.Values{"urls": {pages.URL + "/news/1.html"}}.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/jobs/") {
		t.Errorf("anonymous form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, ae := archiveAPI(anonymous, pages.URL+"/news/2.html", pages.URL+"/news/1.html"); resp.StatusCode != http.StatusAccepted {
		t.Errorf("anonymous API: %d %+v", resp.StatusCode, ae)
	}
	resp, ae := archiveAPI(anonymous, pages.URL+"/news/2.html")
	if resp.StatusCode != http.StatusTooManyRequests || ae.Error.Code != "rate_limited" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("the fourth URL in an hour: %d %+v %q", resp.StatusCode, ae, resp.Header.Get("Retry-After"))
	}
	resp, body := e.anon("POST", "/add/url", strings.NewReader(url.Values{"urls": {pages.URL + "/news/1.html"}}.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "3 URLs an hour") {
		t.Errorf("the fifth by form: %d", resp.StatusCode)
	}
	// The signed-in are not limited, and not held to the list.
	if resp, ae := archiveAPI(who{bearer: e.token}, pages.URL+"/news/2.html", "http://localhost:1/a"); resp.StatusCode != http.StatusAccepted {
		t.Errorf("with a token: %d %+v", resp.StatusCode, ae)
	}
	// Everything else still needs a login.
	resp, _ = e.anon("POST", "/api/v1/sources", strings.NewReader(`{"feed_url":"https://example.com/rss"}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous feed: %d", resp.StatusCode)
	}

	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"https://example.com/a", true},
		{"https://www.example.com/a", true},
		{"https://WWW.EXAMPLE.COM./a", true},
		{"https://example.com:8443/a", true},
		{"https://badexample.com/a", false},
		{"https://example.com.evil.example/a", false},
		{"https://example.com@evil.example/", false},
		{"https://127.0.0.1.evil.example/", false},
	} {
		if got := e.srv.gate.SubmitDomainAllowed(tc.url); got != tc.want {
			t.Errorf("submitDomainAllowed(%s) = %v", tc.url, got)
		}
	}
}

func TestAnonymousSubmissionToAPrivateArchiveSaysWhatWasQueued(t *testing.T) {
	pages := articlePages(t)
	e := newEnv(t, envOptions{private: true, anonymous: AnonymousSubmit{Enabled: true}})
	if resp, _ := e.anon("GET", "/", nil); !sentToLogin(resp) {
		t.Errorf("front page: %d", resp.StatusCode)
	}
	resp, body := e.anon("POST", "/add/url", strings.NewReader(url.Values{"urls": {pages.URL + "/news/1.html"}}.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	doc, _ := html.Parse(bytes.NewReader(body))
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(textOf(query(doc, ".notice")), "Queued 1 page") {
		t.Errorf("anonymous submission: %d %q", resp.StatusCode, textOf(query(doc, ".notice")))
	}
	if query(doc, "ul.jobs") != nil {
		t.Error("the anonymous add page lists the archive's jobs")
	}
}

// anonPage fetches an HTML page without credentials and parses it.
func (e *env) anonPage(path string) (*http.Response, *html.Node) {
	e.t.Helper()
	resp, b := e.anon("GET", path, nil)
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, doc
}
