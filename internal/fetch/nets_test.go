package fetch

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

func TestAllowNetsOpensOnlyThoseRanges(t *testing.T) {
	g := &guard{allowNets: []netip.Prefix{
		netip.MustParsePrefix("10.1.2.0/24"),
		netip.MustParsePrefix("fd00:1::/32"),
	}}
	tests := []struct {
		name string
		addr string
		want bool
	}{
		{"an address in an allowed IPv4 range is allowed", "10.1.2.7:80", true},
		{"the same address IPv4-mapped is allowed", "[::ffff:10.1.2.7]:80", true},
		{"an address in an allowed IPv6 range is allowed", "[fd00:1::5]:443", true},
		{"an allowed IPv6 address with a zone is allowed", "[fd00:1::5%eth0]:443", true},
		{"the next IPv4 range stays blocked", "10.1.3.1:80", false},
		{"the rest of 10/8 stays blocked", "10.0.0.1:80", false},
		{"the rest of fc00::/7 stays blocked", "[fd00:2::1]:80", false},
		{"loopback stays blocked", "127.0.0.1:80", false},
		{"the metadata address stays blocked", "169.254.169.254:80", false},
		{"NAT64 of an allowed address stays blocked", "[64:ff9b::a01:207]:80", false},
		{"a public address is still allowed", "93.184.216.34:443", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := g.permits(netip.MustParseAddrPort(tt.addr)); got != tt.want {
				t.Errorf("permits(%s) = %v; want %v", tt.addr, got, tt.want)
			}
		})
	}
}

// TestAnAllowedRangeIsReachableAndTheRestIsNot runs the allow-list against
// real loopback servers: 127.0.0.1/32 plays an operator's internal feed
// server range; 127.0.0.2 and the IPv6 loopback must stay unreachable, also
// by redirect and by name.
func TestAnAllowedRangeIsReachableAndTheRestIsNot(t *testing.T) {
	internal := newInternalService(t) // 127.0.0.2, [::1] if the machine has them
	var feedHits atomic.Int64
	feed := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		feedHits.Add(1)
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		w.Write([]byte("<rss/>"))
	})
	nets, err := ParseNets("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	c := New(Config{
		HostRate:  -1,
		Retries:   -1,
		AllowNets: nets,
		Resolver: newScriptedResolver(map[string][][]string{
			"feeds.internal":     {{"127.0.0.1"}},
			"elsewhere.internal": {{"127.0.0.2"}},
		}),
	})
	dials := recordDials(t, c)

	tests := []struct {
		name    string
		url     string
		wantErr error
	}{
		{"the allowed server is reached by address", feed.URL + "/feed.xml", nil},
		{"the allowed server is reached by name", "http://feeds.internal:" + feed.port() + "/feed.xml", nil},
		{"another loopback address is refused", "http://127.0.0.2:" + internal.port + "/", ErrBlockedAddress},
		{"the IPv6 loopback is refused", "http://[::1]:" + internal.port + "/", ErrBlockedAddress},
		{"a name for another loopback address is refused", "http://elsewhere.internal:" + internal.port + "/", ErrBlockedAddress},
		{"a redirect out of the allowed range is refused", feed.URL + "/?to=" + url.QueryEscape("http://127.0.0.2:"+internal.port+"/"), ErrBlockedAddress},
		{"a private range not listed is refused", "http://10.0.0.1/", ErrBlockedAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Get(context.Background(), Request{URL: tt.url})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get(%s) = %v, %v; want %v", tt.url, resp, err, tt.wantErr)
			}
			if err == nil && string(resp.Body) != "<rss/>" {
				t.Errorf("Body = %q", resp.Body)
			}
		})
	}
	if n := internal.conns.Load(); n != 0 {
		t.Errorf("the service outside the allowed range accepted %d connections; want none", n)
	}
	for _, d := range dials() {
		if host, _, _ := net.SplitHostPort(d); host != "127.0.0.1" {
			t.Errorf("a connection was made to %s; want only 127.0.0.1", d)
		}
	}
	if feedHits.Load() == 0 {
		t.Error("the allowed server was never reached")
	}
}

