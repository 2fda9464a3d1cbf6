package auth

import (
	"log/slog"
	"net/http"
	"time"
)

// Gate identifies requests and checks their access; it also serves the
// login and logout routes. It is safe for concurrent use.
type Gate struct {
	auth          Credentials
	log           *slog.Logger
	readAccess    ReadAccess
	behindTLS     bool
	sessionTTL    time.Duration
	anon          AnonymousSubmit
	submitDomains []string      // anon.Domains, cleaned
	loginLimit    *limiter      // login attempts per client and in all
	hashSlots     chan struct{} // password checks running at once
	submitLimit   *limiter      // anonymous submissions per client

	fail      func(w http.ResponseWriter, r *http.Request, code int, errCode, msg string)
	internal  func(w http.ResponseWriter, r *http.Request, err error)
	showLogin func(w http.ResponseWriter, r *http.Request, code int, f LoginForm)
	parseForm func(w http.ResponseWriter, r *http.Request) bool
}

// Config is what NewGate needs. Credentials and the four answering
// functions are required.
type Config struct {
	Credentials     Credentials
	Logger          *slog.Logger
	ReadAccess      ReadAccess // ReadPublic or ReadPrivate
	BehindTLS       bool       // mark the session cookie Secure on every response
	SessionTTL      time.Duration
	AnonymousSubmit AnonymousSubmit

	// Fail answers an error: JSON for the API, an error page otherwise.
	Fail func(w http.ResponseWriter, r *http.Request, code int, errCode, msg string)
	// Internal logs err and answers 500.
	Internal func(w http.ResponseWriter, r *http.Request, err error)
	// ShowLogin renders the login page.
	ShowLogin func(w http.ResponseWriter, r *http.Request, code int, f LoginForm)
	// ParseForm reads a urlencoded form of limited size; false means it
	// has answered.
	ParseForm func(w http.ResponseWriter, r *http.Request) bool
}

// NewGate returns a Gate. A zero SessionTTL means DefaultSessionTTL; a zero
// AnonymousSubmit.PerHour means 10.
func NewGate(cfg Config) *Gate {
	s := &Gate{
		auth: cfg.Credentials, log: cfg.Logger, readAccess: cfg.ReadAccess, behindTLS: cfg.BehindTLS, sessionTTL: cfg.SessionTTL,
		anon: cfg.AnonymousSubmit, submitDomains: cleanDomains(cfg.AnonymousSubmit.Domains),
		// 5 failed logins a minute from one address, 60 a minute in all
		// from addresses that have failed: enough for a person who
		// mistypes, too few to guess a password. Successes cost nothing,
		// and an address with no failures is never refused, so others
		// cannot lock the admin out. The argon2 work anyone can cause is
		// bounded by hashSlots: two checks (some 46 MiB each) at once.
		loginLimit: newLimiter(12*time.Second, 5, time.Second, 20),
		hashSlots:  make(chan struct{}, 2),
		fail:       cfg.Fail, internal: cfg.Internal, showLogin: cfg.ShowLogin, parseForm: cfg.ParseForm,
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = DefaultSessionTTL
	}
	if s.anon.PerHour <= 0 {
		s.anon.PerHour = 10
	}
	s.submitLimit = newLimiter(time.Hour/time.Duration(s.anon.PerHour), s.anon.PerHour, 0, 0)
	return s
}

// SubmitPerHour is how many URLs an anonymous client may submit an hour.
func (s *Gate) SubmitPerHour() int { return s.anon.PerHour }
