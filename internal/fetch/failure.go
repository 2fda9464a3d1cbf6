package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
)

// Failure names why a Get got no usable response, for callers that must
// tell an outage from a refusal (the watcher never takes either for a
// removal, but records which it was).
type Failure string

// Failures FailureOf returns.
const (
	FailNone         Failure = ""
	FailDNS          Failure = "dns"           // the host name did not resolve
	FailTimeout      Failure = "timeout"       // connect, idle or total time limit
	FailReset        Failure = "reset"         // refused, reset or closed early
	FailTLS          Failure = "tls"           // handshake or certificate failure
	FailTooLarge     Failure = "too-large"     // body or headers over their limit
	FailRedirectLoop Failure = "redirect-loop" // too many redirects
	FailBlocked      Failure = "blocked"       // the SSRF guard refused the address, or a bad scheme or URL
	FailOther        Failure = "other"
)

// FailureOf classifies an error returned by Client.Get by its type and
// the sentinels it wraps, never by its text.
func FailureOf(err error) Failure {
	if err == nil {
		return FailNone
	}
	var dnsErr *net.DNSError
	var (
		verifyErr   *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		certInvalid x509.CertificateInvalidError
		recordErr   tls.RecordHeaderError
		alertErr    tls.AlertError
	)
	var netErr net.Error
	switch {
	case errors.Is(err, ErrBlockedAddress), errors.Is(err, ErrBadScheme), errors.Is(err, ErrBadURL), errors.Is(err, ErrBadProxy):
		return FailBlocked
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrHeaderTooLarge):
		return FailTooLarge
	case errors.Is(err, ErrTooManyRedirects):
		return FailRedirectLoop
	case errors.Is(err, ErrTimeout), errors.Is(err, ErrIdleTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return FailTimeout
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return FailTimeout
		}
		return FailDNS
	case errors.As(err, &verifyErr), errors.As(err, &unknownAuth), errors.As(err, &hostnameErr),
		errors.As(err, &certInvalid), errors.As(err, &recordErr), errors.As(err, &alertErr):
		return FailTLS
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return FailReset
	case errors.As(err, &netErr) && netErr.Timeout():
		return FailTimeout
	}
	return FailOther
}

// Hop is one response of a redirect chain: the URL asked for, its status
// and where it sent the client.
type Hop struct {
	URL      string `json:"url"`
	Status   int    `json:"status"`
	Location string `json:"location,omitempty"`
}

// redirectChain lists the redirects that led to hresp, oldest first.
func redirectChain(hresp *http.Response) []Hop {
	var hops []Hop
	for r := hresp.Request.Response; r != nil; {
		hops = append(hops, Hop{URL: r.Request.URL.Redacted(), Status: r.StatusCode, Location: r.Header.Get("Location")})
		if r.Request == nil {
			break
		}
		r = r.Request.Response
	}
	for i, j := 0, len(hops)-1; i < j; i, j = i+1, j-1 {
		hops[i], hops[j] = hops[j], hops[i]
	}
	return hops
}
