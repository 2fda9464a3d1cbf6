package fetch

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http/httptrace"
	"net/textproto"
	"time"
)

// watchdog cancels an attempt when nothing has happened on it for a while.
// Everything that shows the server is alive kicks it: a connection made, the
// request written, the first byte of the response, each body read that
// returns bytes. A nil *watchdog is disabled.
type watchdog struct {
	d     time.Duration
	timer *time.Timer
}

// startWatchdog returns a watchdog that cancels with an ErrIdleTimeout
// cause once d passes without a kick, or nil when d is 0.
func startWatchdog(d time.Duration, cancel context.CancelCauseFunc) *watchdog {
	if d <= 0 {
		return nil
	}
	return &watchdog{d: d, timer: time.AfterFunc(d, func() {
		cancel(fmt.Errorf("%w for %s (idle timeout)", ErrIdleTimeout, d))
	})}
}

// kick restarts the countdown.
func (w *watchdog) kick() {
	if w != nil {
		w.timer.Reset(w.d)
	}
}

func (w *watchdog) stop() {
	if w != nil {
		w.timer.Stop()
	}
}

// trace returns ctx with hooks that kick w on connection progress, for
// every hop of a redirect chain.
func (w *watchdog) trace(ctx context.Context) context.Context {
	if w == nil {
		return ctx
	}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn:              func(httptrace.GotConnInfo) { w.kick() },
		ConnectDone:          func(string, string, error) { w.kick() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { w.kick() },
		WroteRequest:         func(httptrace.WroteRequestInfo) { w.kick() },
		GotFirstResponseByte: w.kick,
		Got1xxResponse: func(int, textproto.MIMEHeader) error {
			w.kick()
			return nil
		},
	})
}

// progressReader kicks wd whenever a read returns bytes.
type progressReader struct {
	r  io.Reader
	wd *watchdog
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.wd.kick()
	}
	return n, err
}
