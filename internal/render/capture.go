package render

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdpfetch "github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/newsvault/newsvault/internal/fetch"
)

// watchScript runs in every document before its own scripts: it records
// when the DOM last changed, so a capture can wait for script-inserted text.
const watchScript = `(() => {
  window.__nvLast = Date.now();
  new MutationObserver(() => { window.__nvLast = Date.now(); })
    .observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
})();`

// scrollScript scrolls down one viewport at a time, giving lazy content
// two frames and a moment to ask for itself at each stop (intersection
// observers report after a frame is rendered, late on a busy machine),
// then back to the top.
const scrollScript = `(async (steps) => {
  const el = document.scrollingElement || document.documentElement;
  const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 50))));
  for (let i = 0; i < steps; i++) {
    window.scrollBy(0, window.innerHeight);
    await frames();
    if (window.scrollY + window.innerHeight >= el.scrollHeight) break;
  }
  await frames();
  window.scrollTo(0, 0);
  // What the scroll set off may not have shown yet: the page is quiet
  // only a while after it.
  window.__nvLast = Date.now();
  return true;
})(%d)`

const domScript = `(document.doctype ? new XMLSerializer().serializeToString(document.doctype) + "\n" : "") + document.documentElement.outerHTML`

// hopHeaders are not passed to the browser: the fetcher already undid the
// transfer and content codings, and the body's length is known.
var hopHeaders = map[string]bool{
	"Content-Encoding": true, "Content-Length": true, "Transfer-Encoding": true,
	"Connection": true, "Keep-Alive": true, "Alt-Svc": true, "Trailer": true,
	"Upgrade": true, "Proxy-Authenticate": true,
}

// session is the state of one capture.
type session struct {
	cfg     Config
	fetcher Fetcher
	ctx     context.Context // the capture's context, ended by a limit
	abort   context.CancelCauseFunc
	tabCtx  context.Context // chromedp context of the tab
	// subCtx is ctx with the page host's Burst: the context of every
	// request but the page's first.
	subCtx context.Context
	burst  *fetch.Burst
	jar    *captureJar

	requests atomic.Int64
	bytes    atomic.Int64
	inflight atomic.Int64
	lastReq  atomic.Int64 // unix nanos of the last request start or end

	mu        sync.Mutex
	res       *Result
	redirects map[string]*fetch.Response // fetched after a redirect, for the browser's re-request
	mainErr   error                      // why the page itself failed
	mainURL   string
}

func capture(parent context.Context, b *browser, f Fetcher, cfg Config, url string, opt Options) (*Result, error) {
	start := time.Now()
	tabCtx, closeTab := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	defer closeTab()

	cctx, abort := context.WithCancelCause(parent)
	defer abort(nil)
	cctx, cancelT := context.WithTimeoutCause(cctx, cfg.Timeout, fmt.Errorf("%w (%s)", ErrTimeout, cfg.Timeout))
	defer cancelT()
	// Commands run on the tab under the capture's limits.
	run, cancelRun := context.WithCancelCause(tabCtx)
	defer cancelRun(nil)
	stop := context.AfterFunc(cctx, func() { cancelRun(context.Cause(cctx)) })
	defer stop()

	burst := fetch.NewBurst(fetch.HostOf(url), cfg.HostBurst)
	s := &session{
		cfg: cfg, fetcher: f, ctx: cctx, abort: abort, tabCtx: run,
		subCtx: fetch.WithBurst(cctx, burst), burst: burst, jar: newCaptureJar(opt.Cookies),
		res:       &Result{URL: url},
		redirects: map[string]*fetch.Response{},
		mainURL:   url,
	}
	s.lastReq.Store(time.Now().UnixNano())

	err := s.do(run, b, url, opt)
	s.res.Elapsed = time.Since(start)
	if err != nil {
		if cause := context.Cause(cctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return s.result(), cause
		}
		if parent.Err() != nil {
			return s.result(), parent.Err()
		}
		s.mu.Lock()
		mainErr := s.mainErr
		s.mu.Unlock()
		if mainErr != nil {
			return s.result(), mainErr
		}
		return s.result(), err
	}
	return s.result(), nil
}

