// Package fetch owns newsvault's outbound HTTP: it is the one client used for
// feeds, article pages and images. It decides what may be contacted (an SSRF
// guard that checks every address at dial time), how politely (a per-host rate
// limit and a cap on concurrent requests per host, shared by all requests), how
// much is read and for how long (header, body, decompressed-size and redirect
// limits, a total and an idle timeout), and how transient failures are
// retried. Every HTTP status comes back as a Response; only transport failures
// and limits are errors.
package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultUserAgent      = "newsvault/0.1 (+https://github.com/newsvault/newsvault)"
	DefaultTimeout        = 30 * time.Second
	DefaultIdleTimeout    = 15 * time.Second
	DefaultMaxBodySize    = 32 << 20
	DefaultMaxHeaderBytes = 64 << 10
	DefaultMaxRedirects   = 5
	DefaultHostRate       = 1.0
	DefaultHostBurst      = 1
	DefaultHostConns      = 2
	DefaultRetries        = 2
	DefaultRetryBase      = time.Second
	DefaultMaxRetryAfter  = 2 * time.Minute

	// AcceptLanguage is sent with every request: newsvault archives
	// Chinese-language news and prefers simplified Chinese pages.
	AcceptLanguage = "zh-CN,zh;q=0.9,en;q=0.8"

	maxBackoff            = time.Minute
	dialTimeout           = 10 * time.Second
	tlsHandshakeTimeout   = 10 * time.Second
	responseHeaderTimeout = 20 * time.Second
)

// Sentinel errors returned (wrapped) by Client.Get; test with errors.Is.
var (
	// ErrBlockedAddress means the host resolved to an address the SSRF
	// guard refuses (loopback, private, link-local, reserved …).
	ErrBlockedAddress = errors.New("blocked address")
	// ErrTooLarge means the body exceeded MaxBodySize, counted after
	// decompression (or, for a compressed body, its size on the wire did).
	ErrTooLarge = errors.New("response body too large")
	// ErrHeaderTooLarge means the response headers exceeded MaxHeaderBytes.
	ErrHeaderTooLarge = errors.New("response headers too large")
	// ErrTimeout means an attempt took longer than Config.Timeout. It also
	// matches context.DeadlineExceeded.
	ErrTimeout = errors.New("request timed out")
	// ErrIdleTimeout means nothing arrived for Config.IdleTimeout: no
	// connection progress, no response headers, no body bytes.
	ErrIdleTimeout = errors.New("no progress")
	// ErrTooManyRedirects means the redirect chain exceeded MaxRedirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrBadScheme means the URL, or a redirect target, is not http or https.
	ErrBadScheme = errors.New("unsupported URL scheme")
	// ErrBadURL means the URL could not be parsed or has no host.
	ErrBadURL = errors.New("invalid URL")
	// ErrBadProxy means Config.Proxy is not a usable http(s) proxy URL.
	// New never fails; every Get of such a Client returns this error.
	ErrBadProxy = errors.New("invalid proxy URL")
)

