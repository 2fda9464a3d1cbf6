package dedup

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/newsvault/newsvault/internal/archive"
)

// variantHosts are host prefixes that serve the same article in another
// layout (mobile, AMP, WAP).
var variantHosts = []string{"m.", "mobile.", "amp.", "wap.", "3g."}

// variantParams are query parameters that select a layout, never content.
var variantParams = map[string]bool{
	"amp": true, "outputtype": true, "output": true, "print": true,
	"printable": true, "view": true, "mobile": true, "m": true, "format": true,
}

// variantParamValues restricts the parameters above whose name alone is not
// enough (view=print yes, view=gallery no).
var variantParamValues = map[string]map[string]bool{
	"view":   {"print": true, "amp": true, "mobile": true},
	"format": {"amp": true, "print": true},
	"output": {"amp": true, "print": true},
}

// URLKey returns the identity of an article URL across its layout variants:
// archive.CanonicalURL (tracking parameters and fragments gone), then the
// scheme, "www.", mobile/AMP/print host prefixes, "/amp" and "/print" path
// segments and ".amp" suffixes, and layout parameters removed. Two URLs with
// the same key show the same article; the key is for comparing, not
// fetching.
func URLKey(raw string) (string, error) {
	c, err := archive.CanonicalURL(raw)
	if err != nil {
		return "", fmt.Errorf("url key: %w", err)
	}
	u, err := url.Parse(c)
	if err != nil {
		return "", fmt.Errorf("url key %q: %w", raw, err)
	}
	host := u.Host
	for changed := true; changed; {
		changed = false
		for _, p := range append([]string{"www."}, variantHosts...) {
			if rest, ok := strings.CutPrefix(host, p); ok && strings.Contains(rest, ".") {
				host, changed = rest, true
			}
		}
	}
	segs := strings.Split(u.EscapedPath(), "/")
	kept := segs[:0]
	for _, s := range segs {
		ls := strings.ToLower(s)
		if ls == "amp" || ls == "print" || ls == "mobile" {
			continue
		}
		s = strings.TrimSuffix(s, ".amp")
		s = strings.TrimSuffix(s, ".amp.html")
		kept = append(kept, s)
	}
	path := strings.TrimRight(strings.Join(kept, "/"), "/")
	var q []string
	for _, p := range strings.Split(u.RawQuery, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		k, v = strings.ToLower(k), strings.ToLower(v)
		if variantParams[k] {
			if vals, ok := variantParamValues[k]; !ok || vals[v] {
				continue
			}
		}
		q = append(q, p)
	}
	key := host + path
	if len(q) > 0 {
		key += "?" + strings.Join(q, "&")
	}
	return key, nil
}

// Identity is what a page's URLs say about which article it is.
type Identity struct {
	// Key is the URLKey the article is filed under.
	Key string
	// Aliases are other keys the page is known by (its fetched URL when a
	// canonical replaced it, a cross-site canonical).
	Aliases []string
	// Certain is false when the evidence only links (a canonical on
	// another site: syndication), so the caller keeps an alias rather than
	// merging two articles.
	Certain bool
}

// Resolve decides an article's identity from the URL it was fetched at and
// the rel=canonical and og:url the page declares (either may be ""). A
// declared URL on the same site as the page is trusted; one on another site
// (a syndication partner's canonical) is recorded as an alias only.
func Resolve(page, canonical, ogURL string) (Identity, error) {
	pk, err := URLKey(page)
	if err != nil {
		return Identity{}, fmt.Errorf("resolve %q: %w", page, err)
	}
	id := Identity{Key: pk, Certain: true}
	for _, decl := range []string{canonical, ogURL} {
		dk, err := URLKey(decl)
		if err != nil || dk == id.Key || slices.Contains(id.Aliases, dk) {
			continue // a missing or unusable declaration says nothing
		}
		if archive.SameSite(page, decl) && id.Key == pk {
			id.Aliases = append(id.Aliases, pk)
			id.Key = dk
			continue
		}
		id.Aliases = append(id.Aliases, dk)
		if !archive.SameSite(page, decl) {
			id.Certain = false
		}
	}
	return id, nil
}