func (s *session) result() *Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := *s.res
	r.CookiesSentTo = s.jar.sentTo()
	r.Burst = max(s.cfg.HostBurst, 0) - s.burst.Left()
	return &r
}

func (s *session) do(run context.Context, b *browser, url string, opt Options) error {
	t0 := time.Now()
	var phases []any
	mark := func(name string) { phases = append(phases, name, time.Since(t0).Round(time.Millisecond)) }
	defer func() { s.cfg.Logger.Debug("render: phases", append([]any{"url", url}, phases...)...) }()
	// Opening the tab creates its target; listeners need it.
	if err := chromedp.Do(run); err != nil {
		return fmt.Errorf("open tab: %w", err)
	}
	mark("tab")
	tabID := chromedp.FromContext(run).Target.TargetID
	if err := chromedp.Listen(run, s.onEvent); err != nil {
		return err
	}
	// Popups: closed as soon as they appear, counted.
	if err := chromedp.ListenBrowser(run, func(ev any) {
		if e, ok := ev.(*target.EventTargetCreated); ok && e.TargetInfo != nil && e.TargetInfo.OpenerID == tabID {
			go s.closePopup(e.TargetInfo.TargetID)
		}
	}); err != nil {
		return err
	}
	steps := []chromedp.Action[chromedp.Void]{
		call(cdpfetch.Enable, cdpfetch.EnableParams{Patterns: []*cdpfetch.RequestPattern{{URLPattern: "*", RequestStage: cdpfetch.RequestStageRequest}}}),
		call(network.Enable, network.EnableParams{}),
		call(network.SetBypassServiceWorker, network.SetBypassServiceWorkerParams{Bypass: true}),
		call(network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}),
		call(network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{
			{URLPattern: "ws://*:*/*", Block: true}, {URLPattern: "wss://*:*/*", Block: true},
		}}),
		call(page.Enable, page.EnableParams{}),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: watchScript})
			return err
		}),
		chromedp.EmulateViewport(int64(s.cfg.Width), int64(s.cfg.Height)),
	}
	if len(opt.Cookies) > 0 {
		// For the page's scripts (document.cookie); the requests get
		// theirs from the capture's jar, as the browser's own cookie
		// store never sees the network.
		var cs []*network.CookieParam
		for _, c := range opt.Cookies {
			path := c.Path
			if path == "" {
				path = "/"
			}
			p := &network.CookieParam{Name: c.Name, Value: c.Value, Path: path, Secure: c.Secure, HTTPOnly: c.HTTPOnly}
			if c.HostOnly {
				scheme := "http://"
				if c.Secure {
					scheme = "https://"
				}
				p.URL = scheme + c.Domain + path
			} else {
				p.Domain = "." + c.Domain
			}
			cs = append(cs, p)
		}
		steps = append(steps, call(network.SetCookies, network.SetCookiesParams{Cookies: cs}))
	}
	if err := chromedp.Do(run, steps...); err != nil {
		return fmt.Errorf("prepare tab: %w", err)
	}
	mark("prepared")
	if err := chromedp.Do(run, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	mark("loaded")
	if opt.WaitFor != "" {
		if err := chromedp.Do(run, chromedp.WaitReady(chromedp.CSS(opt.WaitFor))); err != nil {
			return fmt.Errorf("wait for %q: %w", opt.WaitFor, err)
		}
	}
	s.settle(run)
	mark("settled")
	if _, err := chromedp.Run(run, chromedp.Evaluate[bool](fmt.Sprintf(scrollScript, s.cfg.ScrollSteps), chromedp.EvalAwaitPromise)); err != nil {
		// A client-side redirect may replace the document under the
		// scroll; settle on the new one and scroll it once more.
		if s.ctx.Err() != nil {
			return err
		}
		s.settle(run)
		if _, err := chromedp.Run(run, chromedp.Evaluate[bool](fmt.Sprintf(scrollScript, s.cfg.ScrollSteps), chromedp.EvalAwaitPromise)); err != nil {
			return fmt.Errorf("scroll: %w", err)
		}
	}
	mark("scrolled")
	s.settle(run)
	mark("settled again")
	if err := s.ctx.Err(); err != nil {
		return err
	}
	defer mark("kept")
	return s.keep(run)
}

