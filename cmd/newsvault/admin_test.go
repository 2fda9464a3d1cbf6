package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/auth"
	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/store/sqlite"
)

// runInput is run with input as standard input (never the terminal).
func runInput(t *testing.T, dataDir, input string, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(input))
	cmd.SetArgs(append([]string{"--data", dataDir, "--log-level", "error"}, args...))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// startServe runs serve on a free loopback port until the test ends or
// stop is called; stop returns what serve printed.
func startServe(t *testing.T, dataDir string, args ...string) (base string, stop func() string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := run(t, ctx, dataDir, append([]string{"serve", "--listen", addr, "--no-poll", "--grace", "2s"}, args...)...)
		done <- result{out, err}
	}()
	for range 200 {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var stopped *result
	stop = func() string {
		if stopped == nil {
			cancel()
			select {
			case r := <-done:
				stopped = &r
			case <-time.After(15 * time.Second):
				t.Fatal("serve did not stop")
			}
			if stopped.err != nil {
				t.Errorf("serve: %v\n%s", stopped.err, stopped.out)
			}
		}
		return stopped.out
	}
	t.Cleanup(func() { stop() })
	return "http://" + addr, stop
}

var noFollow = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// send makes one request to serve, with a bearer token when token is set.
func send(t *testing.T, method, u, token, ctype, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

var firstPassword = regexp.MustCompile(`made an admin password, shown only now:\s+([A-Z2-7]{26})\s`)

func TestTheFirstServeMakesAnAdminPasswordAndPrintsItOnce(t *testing.T) {
	data := t.TempDir()
	base, stop := startServe(t, data)
	if resp := send(t, "GET", base+"/", "", "", ""); resp.StatusCode != 200 {
		t.Errorf("front page on loopback (public by default): %d", resp.StatusCode)
	}
	if resp := send(t, "POST", base+"/api/v1/sources", "", "application/json", `{"feed_url":"https://example.com/rss"}`); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous API write: %d, want 401", resp.StatusCode)
	}
	out := stop()
	m := firstPassword.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "newsvault admin password") {
		t.Fatalf("no first password and how to change it in:\n%s", out)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(data, "newsvault.db"))
	if err != nil {
		t.Fatal(err)
	}
	hash, err := st.PasswordHash(context.Background(), auth.Admin)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := auth.VerifyPassword(m[1], hash); !ok || err != nil {
		t.Errorf("the printed password does not match the stored hash: %v", err)
	}
	// It stands out among the log lines, says how to reset it, and (serve's
	// standard error being no terminal here) is also in a private file
	// whose path is logged.
	block := regexp.MustCompile(`(?s)\n(={72})\n(.*?)\n(={72})\n`).FindStringSubmatch(out)
	if block == nil || !strings.Contains(block[2], m[1]) || !strings.Contains(block[2], "Set a new one at any time with: newsvault admin password") {
		t.Errorf("the password is not in a delimited block saying how to reset it:\n%s", out)
	}
	file := filepath.Join(data, "admin-password.txt")
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(file); string(b) != m[1]+"\n" {
		t.Errorf("password file holds %q", b)
	}
	if !strings.Contains(block[2], file) {
		t.Errorf("the block does not name %s:\n%s", file, out)
	}
	if p, _ := auth.HashParams(hash); p != auth.DefaultParams() {
		t.Errorf("first password hashed with %+v", p)
	}

	// The second start keeps it and prints nothing.
	_, stop = startServe(t, data)
	if out := stop(); strings.Contains(out, "admin password") {
		t.Errorf("the second start printed a password:\n%s", out)
	}
}

