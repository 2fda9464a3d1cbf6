package cli

import (
	"fmt"
	"net"

	"github.com/newsvault/newsvault/internal/web"
)

// ReadAccessFor resolves --read-access: auto is public on a loopback
// address and private on any other.
func ReadAccessFor(flag, listen string) (web.ReadAccess, error) {
	switch flag {
	case "auto", "":
		if LoopbackHosts(listen) != nil {
			return web.ReadPublic, nil
		}
		return web.ReadPrivate, nil
	case string(web.ReadPublic), string(web.ReadPrivate):
		return web.ReadAccess(flag), nil
	}
	return "", fmt.Errorf("--read-access %q: want public, private or auto", flag)
}

// LoopbackHosts returns the Host names the server should answer when it
// listens on a loopback address, or nil (answer any) otherwise. Checking
// Host stops a web page whose name was re-bound to 127.0.0.1 from reading
// or changing the local archive through the reader's browser.
func LoopbackHosts(listen string) []string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return nil
	}
	if host == "localhost" {
		return []string{"localhost", "127.0.0.1", "::1"}
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return []string{"localhost", "127.0.0.1", "::1", host}
	}
	return nil
}