// keep reads the DOM, the location, the screenshot and the PDF.
func (s *session) keep(run context.Context) error {
	html, err := chromedp.Run(run, chromedp.Evaluate[string](domScript))
	if err != nil {
		return fmt.Errorf("read DOM: %w", err)
	}
	loc, err := chromedp.Run(run, chromedp.Location())
	if err != nil {
		return fmt.Errorf("read location: %w", err)
	}
	shot, err := chromedp.Run(run, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		m, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		w, h := float64(s.cfg.Width), float64(s.cfg.Height)
		if m.CSSContentSize != nil {
			w = max(w, m.CSSContentSize.Width)
			h = max(h, m.CSSContentSize.Height)
		}
		w = min(w, float64(4*s.cfg.Width))
		h = min(h, float64(s.cfg.MaxShotHeight))
		beyond, surface := true, true
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			Clip:                  &page.Viewport{Width: w, Height: h, Scale: 1},
			CaptureBeyondViewport: &beyond,
			FromSurface:           &surface,
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	var pdf []byte
	if s.cfg.PDF {
		if pdf, err = chromedp.Run(run, chromedp.PrintToPDF(chromedp.PDFPrintBackground())); err != nil {
			return fmt.Errorf("pdf: %w", err)
		}
	}
	s.mu.Lock()
	s.res.HTML, s.res.FinalURL, s.res.Screenshot, s.res.PDF = []byte(html), loc, shot, pdf
	s.mu.Unlock()
	return nil
}

// settle waits until no request is in flight, none started or ended for
// Quiet, the document is complete and its DOM unchanged for Quiet — or
// MaxSettle passed (the page is captured as it is then).
func (s *session) settle(run context.Context) {
	quiet := s.cfg.Quiet
	deadline := time.Now().Add(s.cfg.MaxSettle)
	probe := fmt.Sprintf(`document.readyState === "complete" && (Date.now() - (window.__nvLast || 0)) >= %d`, quiet.Milliseconds())
	tick := time.NewTicker(quiet / 4)
	defer tick.Stop()
	for time.Now().Before(deadline) && s.ctx.Err() == nil {
		if s.inflight.Load() == 0 && time.Since(time.Unix(0, s.lastReq.Load())) >= quiet {
			ok, err := chromedp.Run(run, chromedp.Evaluate[bool](probe))
			if err == nil && ok {
				return
			}
		}
		select {
		case <-tick.C:
		case <-s.ctx.Done():
			return
		}
	}
}

func call[P any](cmd cdp.Command[P, cdp.Empty], p P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, p)
		return err
	})
}