func TestAdminPasswordAndTokensFromTheCommandLine(t *testing.T) {
	data := t.TempDir()
	const password = "一个足够长的口令 with spaces"
	if _, err := runInput(t, data, "short\n", "admin", "password"); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Errorf("a short password: %v", err)
	}
	// A first password serve wrote to a file is stale once a new one is set.
	os.WriteFile(filepath.Join(data, "admin-password.txt"), []byte("FIRSTPASSWORD\n"), 0o600)
	if out, err := runInput(t, data, password+"\n", "admin", "password"); err != nil || !strings.Contains(out, "signed out") {
		t.Fatalf("admin password: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, "admin-password.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale first-password file is still there: %v", err)
	}
	if _, err := runInput(t, data, "", "tokens", "create", "12345"); err == nil {
		t.Error("a token named only with digits was made")
	}
	out, err := runInput(t, data, "", "tokens", "create", "feed-bot")
	if err != nil {
		t.Fatalf("tokens create: %v\n%s", err, out)
	}
	token := strings.SplitN(out, "\n", 2)[0]
	if !strings.HasPrefix(token, auth.TokenPrefix) || len(token) < 40 {
		t.Fatalf("token %q", token)
	}
	if _, err := runInput(t, data, "", "tokens", "create", "feed-bot"); err == nil {
		t.Error("two live tokens share a name")
	}
	if out, _ := runInput(t, data, "", "tokens", "list"); !regexp.MustCompile(`(?m)^1\s+feed-bot\s.*\slive$`).MatchString(out) || strings.Contains(out, token) {
		t.Errorf("tokens list:\n%s", out)
	}

	// A feed to change through the API (a feed added by the API is
	// fetched first, which a test must not do beyond loopback).
	if out, err := runInput(t, data, "", "feeds", "add", "--no-check", "https://example.com/rss"); err != nil {
		t.Fatalf("feeds add: %v\n%s", err, out)
	}
	base, _ := startServe(t, data, "--read-access", "private")
	if resp := send(t, "GET", base+"/api/v1/articles", "", "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("private read without the token: %d", resp.StatusCode)
	}
	if resp := send(t, "GET", base+"/api/v1/articles", token, "", ""); resp.StatusCode != 200 {
		t.Errorf("private read with the token: %d", resp.StatusCode)
	}
	if resp := send(t, "PATCH", base+"/api/v1/sources/1", token, "application/json", `{"title":"例子"}`); resp.StatusCode != http.StatusOK {
		t.Errorf("API write with the token: %d", resp.StatusCode)
	}
	// The password set on the command line logs in.
	form := url.Values{"password": {password}, "next": {"/sources"}}.Encode()
	resp := send(t, "POST", base+"/login", "", "application/x-www-form-urlencoded", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sources" || len(resp.Cookies()) == 0 {
		t.Errorf("login: %d %v", resp.StatusCode, resp.Header)
	}
	// Revoking on the command line takes effect at once.
	if out, err := runInput(t, data, "", "tokens", "revoke", "feed-bot"); err != nil || !strings.Contains(out, "revoked token 1") {
		t.Fatalf("tokens revoke: %v\n%s", err, out)
	}
	if resp := send(t, "POST", base+"/api/v1/sources", token, "application/json", `{"feed_url":"https://example.com/rss2"}`); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("API write with the revoked token: %d", resp.StatusCode)
	}
	if _, err := runInput(t, data, "", "tokens", "revoke", "1"); err == nil {
		t.Error("revoking twice succeeded")
	}
	if out, _ := runInput(t, data, "", "tokens", "list"); !strings.Contains(out, "revoked") {
		t.Errorf("tokens list after revoking:\n%s", out)
	}
	// The name is free again.
	if _, err := runInput(t, data, "", "tokens", "create", "feed-bot"); err != nil {
		t.Errorf("a revoked token's name: %v", err)
	}
}

func TestAdminAndTokensVerbsHaveHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"admin", "password", "--help"}, []string{"12 characters", "argon2id", "signs every browser out", "standard input"}},
		{[]string{"tokens", "--help"}, []string{"Authorization: Bearer", "create", "list", "revoke"}},
		{[]string{"tokens", "create", "--help"}, []string{"shown again", "NAME"}},
		{[]string{"tokens", "revoke", "--help"}, []string{"NAME|ID"}},
	} {
		out, err := runInput(t, t.TempDir(), "", tc.args...)
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s does not mention %q", strings.Join(tc.args, " "), w)
			}
		}
	}
}

func TestReadAccessAutoIsPublicOnlyOnLoopback(t *testing.T) {
	for _, tc := range []struct{ flag, listen, want string }{
		{"auto", "127.0.0.1:8080", "public"},
		{"auto", "[::1]:8080", "public"},
		{"auto", "0.0.0.0:8080", "private"},
		{"auto", ":8080", "private"},
		{"public", ":8080", "public"},
		{"private", "127.0.0.1:8080", "private"},
	} {
		if got, err := cli.ReadAccessFor(tc.flag, tc.listen); err != nil || string(got) != tc.want {
			t.Errorf("cli.ReadAccessFor(%q, %q) = %q, %v; want %q", tc.flag, tc.listen, got, err, tc.want)
		}
	}
	var ue cli.UsageError
	if _, err := run(t, context.Background(), t.TempDir(), "serve", "--read-access", "sometimes"); !errors.As(err, &ue) {
		t.Errorf("a bad --read-access: %v", err)
	}
}

// Serve's output in the background goes to a log file or a journal: the
// password is then also written to a private file, the log says where, and
// a second announcement (a reset database) replaces the file's content.
func TestTheFirstPasswordGoesToAPrivateFileWhenNoTerminalSeesIt(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "admin-password.txt")
	os.WriteFile(file, []byte("an old password that is much longer\n"), 0o644)
	var out, logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if err := announcePassword(&out, log, dir, "NEWPASSWORD234567ABCDEFGHI", "http://127.0.0.1:8080/login"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("password file: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(file); string(b) != "NEWPASSWORD234567ABCDEFGHI\n" {
		t.Errorf("password file holds %q", b)
	}
	if !strings.Contains(logs.String(), file) || !strings.Contains(logs.String(), "newsvault admin password") {
		t.Errorf("the log does not say where the password is and how to reset it: %s", logs.String())
	}
	if !strings.Contains(out.String(), "Log in at http://127.0.0.1:8080/login") {
		t.Errorf("no login address: %s", out.String())
	}
}
