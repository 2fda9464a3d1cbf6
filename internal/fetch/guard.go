package fetch

// The SSRF guard.
//
// Before anything is resolved, a URL (or redirect target) whose host is an
// IPv4 address in a non-canonical numeric form ("127.1", "2130706433",
// "0x7f000001", "0177.0.0.1") is refused: see checkURLHost. Config.AllowNets
// names private ranges the operator opens; everything else not public stays
// blocked.
//
// Without a proxy the guard sits in the transport's DialContext: the host
// is resolved (through Config.Resolver), every resolved address is checked,
// and only permitted addresses are dialled, by IP literal, so no second DNS
// lookup can answer differently (DNS rebinding). Refused addresses are
// skipped; when none is left the dial fails with ErrBlockedAddress. A net.Dialer Control hook
// re-checks the exact address being connected as defence in depth. Because
// every connection, the first and each redirect hop's, is made this way, a
// redirect or a DNS name cannot reach a blocked address.
//
// With a proxy every connection goes to the proxy, which is trusted and
// exempt. The target host is then checked before each request (redirect
// hops included) by resolving it here and refusing it unless every address
// is allowed. That guarantee is weaker: the proxy resolves the name itself,
// and may get a different answer than we did (rebinding between the two
// lookups), or reach addresses on its own network; and a name that only the
// proxy can resolve is refused. Operators who set a proxy should make the
// proxy enforce its own egress policy.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

type guard struct {
	allowPrivate bool
	allowNets    []netip.Prefix
	allow        func(netip.AddrPort) bool
	resolver     Resolver
}

// permitsFor reports whether ap may be contacted for a connection to host
// under the request's policy: the Client's rules, or the policy's allowance
// when host is the policy's host.
func (g *guard) permitsFor(pol Policy, host string, ap netip.AddrPort) bool {
	return g.permits(ap) || pol.permits(host, ap)
}

// permits reports whether ap may be contacted under the Client's own rules.
func (g *guard) permits(ap netip.AddrPort) bool {
	if g.allow != nil && g.allow(ap) {
		return true
	}
	if g.allowPrivate {
		return true
	}
	a := ap.Addr().WithZone("").Unmap()
	for _, p := range g.allowNets {
		if p.Contains(a) {
			return true
		}
	}
	return publicAddr(a)
}

// resolve returns the addresses of host, which may be an IP literal.
func (g *guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	ipas, err := g.resolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	addrs := make([]netip.Addr, 0, len(ipas))
	for _, ipa := range ipas {
		ip, ok := netip.AddrFromSlice(ipa.IP)
		if !ok {
			continue
		}
		addrs = append(addrs, ip.Unmap().WithZone(ipa.Zone))
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	return addrs, nil
}

// dialContext is the transport's DialContext when no proxy is configured.
// It dials only addresses the guard permits, trying them in order.
func (g *guard) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("dial %s: bad port: %w", address, err)
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	pol := PolicyFrom(ctx)

	var allowed []netip.AddrPort
	var blocked []netip.Addr
	for _, a := range addrs {
		if network == "tcp4" && !a.Is4() || network == "tcp6" && a.Is4() {
			continue
		}
		ap := netip.AddrPortFrom(a, uint16(port))
		if g.permitsFor(pol, host, ap) {
			allowed = append(allowed, ap)
		} else {
			blocked = append(blocked, a)
		}
	}
	if len(allowed) == 0 {
		if len(blocked) == 0 {
			return nil, fmt.Errorf("dial %s: no %s addresses", address, network)
		}
		return nil, fmt.Errorf("dial %s: %w %s", address, ErrBlockedAddress, blocked[0])
	}

	d := &net.Dialer{
		Timeout:   dialTimeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, c syscall.RawConn) error {
			return g.control(pol, host, address)
		},
	}
	var firstErr error
	tried := 0
	for _, ap := range allowed {
		conn, err := d.DialContext(ctx, network, ap.String())
		if err == nil {
			return conn, nil
		}
		tried++
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if tried > 1 {
		return nil, fmt.Errorf("dial %s (%d addresses tried): %w", address, tried, firstErr)
	}
	return nil, fmt.Errorf("dial %s: %w", address, firstErr)
}

