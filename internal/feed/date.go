package feed

import (
	"time"

	"github.com/newsvault/newsvault/internal/zh"
)

// ErrBadDate reports a date string in no format ParseDate knows.
var ErrBadDate = zh.ErrBadDate

// ParseDate reads a date string as feeds write it (see zh.ParseFeedDate).
// A date without a zone is read in loc; when loc is nil, in the zone of
// language (a feed language tag such as "zh-CN", see
// ParseOptions.Location), else UTC. "CST" means China Standard Time when
// the language is Chinese or loc is a Chinese zone, else US Central Time.
// It returns an error wrapping ErrBadDate when s is in no known format.
// Parse applies the same rules to every date of a feed.
func ParseDate(s, language string, loc *time.Location) (time.Time, error) {
	return zh.ParseFeedDate(s, language, loc)
}