// Resolver looks up the addresses of a host name. *net.Resolver satisfies it.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Config configures a Client. Zero fields take the documented defaults.
type Config struct {
	// UserAgent is sent with every request; default DefaultUserAgent.
	UserAgent string
	// Timeout bounds one attempt: connecting, redirects and reading the
	// body. Default 30s; negative means no timeout (ctx still applies).
	Timeout time.Duration
	// IdleTimeout is the longest silence allowed within an attempt: between
	// connecting, sending the request, the first byte of the response
	// headers, and each read of the body. A server that stalls fails with
	// ErrIdleTimeout; one that trickles bytes is still bounded by Timeout.
	// Default 15s; negative means none.
	IdleTimeout time.Duration
	// MaxBodySize is the most bytes read after decompression; default
	// 32 MiB. Larger bodies fail with ErrTooLarge. A compressed body may
	// also not be much larger than this on the wire.
	MaxBodySize int64
	// MaxHeaderBytes caps the response headers (status line included);
	// default 64 KiB. Larger headers fail with ErrHeaderTooLarge.
	MaxHeaderBytes int64
	// MaxRedirects is the longest redirect chain followed; default 5.
	// Negative means redirects are not followed and the 3xx response is
	// returned as is.
	MaxRedirects int
	// AllowPrivate turns the SSRF guard off: loopback, private and
	// reserved addresses may be contacted. An operator setting.
	AllowPrivate bool
	// AllowNets are ranges the guard allows although they are not public,
	// such as an internal feed server's 10.1.2.0/24; every other blocked
	// address stays blocked. An IPv4-mapped IPv6 address is judged as its
	// IPv4 address. An operator setting; see ParseNets.
	AllowNets []netip.Prefix
	// AllowAddrPort, when set, is consulted before the default policy for
	// every address about to be dialled; returning true allows it even if
	// the guard would refuse it. Returning false leaves the decision to the
	// guard. Useful to exempt one known internal service, and for tests.
	AllowAddrPort func(netip.AddrPort) bool
	// HostRate is the requests per second allowed to one host name, shared
	// by every request of the Client (redirect hops included). Default 1;
	// negative means unlimited. Hosts are keyed by name without port:
	// politeness is owed to the host, whatever port it listens on.
	HostRate float64
	// HostBurst is how many requests a host may receive back to back;
	// default 1.
	HostBurst int
	// HostConns is how many requests to one host name may be in flight at
	// once, keyed like HostRate; default 2, negative means unlimited. A
	// request waits for a free slot before it waits for its rate-limit
	// turn. Redirect hops count against the host first asked.
	HostConns int
	// Retries is how many extra attempts are made after a transient
	// failure; default 2, negative means none.
	Retries int
	// RetryBase is the first backoff; it doubles after each attempt, capped
	// at one minute. Default 1s.
	RetryBase time.Duration
	// MaxRetryAfter is the longest Retry-After honoured by waiting; a
	// longer one ends the retries and the response is returned with
	// Response.RetryAfter set. Default 2 minutes.
	MaxRetryAfter time.Duration
	// Proxy is an optional http or https proxy URL; the environment's
	// HTTP_PROXY is never used. The proxy is trusted: its own address is
	// not checked. The guard then resolves each target host itself before
	// the request and refuses it unless every address is allowed. That is
	// weaker than the dial-time check made without a proxy: the proxy does
	// its own DNS lookup, which may answer differently, so the proxy should
	// enforce its own egress policy.
	Proxy string
	// Resolver resolves host names for the guard; nil means
	// net.DefaultResolver.
	Resolver Resolver
	// Logger receives debug records about retries; nil discards them.
	Logger *slog.Logger
	// Gate, when set, is waited on before every attempt besides the
	// client's own limits: a per-host budget shared with other processes.
	Gate Gate
}

// Gate admits one request to a host when the host's shared budget allows
// and returns the func that ends it. Wait fails when ctx is done first.
type Gate interface {
	Wait(ctx context.Context, host string) (done func(), err error)
}

// Request is one GET to perform.
type Request struct {
	URL string
	// ETag is sent as If-None-Match when set.
	ETag string
	// LastModified is sent as If-Modified-Since when set.
	LastModified string
	// Accept is sent as the Accept header when set.
	Accept string
	// Jar, when set, gives the cookies sent with the request and with
	// each redirect hop (those whose domain and path match that hop's URL
	// only), and receives the cookies every response sets. The Client
	// keeps no cookies of its own; a jar is its caller's (render keeps one
	// per capture and drops it afterwards).
	Jar http.CookieJar
}

// Response is what a server answered, whatever the status.
type Response struct {
	// URL is the URL asked for; FinalURL the one answered after redirects.
	URL, FinalURL string
	Status        int
	Header        http.Header
	// Body is the decompressed body, at most Config.MaxBodySize bytes.
	Body        []byte
	ContentType string
	// FetchedAt is when the response headers arrived.
	FetchedAt time.Time
	// RetryAfter is the delay asked for by a Retry-After header (seconds or
	// HTTP date), 0 if there is none.
	RetryAfter time.Duration
	// Redirects are the redirect responses that led to this one, oldest
	// first; empty when the first URL answered.
	Redirects []Hop
	// RemoteAddr is the address (ip:port) of the server that gave the
	// final response; empty when unknown (through a proxy, it is the
	// proxy's).
	RemoteAddr string
}

