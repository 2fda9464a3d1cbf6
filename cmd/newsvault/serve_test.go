package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/cli"
)

func TestServeAnswersOnlyLoopbackNamesWhileOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		listen string
		want   []string
	}{
		{"127.0.0.1:8080", []string{"localhost", "127.0.0.1", "::1", "127.0.0.1"}},
		{"[::1]:8080", []string{"localhost", "127.0.0.1", "::1", "::1"}},
		{"localhost:8080", []string{"localhost", "127.0.0.1", "::1"}},
		{"0.0.0.0:8080", nil},
		{":8080", nil},
		{"192.168.1.2:80", nil},
	} {
		if got := cli.LoopbackHosts(tc.listen); !slices.Equal(got, tc.want) {
			t.Errorf("cli.LoopbackHosts(%q) = %v, want %v", tc.listen, got, tc.want)
		}
	}
}

func TestServeShowsTheReadingPagesAndRefusesForeignHosts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, t.TempDir(), "serve", "--listen", addr, "--no-poll", "--grace", "2s")
		done <- err
	}()
	var resp *http.Response
	for range 100 {
		if resp, err = http.Get("http://" + addr + "/"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Latest articles") || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("front page: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/health", nil)
	req.Host = "attacker.example:80"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServeHelpExplainsLoginTokensAndReadAccess(t *testing.T) {
	cmd := newRootCmd()
	var out strings.Builder
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"serve", "--help"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/login", "admin password", "tokens create", "Authorization: Bearer", "--read-access", "auto",
		"loopback", "--anonymous-submit", "--submit-domains", "--behind-tls", "/api/v1/openapi.json", "--jobs", "in memory"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve --help does not mention %q", want)
		}
	}
}
