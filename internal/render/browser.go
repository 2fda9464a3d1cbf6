package render

// Launching Chromium is the one place newsvault starts an external program,
// and the browser is a second network stack. Both are kept narrow here:
//
//   - chromedp's ExecAllocator starts /usr/bin/chromium (or $CHROMIUM) with
//     the fixed flags below and nothing from a page or URL on its command
//     line; no shell.
//   - The browser's network stack gets no direct path: every request of a
//     capture's tab is answered through the Fetcher (capture.go), and the
//     browser's proxy is a sink on loopback that accepts and drops each
//     connection, with the implicit loopback bypass removed
//     (--proxy-bypass-list=<-loopback>). A request the interception does not
//     see (a service worker, a WebSocket, a popup) reaches the sink and
//     fails; DirectAttempts counts them.
//   - QUIC, background networking, component updates, sync, site isolation
//     (so iframes stay in the intercepted tab) and new windows are off.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/chromedp/chromedp"
)

// sink is the browser's proxy: it accepts connections and closes them.
type sink struct {
	ln       net.Listener
	attempts atomic.Int64
	log      *slog.Logger
}

func newSink(log *slog.Logger) (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sink proxy: %w", err)
	}
	s := &sink{ln: ln, log: log}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.attempts.Add(1)
			go s.drop(c)
		}
	}()
	return s, nil
}

// drop reads the request line the browser sent (for the log) and closes
// the connection without answering.
func (s *sink) drop(c net.Conn) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(time.Second))
	line, _ := bufio.NewReader(io.LimitReader(c, 1024)).ReadString('\n')
	s.log.Debug("render: browser request outside the interception dropped", slog.String("request", strings.TrimSpace(line)))
}

type browser struct {
	ctx         context.Context // the browser's chromedp context
	cancelAlloc context.CancelFunc
	cancel      context.CancelFunc
	sink        *sink
}

func available(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%w: %s not found (install Debian's chromium package or set CHROMIUM); pages are archived without rendering", ErrNoBrowser, path)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%w: %s is not an executable file", ErrNoBrowser, path)
	}
	return nil
}

// flags are the browser's command line, apart from the proxy address.
func flags(cfg Config) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(cfg.ExecPath),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(cfg.Width, cfg.Height),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("dns-prefetch-disable", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("block-new-web-contents", true),
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "IsolateOrigins,site-per-process,Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,NetworkPrediction,InterestFeedContentSuggestions,PrivacySandboxSettings4"),
		chromedp.Flag("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
		chromedp.Flag("js-flags", "--max-old-space-size="+strconv.Itoa(cfg.HeapMB)),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	return opts
}

// startAttempts is how many times startBrowser launches Chromium before it
// gives up: a browser that exits during start-up (a busy machine, a crashpad
// or shared-memory hiccup) usually starts on the next try.
const startAttempts = 3

// startBrowser launches Chromium, retrying a failed launch with a short
// pause; a missing executable fails at once.
func startBrowser(cfg Config) (*browser, error) {
	if err := available(cfg.ExecPath); err != nil {
		return nil, err
	}
	var err error
	for i := range startAttempts {
		var b *browser
		if b, err = launch(cfg); err == nil {
			return b, nil
		}
		if i+1 < startAttempts {
			cfg.Logger.Warn("render: browser did not start; trying again", "attempt", i+1, "err", err)
			time.Sleep(time.Duration(i+1) * 500 * time.Millisecond)
		}
	}
	return nil, err
}

func launch(cfg Config) (*browser, error) {
	s, err := newSink(cfg.Logger)
	if err != nil {
		return nil, err
	}
	opts := append(flags(cfg), chromedp.ProxyServer("http://"+s.ln.Addr().String()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancel := chromedp.NewContext(actx)
	b := &browser{ctx: bctx, cancelAlloc: cancelAlloc, cancel: cancel, sink: s}
	if err := chromedp.Do(bctx); err != nil {
		b.close()
		return nil, fmt.Errorf("%w: starting %s: %w", ErrNoBrowser, cfg.ExecPath, err)
	}
	return b, nil
}

func (b *browser) alive() bool { return b.ctx.Err() == nil }

func (b *browser) pid() int {
	c := chromedp.FromContext(b.ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return 0
	}
	return c.Browser.Process().Pid
}

func (b *browser) close() {
	b.cancel()
	b.cancelAlloc()
	b.sink.ln.Close()
}

// treeRSS sums VmRSS of pid and its descendants from /proc. Pages shared
// between the browser's processes count once per process; treePSS counts
// each shared page once in all.
func treeRSS(pid int) int64 { return treeMem(pid, false) }

// treePSS sums the proportional set size (Pss of smaps_rollup) of pid and
// its descendants.
func treePSS(pid int) int64 { return treeMem(pid, true) }

func treeMem(pid int, pss bool) int64 {
	if pid <= 0 {
		return 0
	}
	children := map[int][]int{}
	rss := map[int]int64{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		p, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		ppid, kb, err := procStatus(filepath.Join(d, "status"))
		if err != nil {
			continue
		}
		children[ppid] = append(children[ppid], p)
		rss[p] = kb * 1024
		if pss {
			rss[p] = procPSS(filepath.Join(d, "smaps_rollup"))
		}
	}
	var total int64
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		total += rss[p]
		queue = append(queue, children[p]...)
	}
	return total
}

func procStatus(path string) (ppid int, rssKB int64, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	found := false
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		switch k {
		case "PPid":
			ppid, _ = strconv.Atoi(f[0])
			found = true
		case "VmRSS":
			rssKB, _ = strconv.ParseInt(f[0], 10, 64)
		}
	}
	if !found {
		return 0, 0, errors.New("no PPid")
	}
	return ppid, rssKB, nil
}

// procPSS reads the Pss line of a smaps_rollup file, in bytes; 0 when it
// cannot.
func procPSS(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}
