package extract

import (
	"time"

	"github.com/newsvault/newsvault/internal/zh"
)

// ParseDate finds the first date in s and returns it: the forms Chinese and
// international news pages write, read as zh.FindDate reads them (a date
// without a zone in loc, UTC when loc is nil). It reports false when s
// holds no valid date between 1900 and 2099.
func ParseDate(s string, loc *time.Location) (time.Time, bool) {
	d, ok := zh.FindDate(s, loc)
	return d.Time, ok
}
