package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
)

// parseConfig binds the global flags to a fresh Config and parses args.
func parseConfig(t *testing.T, args ...string) (*cli.Config, error) {
	t.Helper()
	c := &cli.Config{}
	root := &cobra.Command{Use: "newsvault"}
	cli.Bind(root, c)
	if err := root.ParseFlags(args); err != nil {
		return c, err
	}
	return c, cli.Configure(root, c, os.LookupEnv)
}

func netStrings(c *cli.Config) []string {
	var s []string
	for _, p := range c.AllowNets {
		s = append(s, p.String())
	}
	return s
}

func TestTheAllowNetFlag(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		args    []string
		want    []string
		wantErr string // from the flag, or from openApp for the environment
	}{
		{"no flag allows no range", "", nil, nil, ""},
		{"one range", "", []string{"--allow-net", "10.1.2.0/24"}, []string{"10.1.2.0/24"}, ""},
		{"the flag repeats", "", []string{"--allow-net", "10.1.2.0/24", "--allow-net=fd00:1::/32"}, []string{"10.1.2.0/24", "fd00:1::/32"}, ""},
		{"one use may list several", "", []string{"--allow-net", "10.1.2.0/24,192.168.7.5"}, []string{"10.1.2.0/24", "192.168.7.5/32"}, ""},
		{"a bad range is a flag error naming it", "", []string{"--allow-net", "10.1.2.0/33"}, nil, `invalid argument "10.1.2.0/33" for "--allow-net"`},
		{"a host name is a flag error", "", []string{"--allow-net", "intranet.example.com"}, nil, "not a CIDR range"},
		{"the environment lists ranges", "10.1.2.0/24, fd00::/8", nil, []string{"10.1.2.0/24", "fd00::/8"}, ""},
		{"the flag replaces the environment", "10.1.2.0/24", []string{"--allow-net", "172.20.0.0/16"}, []string{"172.20.0.0/16"}, ""},
		{"a bad environment fails naming the variable", "10.1.2.0/24,10.0.0.0/99", nil, nil, `NEWSVAULT_ALLOW_NETS="10.1.2.0/24,10.0.0.0/99": network "10.0.0.0/99"`},
		{"the flag overrides a bad environment", "bad", []string{"--allow-net", "10.1.2.0/24"}, []string{"10.1.2.0/24"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NEWSVAULT_ALLOW_NETS", tt.env)
			c, err := parseConfig(t, append([]string{"--data", t.TempDir()}, tt.args...)...)
			if err == nil {
				// A bad environment surfaces where the client is built.
				var a *cli.App
				if a, err = cli.Open(context.Background(), c); err == nil {
					a.Close()
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v; want one containing %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := netStrings(c); !slices.Equal(got, tt.want) {
				t.Errorf("AllowNets = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestTheFetchLimitFlagsHaveDefaultsAndHelp(t *testing.T) {
	c, err := parseConfig(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.HostConns != 2 || c.IdleTimeout.String() != "15s" || c.MaxHeader != 64<<10 || c.MaxImages != 50 {
		t.Errorf("defaults: host-conns %d, idle-timeout %s, max-header %d, max-images %d", c.HostConns, c.IdleTimeout, c.MaxHeader, c.MaxImages)
	}
	root := newRootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"--allow-net CIDR", "--host-conns", "--idle-timeout", "--max-header", "--max-images"} {
		if !strings.Contains(out.String(), flag) {
			t.Errorf("--help does not describe %s:\n%s", flag, out.String())
		}
	}
}

// TestAnAllowedNetIsReachableFromTheCommandLine archives a page from a
// loopback server: refused by default, archived with --allow-net naming
// its address and no --allow-private.
func TestAnAllowedNetIsReachableFromTheCommandLine(t *testing.T) {
	t.Setenv("NEWSVAULT_ALLOW_NETS", "")
	t.Setenv("NEWSVAULT_ALLOW_PRIVATE", "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><head><title>内网新闻</title></head><body><article><h1>内网新闻</h1><p>"+
			strings.Repeat("内部订阅服务器上的一篇新闻，用来测试允许的网段。", 20)+"</p></article></body></html>")
	}))
	defer srv.Close()
	data := t.TempDir()
	archive := func(extra ...string) (string, error) {
		cmd := newRootCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(append(append([]string{"--data", data, "--host-rate", "0", "--log-level", "error"}, extra...), "archive", srv.URL+"/news.html"))
		err := cmd.ExecuteContext(context.Background())
		return out.String(), err
	}
	if out, err := archive(); err == nil || !strings.Contains(out, "blocked address") {
		t.Errorf("without --allow-net: %v\n%s", err, out)
	}
	if out, err := archive("--allow-net", "127.0.0.1/32"); err != nil || !strings.Contains(out, "new") {
		t.Errorf("with --allow-net 127.0.0.1/32: %v\n%s", err, out)
	}
}