// NotModified reports whether the server answered 304 Not Modified.
func (r *Response) NotModified() bool { return r.Status == http.StatusNotModified }

// OK reports whether the status is 2xx.
func (r *Response) OK() bool { return r.Status >= 200 && r.Status <= 299 }

// Client performs GETs with newsvault's policies. It is safe for concurrent
// use; share one per process so the per-host rate limit is shared too.
type Client struct {
	http          *http.Client
	userAgent     string
	maxBody       int64
	retries       int
	retryBase     time.Duration
	maxRetryAfter time.Duration
	limiters      *hostLimiters // nil when unlimited
	slots         *hostSlots    // nil when unlimited
	gate          Gate          // nil when none
	guard         *guard
	timeout       time.Duration // 0 when none
	idle          time.Duration // 0 when none
	maxHeader     int64
	log           *slog.Logger
	cfgErr        error

	// sleep waits between attempts; replaced in tests.
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a Client for cfg. It never fails: an invalid Proxy makes every
// Get fail with ErrBadProxy instead.
func New(cfg Config) *Client {
	cfg = withDefaults(cfg)
	c := &Client{
		userAgent:     cfg.UserAgent,
		maxBody:       cfg.MaxBodySize,
		retries:       cfg.Retries,
		retryBase:     cfg.RetryBase,
		maxRetryAfter: cfg.MaxRetryAfter,
		log:           cfg.Logger,
		maxHeader:     cfg.MaxHeaderBytes,
		sleep:         Sleep,
		gate:          cfg.Gate,
	}
	if cfg.HostRate > 0 {
		c.limiters = newHostLimiters(cfg.HostRate, cfg.HostBurst)
	}
	if cfg.HostConns > 0 {
		c.slots = newHostSlots(cfg.HostConns)
	}
	if cfg.Timeout > 0 {
		c.timeout = cfg.Timeout
	}
	if cfg.IdleTimeout > 0 {
		c.idle = cfg.IdleTimeout
	}

	g := &guard{
		allowPrivate: cfg.AllowPrivate,
		allowNets:    cfg.AllowNets,
		allow:        cfg.AllowAddrPort,
		resolver:     cfg.Resolver,
	}
	c.guard = g
	// Connections opened under a request's Policy allowance are never
	// pooled: a kept-alive connection to an internal address must not be
	// handed to a later request that carries no allowance for it.
	shared := c.transport(cfg, g, false)
	rt := http.RoundTripper(shared)
	if c.cfgErr == nil {
		rt = &policyRouter{shared: shared, single: c.transport(cfg, g, true)}
	}
	c.http = &http.Client{
		Transport: rt,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			return c.checkRedirect(req, via, cfg.MaxRedirects)
		},
	}
	if cfg.Timeout > 0 {
		c.http.Timeout = cfg.Timeout
	}
	return c
}

// transport builds the round tripper for cfg: dial-time guard, or the
// trusted proxy with a check before each request. Without keepAlive every
// connection serves one request. An invalid proxy is recorded in c.cfgErr.
func (c *Client) transport(cfg Config, g *guard, single bool) http.RoundTripper {
	tr := &http.Transport{
		TLSHandshakeTimeout:    tlsHandshakeTimeout,
		ResponseHeaderTimeout:  responseHeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: cfg.MaxHeaderBytes,
		ForceAttemptHTTP2:      !single,
		DisableKeepAlives:      single,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		// do asks for and undoes the encodings itself, so that every one
		// is counted against MaxBodySize the same way.
		DisableCompression: true,
		// Proxy stays nil unless configured: an HTTP_PROXY from the
		// environment would otherwise bypass the dial-time guard.
	}
	if cfg.Proxy == "" {
		tr.DialContext = g.dialContext
		return tr
	}
	pu, err := parseProxy(cfg.Proxy)
	if err != nil {
		c.cfgErr = err
		tr.DialContext = g.dialContext
		return tr
	}
	tr.Proxy = http.ProxyURL(pu)
	// Every connection goes to the trusted proxy, so dials are not
	// checked; the target is checked before each request instead.
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	tr.DialContext = d.DialContext
	return &proxyGuard{next: tr, guard: g}
}

