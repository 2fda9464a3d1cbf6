package auth

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestRateLimitsCountIPv6ClientsByTheir64AndHaveAGlobalCeiling(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:5555", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:1", "192.0.2.7"},
	} {
		if got := ClientAddr(&http.Request{RemoteAddr: tc.remote}); got != tc.want {
			t.Errorf("clientAddr(%s) = %s, want %s", tc.remote, got, tc.want)
		}
	}
	now := time.Now()
	l := newLimiter(12*time.Second, 5, time.Second, 20)
	allowed := 0
	for i := range 40 {
		if ok, _ := l.take("client-"+strconv.Itoa(i), 1, now); ok {
			allowed++
		}
	}
	if allowed != 20 {
		t.Errorf("%d of 40 clients allowed at once, want the global burst of 20", allowed)
	}
	if ok, wait := l.take("client-0", 1, now.Add(time.Second)); !ok || wait != 0 {
		t.Errorf("a second later: %v %v", ok, wait)
	}
	one := newLimiter(time.Hour/3, 3, 0, 0)
	if ok, _ := one.take("a", 3, now); !ok {
		t.Error("a burst of 3 was refused")
	}
	if ok, wait := one.take("a", 1, now); ok || wait < 19*time.Minute || wait > 21*time.Minute {
		t.Errorf("the fourth: %v, wait %v", ok, wait)
	}
	if ok, _ := one.take("b", 4, now); ok {
		t.Error("more than the burst at once was allowed")
	}
}

func TestTheLoginNextParameterStaysOnThisSite(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		{"/articles/1?x=2", "/articles/1?x=2"},
		{"/search?q=%E5%8D%A2", "/search?q=%E5%8D%A2"},
		{"", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"///evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"/login?next=/", "/"},
		{"/logout", "/"},
		{" /articles/1", "/"},
	} {
		if got := localPath(tc.next); got != tc.want {
			t.Errorf("localPath(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}
