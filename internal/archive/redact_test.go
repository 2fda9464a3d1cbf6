package archive

import (
	"strings"
	"testing"
)

func TestRedactMasksCredentialsInURLsAndMessages(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com/feed.xml?page=2", "https://example.com/feed.xml?page=2"},
		{"https://alice:hunter2@example.com/feed.xml", "https://alice:xxxxx@example.com/feed.xml"},
		{"https://ghp_secrettoken@example.com/feed", "https://xxxxx@example.com/feed"},
		{"http://example.com/rss?apikey=s3cret&lang=zh", "http://example.com/rss?apikey=xxxxx&lang=zh"},
		{"http://example.com/rss?lang=zh&API_KEY=s3cret#top", "http://example.com/rss?lang=zh&API_KEY=xxxxx#top"},
		{"http://example.com/?access_token=a&key=b&sig=c&X-Amz-Signature=d&client_secret=e&password=f",
			"http://example.com/?access_token=xxxxx&key=xxxxx&sig=xxxxx&X-Amz-Signature=xxxxx&client_secret=xxxxx&password=xxxxx"},
		{`poll https://u:p@feeds.example/x?token=t: fetch https://u:p@feeds.example/x?token=t: HTTP 500`,
			`poll https://u:xxxxx@feeds.example/x?token=xxxxx: fetch https://u:xxxxx@feeds.example/x?token=xxxxx: HTTP 500`},
		{"no URL here: password=1", "no URL here: password=1"},
		{"manual:", "manual:"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
		for _, secret := range []string{"hunter2", "s3cret", "ghp_secrettoken", ":p@"} {
			if strings.Contains(Redact(tt.in), secret) {
				t.Errorf("Redact(%q) still holds %q", tt.in, secret)
			}
		}
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("https://a:b@c.example/?token=1&x=2#f")
	f.Add("err: http://x@y/z?key=&=&&")
	f.Fuzz(func(t *testing.T, s string) {
		r := Redact(s)
		if Redact(r) != r {
			t.Errorf("Redact is not idempotent on %q: %q then %q", s, r, Redact(r))
		}
	})
}