// policyRouter sends requests whose Policy opens addresses through a
// transport that keeps no connection, the rest through the shared one.
type policyRouter struct {
	shared, single http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (p *policyRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	if PolicyFrom(req.Context()).Opens() {
		return p.single.RoundTrip(req)
	}
	return p.shared.RoundTrip(req)
}

func withDefaults(cfg Config) Config {
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = DefaultMaxBodySize
	}
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if cfg.MaxRedirects == 0 {
		cfg.MaxRedirects = DefaultMaxRedirects
	}
	if cfg.HostRate == 0 {
		cfg.HostRate = DefaultHostRate
	}
	if cfg.HostBurst <= 0 {
		cfg.HostBurst = DefaultHostBurst
	}
	if cfg.HostConns == 0 {
		cfg.HostConns = DefaultHostConns
	}
	if cfg.Retries == 0 {
		cfg.Retries = DefaultRetries
	} else if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = DefaultRetryBase
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

func parseProxy(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("proxy %q: %w: %w", raw, ErrBadProxy, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("proxy %q: %w: want http(s)://host[:port]", raw, ErrBadProxy)
	}
	return u, nil
}

// checkRedirect enforces the redirect limit, and checks each hop's target
// like a first URL (scheme, host) and refuses credentials in it, then makes
// the hop wait for its host's rate limit like a first request would. Its
// errors are reported by do as "redirect to <target>: …" (with any password
// masked by net/http).
func (c *Client) checkRedirect(req *http.Request, via []*http.Request, maxRedirects int) error {
	if maxRedirects < 0 {
		return http.ErrUseLastResponse
	}
	if len(via) > maxRedirects {
		return fmt.Errorf("after %d redirects: %w", len(via)-1, ErrTooManyRedirects)
	}
	if err := checkScheme(req.URL); err != nil {
		return err
	}
	if u := req.URL.User; u != nil {
		// Credentials the server chose would be sent as Basic auth to
		// whatever host it names: a way to log in to internal services.
		// Only a URL's own credentials, kept by a redirect within its
		// host (a relative Location inherits them), go on.
		first := via[0].URL
		if first.User == nil || first.User.String() != u.String() || first.Host != req.URL.Host {
			return fmt.Errorf("%w: credentials in a redirect target are refused", ErrBadURL)
		}
	}
	if err := c.guard.checkURLHost(req.URL); err != nil {
		return err
	}
	if err := PolicyFrom(req.Context()).checkDomain(req.URL); err != nil {
		return err
	}
	return c.limiters.wait(req.Context(), hostKey(req.URL))
}

func checkScheme(u *url.URL) error {
	switch u.Scheme {
	case "http", "https":
		return nil
	}
	return fmt.Errorf("%w %q", ErrBadScheme, u.Scheme)
}

func (c *Client) parseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	if err := c.guard.checkURLHost(u); err != nil {
		return nil, err
	}
	return u, nil
}