func TestParseNets(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr string
	}{
		{"nothing is an empty list", "", nil, ""},
		{"one IPv4 range", "10.1.2.0/24", []string{"10.1.2.0/24"}, ""},
		{"a comma-separated list", "10.1.2.0/24,fd00:1::/32", []string{"10.1.2.0/24", "fd00:1::/32"}, ""},
		{"spaces around commas are ignored", " 10.1.2.0/24 , 192.168.5.0/28 ", []string{"10.1.2.0/24", "192.168.5.0/28"}, ""},
		{"a single address is a one-address range", "10.1.2.3", []string{"10.1.2.3/32"}, ""},
		{"a single IPv6 address is a one-address range", "fd00::1", []string{"fd00::1/128"}, ""},
		{"host bits are cleared", "10.1.2.3/24", []string{"10.1.2.0/24"}, ""},
		{"an IPv4-mapped range becomes IPv4", "::ffff:10.1.2.0/120", []string{"10.1.2.0/24"}, ""},
		{"a prefix length past 32 is refused", "10.0.0.0/33", nil, `"10.0.0.0/33"`},
		{"a host name is refused", "intranet.example.com", nil, `"intranet.example.com"`},
		{"a short IPv4 form is refused", "10.1/16", nil, `"10.1/16"`},
		{"a zone is refused", "fe80::1%eth0", nil, "zone"},
		{"a mapped range shorter than /96 is refused", "::ffff:0:0/95", nil, "/96"},
		{"one bad part fails the list", "10.1.2.0/24,bad", nil, `"bad"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseNets(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseNets(%q) = %v, %v; want an error mentioning %s", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, p := range got {
				s = append(s, p.String())
			}
			if !slices.Equal(s, tt.want) {
				t.Errorf("ParseNets(%q) = %v; want %v", tt.in, s, tt.want)
			}
		})
	}
}

func FuzzParseNets(f *testing.F) {
	for _, s := range []string{"10.1.2.0/24", "10.1.2.3", "fd00::/8,10.0.0.0/8", "::ffff:10.0.0.0/104", "10.0.0.0/33", "fe80::1%eth0", " , ", "1.2.3.4/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		nets, err := ParseNets(s)
		if err != nil {
			return
		}
		for _, p := range nets {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Fatalf("ParseNets(%q) gave %v: not a valid, masked, unmapped, zone-less prefix", s, p)
			}
		}
		// What ParseNets gives back, written out, parses to itself.
		var parts []string
		for _, p := range nets {
			parts = append(parts, p.String())
		}
		again, err := ParseNets(strings.Join(parts, ","))
		if err != nil || !slices.Equal(again, nets) {
			t.Fatalf("ParseNets(%q) = %v, but its output parses to %v, %v", s, nets, again, err)
		}
	})
}

func TestNumericHosts(t *testing.T) {
	tests := []struct {
		host    string
		want    string // the address meant, "" when not an IPv4 address at all
		refused bool
	}{
		{"127.0.0.1", "127.0.0.1", false},
		{"93.184.216.34", "93.184.216.34", false},
		{"127.1", "127.0.0.1", true},
		{"127.0.1", "127.0.0.1", true},
		{"2130706433", "127.0.0.1", true},
		{"0x7f000001", "127.0.0.1", true},
		{"0X7F000001", "127.0.0.1", true},
		{"0177.0.0.1", "127.0.0.1", true},
		{"0x7f.0.0.1", "127.0.0.1", true},
		{"127.0.0.1.", "127.0.0.1", true},
		{"0", "0.0.0.0", true},
		{"0x", "0.0.0.0", true},
		{"3627730978", "216.58.200.34", true},
		{"1.2.3.4.5", "", true},
		{"256.0.0.1", "", true},
		{"1.2.3.256", "", true},
		{"4294967296", "", true},
		{"08.1.1.1", "", true},
		{"news.example.123", "", true},
		{"news.example.com", "", false},
		{"123.example.com", "", false},
		{"0x.example", "", false},
		{"::1", "", false},
		{"::ffff:127.0.0.1", "", false},
	}
	g := &guard{}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			host := tt.host
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
			err := g.checkURLHost(&url.URL{Scheme: "http", Host: host})
			if (err != nil) != tt.refused {
				t.Errorf("checkURLHost(%s) = %v; refused %v", tt.host, err, tt.refused)
			}
			if tt.refused && tt.want != "" && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say the host means %s", err, tt.want)
			}
			if tt.want == "" || strings.Contains(tt.host, ":") {
				return
			}
			a, ok := parseLooseIPv4(tt.host)
			if !ok || a.String() != tt.want {
				t.Errorf("parseLooseIPv4(%s) = %v, %v; want %s", tt.host, a, ok, tt.want)
			}
		})
	}
}

// FuzzCheckURLHost: whatever the host, a URL passes the check only if its
// host is a canonical IP address or does not end in a number, and an
// address the loose (browser, inet_aton) parser reads is never let through
// in another spelling.
func FuzzCheckURLHost(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.0.0.1.", "example.com", "0x", "1.2.3.4.5", "[::1]", "a.0x1f", "0.0.0.0"} {
		f.Add(s)
	}
	g := &guard{}
	f.Fuzz(func(t *testing.T, host string) {
		u, err := url.Parse("http://" + host + "/")
		if err != nil || u.Hostname() == "" {
			return
		}
		h := u.Hostname()
		err = g.checkURLHost(u)
		if a, ok := parseLooseIPv4(h); ok && err == nil && a.String() != h {
			t.Fatalf("host %q (IPv4 %s) passed the check", h, a)
		}
		if err == nil && endsInNumber(h) {
			if _, perr := netip.ParseAddr(h); perr != nil {
				t.Fatalf("host %q ends in a number, is no canonical address, and passed", h)
			}
		}
	})
}
