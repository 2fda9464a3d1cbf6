package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// ErrDomainNotAllowed means a URL, or a redirect hop, is on a host outside
// the request's Policy.Domains.
var ErrDomainNotAllowed = errors.New("host not in the allowed domains")

// Policy is what one request may reach beyond the Client's own rules. It
// travels in the request's context (WithPolicy), set by the caller that
// knows who asked: a source the operator added carries that source's
// network allowance, an anonymous submission carries only its domain list.
// The guard applies it to every hop of the request at dial time.
type Policy struct {
	// Host is the one host name the allowance below is for: a first URL or
	// redirect hop on any other host (an image on another site, a redirect
	// elsewhere) gets no allowance. Without Host the allowance opens nothing.
	Host string
	// AllowPrivate opens every non-public address for Host.
	AllowPrivate bool
	// AllowNets opens these ranges for Host.
	AllowNets []netip.Prefix
	// Domains, when not empty, is the only hosts (these names or their
	// subdomains) the first URL and every redirect hop may be on.
	Domains []string
}

// Opens reports whether the policy opens any address at all.
func (p Policy) Opens() bool {
	return p.Host != "" && (p.AllowPrivate || len(p.AllowNets) > 0)
}

type policyKey struct{}

// WithPolicy returns a context whose requests follow p.
func WithPolicy(ctx context.Context, p Policy) context.Context {
	p.Host = normHost(p.Host)
	return context.WithValue(ctx, policyKey{}, p)
}

// PolicyFrom returns the policy ctx carries (the zero Policy when none).
func PolicyFrom(ctx context.Context) Policy {
	p, _ := ctx.Value(policyKey{}).(Policy)
	return p
}

// HostOf is the host name of a URL as policies compare it: lower case,
// without port or trailing dot; "" when raw does not parse.
func HostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return normHost(u.Hostname())
}

func normHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// permits reports whether the policy opens ap for a connection to host.
func (p Policy) permits(host string, ap netip.AddrPort) bool {
	if !p.Opens() || normHost(host) != p.Host {
		return false
	}
	if p.AllowPrivate {
		return true
	}
	a := ap.Addr().WithZone("").Unmap()
	return slices.ContainsFunc(p.AllowNets, func(n netip.Prefix) bool { return n.Contains(a) })
}

// checkDomain refuses u when the policy names domains and u's host is not
// one of them or their subdomains.
func (p Policy) checkDomain(u *url.URL) error {
	if len(p.Domains) == 0 {
		return nil
	}
	h := normHost(u.Hostname())
	for _, d := range p.Domains {
		d = normHost(strings.TrimPrefix(d, "."))
		if d != "" && (h == d || strings.HasSuffix(h, "."+d)) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not on %s", ErrDomainNotAllowed, h, strings.Join(p.Domains, ", "))
}