// Get fetches req.URL. Any HTTP status, 404 and 500 included, yields a
// Response and a nil error. An error means no usable response: a blocked
// address (ErrBlockedAddress), a DNS, connect or TLS failure, a timeout
// (ErrTimeout, ErrIdleTimeout), a body or headers over their limit
// (ErrTooLarge, ErrHeaderTooLarge), too many redirects, a non-http(s)
// scheme or an invalid URL; it wraps the matching sentinel and names the
// URL.
//
// Before every attempt Get waits for a free slot among the host's
// concurrent requests, then for the host's rate limit. Network errors
// (other than the refusals above) and statuses 429, 502, 503 and 504 are
// retried up to Config.Retries times, waiting the Retry-After the server
// asked for or else an exponential backoff. A Retry-After over
// MaxRetryAfter ends the retries and the response is returned. All waits
// end early when ctx is done.
func (c *Client) Get(ctx context.Context, req Request) (*Response, error) {
	if c.cfgErr != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, c.cfgErr)
	}
	u, err := c.parseTarget(req.URL)
	if err == nil {
		err = PolicyFrom(ctx).checkDomain(u)
	}
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	host := hostKey(u)
	for attempt := 1; ; attempt++ {
		release, err := c.slots.acquire(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
		}
		if err := c.limiters.wait(ctx, host); err != nil {
			release()
			return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
		}
		shared := func() {}
		if c.gate != nil {
			if shared, err = c.gate.Wait(ctx, host); err != nil {
				release()
				return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
			}
		}
		resp, err := c.do(ctx, u, req)
		shared()
		release()
		last := attempt > c.retries

		var wait time.Duration
		var reason string
		switch {
		case err != nil:
			if last || ctx.Err() != nil || !retryableError(err) {
				return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
			}
			wait, reason = backoff(c.retryBase, attempt), err.Error()
		case !retryableStatus(resp.Status) || last:
			return resp, nil
		case resp.RetryAfter > c.maxRetryAfter:
			return resp, nil
		default:
			wait, reason = resp.RetryAfter, "status "+strconv.Itoa(resp.Status)
			if wait == 0 {
				wait = backoff(c.retryBase, attempt)
			}
		}
		c.log.DebugContext(ctx, "fetch retry",
			slog.String("url", req.URL),
			slog.Int("attempt", attempt),
			slog.Duration("wait", wait),
			slog.String("reason", reason))
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("fetch %s: wait before retry: %w", req.URL, err)
		}
	}
}

// do performs one attempt, reading the whole (limited, decoded) body, and
// names the limit that ended it, if one did.
func (c *Client) do(ctx context.Context, u *url.URL, req Request) (*Response, error) {
	start := time.Now()
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	wd := startWatchdog(c.idle, cancel)
	defer wd.stop()
	resp, err := c.doAttempt(wd.trace(actx), u, req, wd)
	if err == nil {
		return resp, nil
	}
	// Which limit ended the attempt, if any: the idle watchdog cancels
	// actx with its own cause; net/http reports the others as text or as
	// a deadline.
	if cause := context.Cause(actx); errors.Is(cause, ErrIdleTimeout) {
		return nil, cause
	}
	if headerTooLarge(err) {
		return nil, fmt.Errorf("%w (more than %d bytes): %w", ErrHeaderTooLarge, c.maxHeader, err)
	}
	if c.timeout > 0 && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) && time.Since(start) >= c.timeout {
		return nil, fmt.Errorf("%w after %s: %w", ErrTimeout, c.timeout, err)
	}
	return nil, err
}

// headerTooLarge reports whether err is net/http's refusal of response
// headers over Transport.MaxResponseHeaderBytes. net/http has no sentinel
// for it (HTTP/1.1 formats a message, HTTP/2 has an unexported error), so
// the message is matched; TestGetLimitsTheHeaderSize pins it.
func headerTooLarge(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "server response headers exceeded") ||
		strings.Contains(msg, "response header list larger than advertised limit")
}

