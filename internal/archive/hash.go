package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// ContentHash identifies the extracted content of a version. Two fetches with
// the same hash are the same version. Only what a reader sees counts: the
// title, author, dates and the sanitized HTML.
func ContentHash(v *Version) string {
	h := sha256.New()
	for _, s := range []string{v.Title, v.Author, unix(v.Published), unix(v.Updated), v.HTML} {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func unix(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.Unix(), 10)
}
