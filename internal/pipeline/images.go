package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/content"
	"github.com/newsvault/newsvault/internal/fetch"
	"github.com/newsvault/newsvault/internal/store"
)

// ErrNotImage is wrapped when an image URL returns something that is not an
// image of a type we keep (archive.ImageType).
var ErrNotImage = archive.ErrNotImage

// ErrTooManyImages is wrapped in the log record of an article whose images
// past Options.MaxImages were not fetched.
var ErrTooManyImages = errors.New("too many images")

// storeImages downloads the images art uses (each URL once for the whole
// archive), up to MaxImages in document order, stores the bytes as blobs and
// re-points art at them. Images that fail, or are past the cap, keep their
// original URL: a missing image must not lose the article. It returns how
// many failed and how many were past the cap, and logs why; base is for the
// log.
func (p *Pipeline) storeImages(ctx context.Context, art *content.Article, base string) (_ []store.AssetRef, failed, overCap int) {
	imgs := art.Images()
	if len(imgs) == 0 {
		return nil, 0, 0
	}
	if len(imgs) > p.opts.MaxImages {
		overCap = len(imgs) - p.opts.MaxImages
		p.log.Warn("images over the per-article cap not fetched", "url", base,
			"err", fmt.Errorf("%w: %d images, MaxImages %d: the last %d keep their remote URLs", ErrTooManyImages, len(imgs), p.opts.MaxImages, overCap),
			"first_not_fetched", imgs[p.opts.MaxImages].URL)
		imgs = imgs[:p.opts.MaxImages]
	}
	local := make(map[string]string, len(imgs))
	var refs []store.AssetRef
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
		return nil, failed, overCap
	}
	art.Rewrite(local)
	return refs, failed, overCap
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
	// Only an allow-listed type, from the declared type and the bytes
	// together; the refusal is recorded with its reason.
	ct, err := archive.ImageType(resp.ContentType, resp.Body)
	if err != nil {
		p.failedCapture(ctx, u, resp, err)
		return archive.Asset{}, fmt.Errorf("image %s: %w", u, err)
	}
	hash, err := p.blobs.Put(ctx, resp.Body)
	if err != nil {
		return archive.Asset{}, fmt.Errorf("image %s: %w", u, err)
	}
	return archive.Asset{Hash: hash, URL: u, ContentType: ct, Size: int64(len(resp.Body)), FetchedAt: resp.FetchedAt.UTC()}, nil
}
