package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestOthersFailuresCannotLockTheAdminOut has 40 addresses hammer the login
// form with wrong passwords at once until every one of them is refused;
// then the right password from a fresh address gets a session, while a
// hammering address is still refused.
func TestOthersFailuresCannotLockTheAdminOut(t *testing.T) {
	e := newEnv(t, envOptions{})
	login := func(addr, password string) *http.Response {
		form := url.Values{"username": {"admin"}, "password": {password}, "next": {"/"}}
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		return rec.Result()
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	refusedAttackers := 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if login(fmt.Sprintf("198.51.100.%d:4000", i+1), "guess-"+fmt.Sprint(i)).StatusCode == http.StatusTooManyRequests {
					mu.Lock()
					refusedAttackers++
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if refusedAttackers != 40 {
		t.Fatalf("%d of 40 guessing addresses were stopped; want all", refusedAttackers)
	}
	resp := login("203.0.113.9:5000", testPassword)
	if resp.StatusCode != http.StatusSeeOther || cookieNamed(resp, sessionCookie) == nil {
		t.Errorf("the right password from a fresh address: %d; want a session", resp.StatusCode)
	}
	if resp := login("198.51.100.1:4000", testPassword); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a guessing address, even with the right password: %d; want 429", resp.StatusCode)
	}
	// A right password costs no attempt: the fresh address signs in again
	// and again.
	for range 8 {
		if resp := login("203.0.113.9:5000", testPassword); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("signing in again: %d", resp.StatusCode)
		}
	}
}
