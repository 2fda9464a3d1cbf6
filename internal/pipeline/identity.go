package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsvault/newsvault/internal/archive"
	"github.com/newsvault/newsvault/internal/feed"
)

// Bounds on what one article may carry besides its content: a feed or page
// can put anything in a title, and a reader-facing field of megabytes is a
// fault, not news.
const (
	MaxTitleRunes  = 1000
	MaxAuthorRunes = 300
	MaxURLBytes    = 4096
)

// ErrURLTooLong is wrapped for links longer than MaxURLBytes.
var ErrURLTooLong = errors.New("link too long")

// ErrPageTooLarge is wrapped for pages over Options.MaxPageSize.
var ErrPageTooLarge = errors.New("page too large to extract")

// copyKey is the identity of source srcID's own article for content it
// carries of canon, another source's article (see store.ArticleWrite).
func copyKey(srcID int64, canon string) string {
	return "urn:newsvault:copy:" + strconv.FormatInt(srcID, 10) + ":" + canon
}

// itemIdentity returns a feed item's link (empty when it has none) and the
// identity of its article: the canonical link, or for an item with no link
// (podcast-style feeds), a key made from the item's stable fields within
// its source: its GUID, else its enclosure, else its title and date, else
// its content.
func itemIdentity(src *archive.Source, it feed.Item) (link, key string, err error) {
	link = it.URL
	if link == "" && (strings.HasPrefix(it.GUID, "http://") || strings.HasPrefix(it.GUID, "https://")) {
		link = it.GUID
	}
	if link != "" {
		if len(link) > MaxURLBytes {
			return "", "", fmt.Errorf("item %q: %w (%d bytes, limit %d)", clip(it.Title, 80), ErrURLTooLong, len(link), MaxURLBytes)
		}
		key, err = archive.CanonicalURL(link)
		if err != nil {
			return "", "", fmt.Errorf("item %q: %w", clip(it.Title, 80), err)
		}
		return link, key, nil
	}
	var stable string
	switch {
	case it.GUID != "":
		stable = "guid\x00" + it.GUID
	case it.Enclosure != "":
		stable = "enclosure\x00" + it.Enclosure
	case it.Title != "" || !it.Published.IsZero():
		stable = "item\x00" + it.Title + "\x00"
		if !it.Published.IsZero() {
			stable += it.Published.UTC().Format(time.RFC3339)
		}
	case strings.TrimSpace(it.Content+it.Summary) != "":
		stable = "content\x00" + it.Content + "\x00" + it.Summary
	default:
		return "", "", errors.New("item with no link, no id, no title and no content")
	}
	sum := sha256.Sum256([]byte(stable))
	return "", "urn:newsvault:feed:" + strconv.FormatInt(src.ID, 10) + ":" + hex.EncodeToString(sum[:16]), nil
}

// clip shortens s to at most n runes, marking a cut with "…".
func clip(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for j := range s {
		if count == n-1 {
			i = j
			break
		}
		count++
	}
	return s[:i] + "…"
}
