package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/store"
)

// ErrNotImage is wrapped when an image URL returns something that is not an
// image.
var ErrNotImage = errors.New("not an image")

// storeImages downloads every image html uses (each URL once for the whole
// archive), stores the bytes as blobs and rewrites html to point at them.
// Images that fail keep their original URL; the count of failures is
// returned, since a missing image must not lose the article.
func (p *Pipeline) storeImages(ctx context.Context, html, base string) (string, []store.AssetRef, int) {
	imgs := content.Images(html, base)
	if len(imgs) == 0 {
		return html, nil, 0
	}
	if len(imgs) > p.opts.MaxImages {
		imgs = imgs[:p.opts.MaxImages]
	}
	local := make(map[string]string, len(imgs))
	var refs []store.AssetRef
	failed := 0
	for _, img := range imgs {
		a, err := p.asset(ctx, img.URL)
		if err != nil {
			failed++
			p.log.Info("image not stored", "url", img.URL, "err", err)
			continue
		}
		local[img.URL] = p.opts.AssetPrefix + a.Hash
		refs = append(refs, store.AssetRef{Asset: a, URL: img.URL})
	}
	if len(local) == 0 {
		return html, nil, failed
	}
	return content.Rewrite(html, base, local), refs, failed
}

// asset returns the stored asset for an image URL, downloading it the first
// time.
func (p *Pipeline) asset(ctx context.Context, u string) (archive.Asset, error) {
	if a, err := p.store.AssetByURL(ctx, u); err == nil {
		return a, nil
	}
	resp, err := p.fetcher.Get(ctx, fetch.Request{URL: u, Accept: "image/avif,image/webp,image/*;q=0.9,*/*;q=0.5"})
	if err != nil {
		return archive.Asset{}, err
	}
	if !resp.OK() {
		return archive.Asset{}, fmt.Errorf("image %s: %w %d", u, ErrHTTPStatus, resp.Status)
	}
	ct := resp.ContentType
	sniffed := http.DetectContentType(resp.Body)
	if !strings.HasPrefix(sniffed, "image/") {
		if !strings.HasPrefix(strings.ToLower(ct), "image/") || strings.HasPrefix(sniffed, "text/html") {
			return archive.Asset{}, fmt.Errorf("image %s: %w (%s)", u, ErrNotImage, sniffed)
		}
	} else if ct == "" || !strings.HasPrefix(strings.ToLower(ct), "image/") {
		ct = sniffed
	}
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	hash, err := p.blobs.Put(resp.Body)
	if err != nil {
		return archive.Asset{}, fmt.Errorf("image %s: %w", u, err)
	}
	return archive.Asset{Hash: hash, URL: u, ContentType: ct, Size: int64(len(resp.Body)), FetchedAt: resp.FetchedAt.UTC()}, nil
}