// control re-checks, just before connect(2), the exact address dialled
// for a connection to host.
func (g *guard) control(pol Policy, host, address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address %q", ErrBlockedAddress, address)
	}
	if !g.permitsFor(pol, host, ap) {
		return fmt.Errorf("%w %s", ErrBlockedAddress, ap.Addr())
	}
	return nil
}

// checkHost resolves the host of a request sent through the proxy and
// refuses it unless every address is permitted.
func (g *guard) checkHost(ctx context.Context, req *http.Request) error {
	port := req.URL.Port()
	if port == "" {
		port = "80"
		if req.URL.Scheme == "https" {
			port = "443"
		}
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return fmt.Errorf("check %s: bad port: %w", req.URL.Host, err)
	}
	addrs, err := g.resolve(ctx, req.URL.Hostname())
	if err != nil {
		return fmt.Errorf("check %s: %w", req.URL.Host, err)
	}
	pol := PolicyFrom(ctx)
	for _, a := range addrs {
		if !g.permitsFor(pol, req.URL.Hostname(), netip.AddrPortFrom(a, uint16(p))) {
			return fmt.Errorf("check %s: %w %s", req.URL.Host, ErrBlockedAddress, a)
		}
	}
	return nil
}

// proxyGuard checks each request's target before handing it to a transport
// that sends everything through the proxy.
type proxyGuard struct {
	next  http.RoundTripper
	guard *guard
}

// RoundTrip implements http.RoundTripper.
func (p *proxyGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkScheme(req.URL); err != nil {
		return nil, err
	}
	pol := PolicyFrom(req.Context())
	if p.guard.allowPrivate || pol.AllowPrivate && pol.Opens() && normHost(req.URL.Hostname()) == pol.Host {
		// Everything is permitted; do not fail on names only the proxy
		// can resolve.
		return p.next.RoundTrip(req)
	}
	if err := p.guard.checkHost(req.Context(), req); err != nil {
		return nil, err
	}
	return p.next.RoundTrip(req)
}

// blockedPrefixes are never contacted: not globally routable, or reserved
// for special use (IANA IPv4 and IPv6 Special-Purpose Address Registries).
var blockedPrefixes = []netip.Prefix{
	// IPv4
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network", unspecified
	netip.MustParsePrefix("10.0.0.0/8"),      // private
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT shared space
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local, cloud metadata
	netip.MustParsePrefix("172.16.0.0/12"),   // private
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("192.88.99.0/24"),  // deprecated 6to4 relay anycast
	netip.MustParsePrefix("192.168.0.0/16"),  // private
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("224.0.0.0/4"),     // multicast
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	// IPv6 inside 2000::/3 (global unicast); everything outside it
	// (::, ::1, fc00::/7, fe80::/10, ff00::/8, 64:ff9b:1::/48 …) is
	// refused by publicAddr.
	netip.MustParsePrefix("2001::/23"),     // IETF protocol assignments, Teredo
	netip.MustParsePrefix("2001:db8::/32"), // documentation
	netip.MustParsePrefix("3fff::/20"),     // documentation
}

var (
	globalUnicast6 = netip.MustParsePrefix("2000::/3")
	nat64          = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour      = netip.MustParsePrefix("2002::/16")
)

// publicAddr reports whether a is a globally routable unicast address that
// may be contacted. IPv4-mapped addresses are judged as IPv4; NAT64
// (64:ff9b::/96) and 6to4 (2002::/16) addresses by the IPv4 address they
// embed. Any other IPv6 address outside 2000::/3 is refused.
func publicAddr(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	if !a.IsValid() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	if a.Is4() {
		return true
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return publicAddr(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(a):
		return publicAddr(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return globalUnicast6.Contains(a)
}
