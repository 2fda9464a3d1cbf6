// Package render captures pages that only exist after JavaScript runs, in a
// headless Chromium, without giving the browser a network path of its own.
//
// It owns the browser: one Chromium process started lazily on the first
// capture and reused, a bounded pool of tabs, a fresh incognito browser
// context per capture, and the limits of a capture (time, page weight,
// requests, popups, dialogs, script heap). Every request the page makes is
// paused through the DevTools Fetch domain and answered with a response from
// the Fetcher it was given — newsvault's internal/fetch.Client — so the SSRF
// guard, allow-lists, per-host budget and size caps apply to every
// sub-request and redirect. The browser's own network stack is pointed at a
// proxy that is a sink (see browser.go), so anything the interception does
// not see fails instead of leaving the machine.
//
// A capture gives the rendered DOM, the raw responses the browser received,
// a full-page PNG screenshot and optionally a PDF; extraction and storing
// are the caller's.
package render

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/newsvault/newsvault/internal/fetch"
)

// Defaults of Config.
const (
	DefaultTabs          = 2
	DefaultTimeout       = 30 * time.Second
	DefaultMaxPageBytes  = 64 << 20
	DefaultMaxRequests   = 400
	DefaultMaxPopups     = 20
	DefaultMaxDialogs    = 20
	DefaultHeapMB        = 512
	DefaultQuiet         = 300 * time.Millisecond
	DefaultMaxSettle     = 5 * time.Second
	DefaultScrollSteps   = 20
	DefaultWidth         = 1280
	DefaultHeight        = 800
	DefaultMaxShotHeight = 12000
	DefaultHostBurst     = 60
)

// DefaultExecPath is where Debian installs Chromium.
const DefaultExecPath = "/usr/bin/chromium"

// Why a capture stopped. Each error a capture returns wraps one of these (or
// a fetch error for the page itself).
var (
	// ErrNoBrowser means no Chromium could be found or started; callers fall
	// back to the plain fetch.
	ErrNoBrowser = errors.New("no headless browser")
	// ErrTimeout means the page had not finished loading within the limit.
	ErrTimeout = errors.New("page still loading at the time limit")
	// ErrTooHeavy means the page's responses together passed MaxPageBytes.
	ErrTooHeavy = errors.New("page weight over the limit")
	// ErrTooManyRequests means the page asked for more than MaxRequests.
	ErrTooManyRequests = errors.New("too many requests")
	// ErrPopups means the page tried to open more than MaxPopups windows.
	ErrPopups = errors.New("too many windows opened")
	// ErrDialogs means the page opened more than MaxDialogs dialogs.
	ErrDialogs = errors.New("too many dialogs")
	// ErrCrashed means the page's renderer died, usually out of memory.
	ErrCrashed = errors.New("page crashed (out of memory?)")
)

// Fetcher is the guarded HTTP client every browser request goes through;
// *fetch.Client satisfies it.
type Fetcher interface {
	Get(ctx context.Context, req fetch.Request) (*fetch.Response, error)
}

