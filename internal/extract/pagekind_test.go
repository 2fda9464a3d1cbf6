package extract

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPageKinds(t *testing.T) {
	shell := `<!DOCTYPE html><html><head><title>App</title><script src="/static/app.js"></script></head>` +
		`<body><div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript></body></html>`
	tests := []struct {
		name   string
		file   string // under testdata/kinds, or "" for body
		body   string
		kind   string
		reason string
	}{
		{name: "a soft 404 whose title says so", file: "soft404_title.html", kind: KindError, reason: "页面不存在"},
		{name: "a soft 404 that says so only in its text", file: "soft404_body.html", kind: KindError, reason: "您访问的页面已删除"},
		{name: "an English soft 404", file: "soft404_english.html", kind: KindError, reason: "404 Not Found"},
		{name: "a Cloudflare browser check", file: "challenge_cloudflare.html", kind: KindChallenge, reason: "Just a moment"},
		{name: "a Chinese slider captcha", file: "challenge_zh.html", kind: KindChallenge, reason: "安全验证"},
		{name: "a login form", file: "login_form.html", kind: KindLogin, reason: "login form"},
		{name: "a paywall over a teaser", file: "paywall.html", kind: KindLogin, reason: "订阅后阅读全文"},
		{name: "an index page of headlines and teasers", file: "listing.html", kind: KindListing, reason: "headline links"},
		{name: "a script shell without text", body: shell, kind: KindEmpty, reason: "no article content"},
		{name: "an empty body", body: "<html><body></body></html>", kind: KindEmpty, reason: "no article content"},
		{name: "one line saying 404", body: "<html><body><p>404 页面不存在</p></body></html>", kind: KindError, reason: "页面不存在"},
		{name: "an article about error pages stays an article", file: "about_404.html", kind: KindArticle},
		{name: "a news article stays an article", file: "../news_page.html", kind: KindArticle},
		{name: "a short article under a header with a login form is an article", file: "short_login_header.html", kind: KindArticle},
		{name: "a one-paragraph brief with a captcha in its comment form is an article", file: "short_captcha_comments.html", kind: KindArticle},
	}
	e := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			if tt.file != "" {
				var err error
				if body, err = os.ReadFile(filepath.Join("testdata", "kinds", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			r, err := e.Extract(context.Background(), Page{URL: "https://news.example.cn/p/1.html", ContentType: "text/html", Body: body})
			if tt.kind == KindArticle {
				if err != nil || r.Kind != KindArticle {
					t.Fatalf("Extract = %v, %v; want an article", r, err)
				}
				return
			}
			var na *NotArticleError
			if !errors.As(err, &na) || !errors.Is(err, ErrNotArticle) {
				t.Fatalf("Extract = %+v, %v; want a *NotArticleError", r, err)
			}
			if na.Kind != tt.kind || !strings.Contains(na.Reason, tt.reason) {
				t.Errorf("kind %q, reason %q; want %q with %q", na.Kind, na.Reason, tt.kind, tt.reason)
			}
			if !strings.Contains(err.Error(), "https://news.example.cn/p/1.html") || !strings.Contains(err.Error(), tt.kind) {
				t.Errorf("error %q does not name the URL and the kind", err)
			}
		})
	}
}

func TestNotArticleErrorWrapsErrNotArticle(t *testing.T) {
	err := error(&NotArticleError{Kind: KindChallenge, Reason: "bot check"})
	if !errors.Is(err, ErrNotArticle) {
		t.Error("errors.Is(NotArticleError, ErrNotArticle) = false")
	}
	if got := err.Error(); got != "not an article (challenge page): bot check" {
		t.Errorf("Error() = %q", got)
	}
}

func TestIsListingNeedsMoreThanLinksBetweenParagraphs(t *testing.T) {
	tests := []struct {
		name string
		st   pruneStats
		want bool
	}{
		{"headlines and nothing else", pruneStats{linkHeads: 20, proseTokens: 10}, true},
		{"headlines each with a short teaser", pruneStats{linkHeads: 8, proseTokens: 200, proseBlocks: 8, teasers: 8, longest: 30}, true},
		{"an article with related links between its paragraphs", pruneStats{linkHeads: 6, proseTokens: 500, proseBlocks: 17, teasers: 6, longest: 71}, false},
		{"an article with a related list at the end", pruneStats{linkHeads: 10, proseTokens: 300, proseBlocks: 5, teasers: 0, longest: 90}, false},
		{"few links", pruneStats{linkHeads: 3, proseTokens: 0}, false},
	}
	for _, tt := range tests {
		if got := isListing(tt.st); got != tt.want {
			t.Errorf("%s: isListing = %v, want %v", tt.name, got, tt.want)
		}
	}
}
