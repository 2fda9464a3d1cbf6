package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryableStatus reports whether a status is worth another attempt.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryableError reports whether a failed attempt may succeed if repeated.
// Refusals by policy, a name that does not exist and certificate failures
// are permanent; other network errors and timeouts are transient.
func retryableError(err error) bool {
	switch {
	case errors.Is(err, ErrBlockedAddress),
		errors.Is(err, ErrTooLarge),
		errors.Is(err, ErrHeaderTooLarge),
		errors.Is(err, ErrBadScheme),
		errors.Is(err, ErrBadURL),
		errors.Is(err, ErrTooManyRedirects),
		errors.Is(err, ErrBadProxy):
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return false
	}
	var (
		verifyErr    *tls.CertificateVerificationError
		unknownAuth  x509.UnknownAuthorityError
		hostnameErr  x509.HostnameError
		certInvalid  x509.CertificateInvalidError
		recordHdrErr tls.RecordHeaderError
	)
	if errors.As(err, &verifyErr) || errors.As(err, &unknownAuth) ||
		errors.As(err, &hostnameErr) || errors.As(err, &certInvalid) ||
		errors.As(err, &recordHdrErr) {
		return false
	}
	return true
}

// backoff is the wait after the given failed attempt (1-based): base,
// doubling each attempt, capped at maxBackoff.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt; i++ {
		d *= 2
		if d >= maxBackoff || d <= 0 {
			return maxBackoff
		}
	}
	return min(d, maxBackoff)
}

// maxRetryAfterSeconds keeps a Retry-After in seconds from overflowing a
// time.Duration; anything larger means "far too long" anyway.
const maxRetryAfterSeconds = math.MaxInt64 / int64(time.Second)

// parseRetryAfter parses a Retry-After value, either delay-seconds or an
// HTTP date, relative to now. It returns 0 for an empty, invalid or past
// value.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if v[0] >= '0' && v[0] <= '9' {
		if strings.TrimLeft(v, "0123456789") != "" {
			return 0
		}
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > maxRetryAfterSeconds {
			// All digits, so only overflow fails: clamp.
			secs = maxRetryAfterSeconds
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d < 0 {
		return 0
	}
	return d
}

// Sleep waits d, or until ctx is done and then returns its cause; a d of
// zero or less returns at once with ctx's error, if any. Waits between
// attempts and for a host's turn use it, here and in the job queue's
// shared gate.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