// Config configures a Renderer. Zero fields take the defaults above.
type Config struct {
	// ExecPath is the Chromium binary; default $CHROMIUM, else
	// DefaultExecPath.
	ExecPath string
	// Tabs is how many captures run at once; more wait for a tab.
	Tabs int
	// Timeout bounds one capture, from opening the tab to the screenshot.
	Timeout time.Duration
	// MaxPageBytes caps the bytes of all responses of one capture.
	MaxPageBytes int64
	// MaxRequests caps the requests of one capture.
	MaxRequests int
	// MaxPopups and MaxDialogs: windows the page may try to open (each is
	// closed at once) and alert/confirm/prompt dialogs (each dismissed)
	// before the capture is stopped.
	MaxPopups, MaxDialogs int
	// HeapMB is the JavaScript heap limit of a page, in MiB; a page that
	// allocates past it crashes alone.
	HeapMB int
	// Quiet is how long the page must make no request and change no DOM
	// node before it counts as settled; MaxSettle bounds the wait for it
	// (a page that never settles is captured as it is then).
	Quiet, MaxSettle time.Duration
	// ScrollSteps is how many viewport heights are scrolled to load lazy
	// content.
	ScrollSteps int
	// Width and Height are the viewport; MaxShotHeight caps the
	// screenshot's height in CSS pixels.
	Width, Height, MaxShotHeight int
	// PDF asks for a PDF of the page too.
	PDF bool
	// HostBurst is how many sub-requests of one capture to the page's own
	// host go without waiting for the host's rate-limit turns (see
	// fetch.Burst): a browser asks for a page's images and scripts at
	// once, and at one request a second a page with dozens of them would
	// pass the time limit. The page itself still takes its turn, so
	// captures of one host keep to the host's rate; the requests in flight
	// to a host stay capped and every address is still checked. Default
	// DefaultHostBurst; negative allows none.
	HostBurst int
	// Logger receives debug records; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.ExecPath == "" {
		c.ExecPath = os.Getenv("CHROMIUM")
	}
	if c.ExecPath == "" {
		c.ExecPath = DefaultExecPath
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Tabs, DefaultTabs)
	def(&c.MaxRequests, DefaultMaxRequests)
	def(&c.MaxPopups, DefaultMaxPopups)
	def(&c.MaxDialogs, DefaultMaxDialogs)
	def(&c.HeapMB, DefaultHeapMB)
	def(&c.ScrollSteps, DefaultScrollSteps)
	def(&c.Width, DefaultWidth)
	def(&c.Height, DefaultHeight)
	def(&c.MaxShotHeight, DefaultMaxShotHeight)
	if c.HostBurst == 0 {
		c.HostBurst = DefaultHostBurst
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxPageBytes <= 0 {
		c.MaxPageBytes = DefaultMaxPageBytes
	}
	if c.Quiet <= 0 {
		c.Quiet = DefaultQuiet
	}
	if c.MaxSettle <= 0 {
		c.MaxSettle = DefaultMaxSettle
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Cookie is one cookie the operator gave for a site (see LoadCookies). A
// capture sends it with each request, sub-requests and redirect hops
// included, whose URL it matches (domain, path, secure, expiry), and sets
// it in the capture's fresh browser context for the page's scripts; it is
// gone with the capture.
type Cookie struct {
	Name, Value string
	// Domain is the host the cookie belongs to, without a leading dot;
	// unless HostOnly, its subdomains get it too.
	Domain   string
	HostOnly bool
	Path     string
	Secure   bool
	HTTPOnly bool
	// Expires is when it stops being sent; zero for a session cookie.
	Expires time.Time
}

// Options are the settings of one capture.
type Options struct {
	// WaitFor is a CSS selector to wait for before capturing (a site rule's
	// wait_for); the capture fails at the time limit if it never appears.
	WaitFor string
	// Cookies are the operator's cookies for the page's site
	// (Cookies.For): each goes only to the requests whose URL it matches.
	Cookies []Cookie
}

// Response is one response the browser received, as the fetcher got it.
type Response struct {
	*fetch.Response
	// ResourceType is what the browser wanted it for (Document, Image,
	// Script, XHR, Fetch…).
	ResourceType string
}

// Refusal is a request of the page that was not answered, and why.
type Refusal struct {
	URL, Reason  string
	ResourceType string
	Err          error
}

// Result is what one capture kept.
type Result struct {
	URL      string
	FinalURL string // location.href when captured (after client-side redirects)
	// HTML is the serialized DOM after scripts ran.
	HTML []byte
	// Screenshot is a PNG of the whole page (up to MaxShotHeight).
	Screenshot []byte
	// PDF is set when Config.PDF is.
	PDF []byte
	// Responses in the order they arrived, the page's first.
	Responses []Response
	// Refused are the requests not answered (blocked address, not GET,
	// over a limit…).
	Refused []Refusal
	// Popups and Dialogs count the windows closed and dialogs dismissed.
	Popups, Dialogs int
	// CookiesSentTo are the hosts the operator's cookies were sent to.
	CookiesSentTo []string
	// Burst is how many sub-requests went without waiting for their
	// host's rate-limit turn (Config.HostBurst).
	Burst   int
	Elapsed time.Duration
}

// Renderer captures pages in a shared headless browser. It is safe for
// concurrent use; Close ends the browser.
type Renderer struct {
	fetcher Fetcher
	cfg     Config
	tabs    chan struct{}

	mu      sync.Mutex
	browser *browser // nil until the first capture, or after it died
	starts  int
	closed  bool
}

// New returns a Renderer; no browser starts until the first Render.
func New(f Fetcher, cfg Config) *Renderer {
	cfg = cfg.withDefaults()
	return &Renderer{fetcher: f, cfg: cfg, tabs: make(chan struct{}, cfg.Tabs)}
}

// Available reports whether the browser binary is there, without starting
// it: nil, or an error wrapping ErrNoBrowser that says what to do.
func (r *Renderer) Available() error {
	return available(r.cfg.ExecPath)
}

// Starts is how many browser processes this Renderer has started.
func (r *Renderer) Starts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.starts
}

// Close ends the browser, if one runs. Captures after Close fail.
func (r *Renderer) Close() error {
	r.mu.Lock()
	b := r.browser
	r.browser, r.closed = nil, true
	r.mu.Unlock()
	if b != nil {
		b.close()
	}
	return nil
}

// BrowserRSS is the resident memory of the browser's processes (the main
// process and all its descendants) in bytes, 0 when none runs.
func (r *Renderer) BrowserRSS() int64 {
	r.mu.Lock()
	b := r.browser
	r.mu.Unlock()
	if b == nil {
		return 0
	}
	return treeRSS(b.pid())
}

// BrowserPSS is like BrowserRSS but counts each page shared between the
// browser's processes once (proportional set size).
func (r *Renderer) BrowserPSS() int64 {
	r.mu.Lock()
	b := r.browser
	r.mu.Unlock()
	if b == nil {
		return 0
	}
	return treePSS(b.pid())
}

// DirectAttempts counts connections the browser tried to make around the
// interception (to its sink proxy); each was refused.
func (r *Renderer) DirectAttempts() int64 {
	r.mu.Lock()
	b := r.browser
	r.mu.Unlock()
	if b == nil {
		return 0
	}
	return b.sink.attempts.Load()
}

// getBrowser returns the running browser, starting one if needed.
func (r *Renderer) getBrowser() (*browser, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, fmt.Errorf("%w: renderer closed", ErrNoBrowser)
	}
	if r.browser != nil && r.browser.alive() {
		return r.browser, nil
	}
	if r.browser != nil {
		r.cfg.Logger.Warn("render: browser died; starting a new one")
		r.browser.close()
		r.browser = nil
	}
	b, err := startBrowser(r.cfg)
	if err != nil {
		return nil, err
	}
	r.browser = b
	r.starts++
	return b, nil
}

// Render opens url in a fresh incognito tab, waits for it to load and
// settle, scrolls to load lazy content, and returns what it kept. The
// error says which limit stopped it (ErrTimeout, ErrTooHeavy…), or wraps
// the fetch error when the page itself could not be fetched.
func (r *Renderer) Render(ctx context.Context, url string, opt Options) (*Result, error) {
	select {
	case r.tabs <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("render %s: waiting for a tab: %w", url, ctx.Err())
	}
	defer func() { <-r.tabs }()
	b, err := r.getBrowser()
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", url, err)
	}
	res, err := capture(ctx, b, r.fetcher, r.cfg, url, opt)
	if err != nil {
		return res, fmt.Errorf("render %s: %w", url, err)
	}
	return res, nil
}
