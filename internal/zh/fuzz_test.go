package zh

import (
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzParseFeedDate(f *testing.F) {
	for _, s := range []string{
		"2023-02-28 14:12:24", "Tue, 28 Feb 2023 14:12:24 CST", "2023-02-28T14:12:24.123+08:00",
		"Tue Feb 28 2023 14:12:24 GMT+0800 (China Standard Time)", "2023年2月28日 14:12", "Mon Jan 2 15:04:05 EST 2006",
		"2023/2/28 14:12:24", "28 Feb 2023 14:12 HKT", "2023-02-28 +0800", "14:12 2023-02-28", "(((+", "1:00-",
	} {
		f.Add(s, "zh-CN", int64(1677564744), int16(480))
	}
	f.Fuzz(func(t *testing.T, s, language string, unix int64, offsetMinutes int16) {
		// Any string: no panic, and a result that is stable.
		z := RulesFor(language, nil, false)
		got, ok := z.Parse(s, nil)
		again, okAgain := z.Parse(s, nil)
		if ok != okAgain || !got.Equal(again) {
			t.Fatalf("parseDate(%q) is not deterministic", s)
		}
		if _, core := detectZone(s, true); utf8.ValidString(s) && !utf8.ValidString(core) {
			t.Fatalf("detectZone(%q) broke UTF-8: %q", s, core)
		}
		// A date written with a numeric offset reads back exactly, whatever
		// the feed's zone.
		off := int(offsetMinutes) % (14 * 60)
		when := time.Unix(unix%(300*365*86400), 0).In(time.FixedZone("", off*60))
		if when.Year() < 1000 || when.Year() > 9999 {
			return
		}
		for _, layout := range []string{time.RFC1123Z, time.RFC3339, "2006-01-02 15:04:05 -07:00"} {
			text := when.Format(layout)
			back, err := ParseFeedDate(text, language, nil)
			if err != nil || !back.Equal(when) {
				t.Fatalf("ParseDate(%q) = %v, %v; want %v", text, back, err, when)
			}
		}
	})
}
