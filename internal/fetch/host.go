package fetch

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// checkURLHost refuses a URL whose host is missing, or is a number that is
// not a canonical dotted-decimal IPv4 address: "127.1", "2130706433",
// "0x7f000001", "0177.0.0.1", "127.0.0.1.". Browsers (WHATWG URL) and C
// libraries (inet_aton) read those as IPv4 addresses, Go's parsers do not,
// and a resolver may or may not; refusing them leaves no doubt about which
// address is meant. The error wraps ErrBadURL, and also ErrBlockedAddress
// when the address meant is one the guard refuses.
func (g *guard) checkURLHost(u *url.URL) error {
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: no host", ErrBadURL)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil // canonical IPv4 or IPv6: the guard judges it at dial time
	}
	if !endsInNumber(host) {
		return nil
	}
	a, ok := parseLooseIPv4(host)
	if !ok {
		return fmt.Errorf("%w: host %q ends in a number but is not an IPv4 address", ErrBadURL, host)
	}
	if !g.permits(netip.AddrPortFrom(a, urlPort(u))) {
		return fmt.Errorf("%w: %w %s: host %q is that address written in a non-canonical form", ErrBadURL, ErrBlockedAddress, a, host)
	}
	return fmt.Errorf("%w: host %q is IPv4 address %s written in a non-canonical form; write %s", ErrBadURL, host, a, a)
}

// urlPort is u's port, or its scheme's default.
func urlPort(u *url.URL) uint16 {
	if p, err := strconv.ParseUint(u.Port(), 10, 16); err == nil {
		return uint16(p)
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// endsInNumber reports whether host's last label (a trailing dot aside) is
// a number, decimal or 0x-hexadecimal: WHATWG URL then parses the whole
// host as an IPv4 address, whatever the other labels are.
func endsInNumber(host string) bool {
	labels := strings.Split(host, ".")
	if len(labels) > 1 && labels[len(labels)-1] == "" {
		labels = labels[:len(labels)-1]
	}
	last := labels[len(labels)-1]
	if last == "" {
		return false
	}
	if strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := parseIPv4Number(last)
	return ok
}

// parseLooseIPv4 parses host as WHATWG URL's IPv4 parser does (which is
// inet_aton's syntax): one to four dot-separated numbers, each decimal,
// 0x-hexadecimal or 0-prefixed octal, the last filling the remaining bytes,
// and an optional trailing dot.
func parseLooseIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parseIPv4Number parses one part of a loose IPv4 address: "0x" or "0X"
// then hexadecimal digits (none means 0), a "0" then octal digits, or
// decimal digits. Values that do not fit 32 bits fail.
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		s, base = s[2:], 16
		if s == "" {
			return 0, true
		}
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	n, err := strconv.ParseUint(s, base, 32)
	if err != nil {
		return 0, false
	}
	return n, true
}

// ParseNets parses a list of network ranges for Config.AllowNets: CIDR
// prefixes ("10.1.2.0/24", "fd00:1::/48") or single addresses ("10.1.2.3"),
// separated by commas or white space. Host bits are cleared ("10.1.2.3/24"
// means 10.1.2.0/24), and an IPv4-mapped IPv6 range becomes its IPv4 range.
// An empty list is no error. A part that is neither, or has an IPv6 zone,
// fails naming it.
func ParseNets(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}) {
		p, err := parseNet(part)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func parseNet(s string) (netip.Prefix, error) {
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, fmt.Errorf("network %q: not a CIDR range such as 10.1.2.0/24 or fd00::/8", s)
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("network %q: not a CIDR range such as 10.1.2.0/24 or fd00::/8, nor an IP address", s)
		}
		if a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("network %q: an IPv6 zone is not allowed", s)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() {
		bits := p.Bits() - 96
		if bits < 0 {
			return netip.Prefix{}, fmt.Errorf("network %q: an IPv4-mapped range must be /96 or longer", s)
		}
		p = netip.PrefixFrom(a.Unmap(), bits)
	}
	return p.Masked(), nil
}

// FormatNets writes ranges the way ParseNets reads them: comma-separated.
func FormatNets(nets []netip.Prefix) string {
	parts := make([]string, len(nets))
	for i, n := range nets {
		parts[i] = n.String()
	}
	return strings.Join(parts, ",")
}