func (c *Client) doAttempt(ctx context.Context, u *url.URL, req Request, wd *watchdog) (*Response, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadURL, err)
	}
	hreq.Header.Set("User-Agent", c.userAgent)
	hreq.Header.Set("Accept-Language", AcceptLanguage)
	hreq.Header.Set("Accept-Encoding", acceptEncoding)
	if req.Accept != "" {
		hreq.Header.Set("Accept", req.Accept)
	}
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}

	var remote string
	hreq = hreq.WithContext(httptrace.WithClientTrace(hreq.Context(), &httptrace.ClientTrace{
		GotConn: func(ci httptrace.GotConnInfo) {
			if ci.Conn != nil {
				remote = ci.Conn.RemoteAddr().String()
			}
		},
	}))
	hc := c.http
	if req.Jar != nil {
		withJar := *c.http
		withJar.Jar = req.Jar
		hc = &withJar
	}
	hresp, err := hc.Do(hreq)
	if err != nil {
		var ue *url.Error
		if !errors.As(err, &ue) {
			return nil, err
		}
		if hresp != nil && hresp.Request != nil {
			// CheckRedirect refused a hop. Do then returns the redirect
			// (its body already closed) and the Location as sent, which
			// may be relative and may hold a password.
			target := ue.URL
			if tu, perr := hresp.Request.URL.Parse(ue.URL); perr == nil {
				target = tu.Redacted()
			}
			return nil, fmt.Errorf("redirect to %s: %w", target, ue.Err)
		}
		if tu, perr := url.Parse(ue.URL); perr == nil && tu.Redacted() != hreq.URL.Redacted() {
			// A later hop failed.
			return nil, fmt.Errorf("redirect to %s: %w", tu.Redacted(), ue.Err)
		}
		return nil, ue.Err
	}
	defer hresp.Body.Close()
	fetchedAt := time.Now()
	wd.kick()

	body, err := c.readBody(hresp, wd)
	if err != nil {
		return nil, err
	}
	return &Response{
		URL:         req.URL,
		FinalURL:    hresp.Request.URL.String(),
		Status:      hresp.StatusCode,
		Header:      hresp.Header,
		Body:        body,
		ContentType: hresp.Header.Get("Content-Type"),
		FetchedAt:   fetchedAt,
		RetryAfter:  parseRetryAfter(hresp.Header.Get("Retry-After"), fetchedAt),
		Redirects:   redirectChain(hresp),
		RemoteAddr:  remote,
	}, nil
}

// readBody reads hresp's body, undoing its Content-Encoding, as it streams:
// at most c.maxBody decoded bytes are ever held. A decoded body's
// Content-Encoding and Content-Length headers are removed, as net/http does
// for the gzip it undoes itself.
func (c *Client) readBody(hresp *http.Response, wd *watchdog) ([]byte, error) {
	var r io.Reader = &progressReader{r: hresp.Body, wd: wd}
	contentLength := hresp.ContentLength
	enc := hresp.Header.Get("Content-Encoding")
	if enc == "" || hresp.StatusCode == http.StatusNoContent || hresp.StatusCode == http.StatusNotModified {
		return limitedRead(r, contentLength, c.maxBody)
	}
	wire := &wireLimiter{r: r, left: wireLimit(c.maxBody)}
	dec, closeDec, ok, err := decoder(wire, enc)
	if err != nil {
		return nil, err
	}
	if !ok {
		// An encoding we cannot undo: the bytes are kept as they came,
		// counted against the same limit.
		return limitedRead(r, contentLength, c.maxBody)
	}
	defer closeDec()
	body, err := limitedRead(dec, -1, c.maxBody)
	if wire.err != nil {
		// Whatever the decoder made of the wire limiter's error.
		return nil, wire.err
	}
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("%w after decoding %s", err, enc)
		}
		return nil, fmt.Errorf("decode %s body: %w", enc, err)
	}
	hresp.Header.Del("Content-Encoding")
	hresp.Header.Del("Content-Length")
	return body, nil
}

// limitedRead reads at most limit bytes of r, failing with ErrTooLarge when
// the declared length (if not negative) or the actual stream is longer.
func limitedRead(r io.Reader, contentLength, limit int64) ([]byte, error) {
	if contentLength > limit {
		return nil, fmt.Errorf("%w: Content-Length %d exceeds %d", ErrTooLarge, contentLength, limit)
	}
	var buf bytes.Buffer
	if contentLength > 0 {
		buf.Grow(int(contentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if n > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// hostKey is the rate-limit key of u: its lower-case host name without port
// or trailing dot.
func hostKey(u *url.URL) string {
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}