// onEvent runs on the tab's reading goroutine: it must not block.
func (s *session) onEvent(ev any) {
	switch e := ev.(type) {
	case *cdpfetch.EventRequestPaused:
		s.inflight.Add(1)
		s.lastReq.Store(time.Now().UnixNano())
		go s.answer(e)
	case *page.EventJavascriptDialogOpening:
		s.mu.Lock()
		s.res.Dialogs++
		n := s.res.Dialogs
		s.mu.Unlock()
		if n > s.cfg.MaxDialogs {
			s.abort(fmt.Errorf("%w (more than %d)", ErrDialogs, s.cfg.MaxDialogs))
			return
		}
		go chromedp.Call(s.tabCtx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
	case *inspector.EventTargetCrashed:
		s.abort(ErrCrashed)
	case *page.EventWindowOpen:
		// Counted when the target appears (closePopup); this catches
		// windows the browser blocked before creating them.
		s.countPopup()
	}
}

func (s *session) countPopup() {
	s.mu.Lock()
	s.res.Popups++
	n := s.res.Popups
	s.mu.Unlock()
	if n > s.cfg.MaxPopups {
		s.abort(fmt.Errorf("%w (more than %d)", ErrPopups, s.cfg.MaxPopups))
	}
}

func (s *session) closePopup(id target.ID) {
	chromedp.CallBrowser(s.tabCtx, target.CloseTarget, target.CloseTargetParams{TargetID: id})
}

func (s *session) refuse(e *cdpfetch.EventRequestPaused, reason string, err error) {
	s.mu.Lock()
	s.res.Refused = append(s.res.Refused, Refusal{URL: e.Request.URL, Reason: reason, ResourceType: string(e.ResourceType), Err: err})
	if e.ResourceType == network.ResourceTypeDocument && e.FrameID == cdp.FrameID(chromedp.FromContext(s.tabCtx).Target.TargetID) && s.mainErr == nil && err != nil {
		s.mainErr = err
	}
	s.mu.Unlock()
	chromedp.Call(s.tabCtx, cdpfetch.FailRequest, cdpfetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
}

// answer fetches one paused request through the Fetcher and hands the
// browser the response, or fails the request.
func (s *session) answer(e *cdpfetch.EventRequestPaused) {
	defer func() {
		s.lastReq.Store(time.Now().UnixNano())
		s.inflight.Add(-1)
	}()
	u := e.Request.URL + e.Request.URLFragment
	if e.Request.Method != http.MethodGet {
		s.refuse(e, "method "+e.Request.Method+" not sent: a capture only reads", nil)
		return
	}
	if e.ResourceType == network.ResourceTypeOther && strings.HasSuffix(e.Request.URL, "/favicon.ico") {
		// The browser's own favicon request: nothing keeps it, and it
		// would spend a turn of the host's budget.
		s.refuse(e, "the browser's favicon request is not sent", nil)
		return
	}
	n := s.requests.Add(1)
	if n > int64(s.cfg.MaxRequests) {
		err := fmt.Errorf("%w (more than %d)", ErrTooManyRequests, s.cfg.MaxRequests)
		s.refuse(e, err.Error(), err)
		s.abort(err)
		return
	}
	// The page's own request takes its host's turn like any; the rest
	// of the page load may use the capture's burst allowance.
	ctx := s.subCtx
	if n == 1 {
		ctx = s.ctx
	}
	s.mu.Lock()
	resp, ok := s.redirects[e.Request.URL]
	delete(s.redirects, e.Request.URL)
	s.mu.Unlock()
	if !ok {
		accept, _ := e.Request.Headers["Accept"].(string)
		var err error
		resp, err = s.fetcher.Get(ctx, fetch.Request{URL: u, Accept: accept, Jar: s.jar})
		if err != nil {
			s.refuse(e, err.Error(), err)
			return
		}
		if resp.FinalURL != "" && stripFragment(resp.FinalURL) != e.Request.URL {
			// The fetcher followed redirects, each hop checked. Tell the
			// browser, so relative URLs resolve against the final one; its
			// re-request is answered from here.
			s.mu.Lock()
			s.redirects[stripFragment(resp.FinalURL)] = resp
			s.mu.Unlock()
			chromedp.Call(s.tabCtx, cdpfetch.FulfillRequest, cdpfetch.FulfillRequestParams{
				RequestID: e.RequestID, ResponseCode: http.StatusFound,
				ResponseHeaders: []*cdpfetch.HeaderEntry{{Name: "Location", Value: resp.FinalURL}},
			})
			return
		}
		if total := s.bytes.Add(int64(len(resp.Body))); total > s.cfg.MaxPageBytes {
			err := fmt.Errorf("%w (%d bytes, limit %d)", ErrTooHeavy, total, s.cfg.MaxPageBytes)
			s.refuse(e, err.Error(), err)
			s.abort(err)
			return
		}
	}
	s.mu.Lock()
	s.res.Responses = append(s.res.Responses, Response{Response: resp, ResourceType: string(e.ResourceType)})
	s.mu.Unlock()
	var hs []*cdpfetch.HeaderEntry
	for k, vs := range resp.Header {
		if hopHeaders[http.CanonicalHeaderKey(k)] {
			continue
		}
		for _, v := range vs {
			hs = append(hs, &cdpfetch.HeaderEntry{Name: k, Value: v})
		}
	}
	chromedp.Call(s.tabCtx, cdpfetch.FulfillRequest, cdpfetch.FulfillRequestParams{
		RequestID: e.RequestID, ResponseCode: int64(resp.Status), ResponseHeaders: hs, Body: resp.Body,
	})
}

func stripFragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}
