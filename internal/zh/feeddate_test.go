package zh

import (
	"errors"
	"testing"
	"time"
)

func TestDetectZoneReadsTheZoneAfterTheTime(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		chinese bool
		kind    zoneKind
		offset  int
		core    string
	}{
		{"no zone in an ISO date", "2023-02-28 14:12:24", false, zoneNone, 0, "2023-02-28 14:12:24"},
		{"no zone in an RFC 822 date", "Tue, 28 Feb 2023 14:12:24", false, zoneNone, 0, "Tue, 28 Feb 2023 14:12:24"},
		{"a date with no time and no zone", "2023-02-28", false, zoneNone, 0, "2023-02-28"},
		{"a year after the time is not an offset", "Mon Jan 2 15:04:05 2006", false, zoneNone, 0, "Mon Jan 2 15:04:05 2006"},
		{"a date after the time is not an offset", "14:12 2023-02-28", false, zoneNone, 0, "14:12 2023-02-28"},
		{"AM and PM are no zones", "Feb 28, 2023 2:12 PM", false, zoneNone, 0, "Feb 28, 2023 2:12 PM"},
		{"Z right after the time", "2023-02-28T14:12:24Z", false, zoneNumeric, 0, "2023-02-28T14:12:24"},
		{"Z after fractional seconds", "2023-02-28T14:12:24.123Z", false, zoneNumeric, 0, "2023-02-28T14:12:24.123"},
		{"GMT", "Tue, 28 Feb 2023 14:12:24 GMT", false, zoneNumeric, 0, "Tue, 28 Feb 2023 14:12:24"},
		{"UT", "Tue, 28 Feb 2023 14:12:24 UT", false, zoneNumeric, 0, "Tue, 28 Feb 2023 14:12:24"},
		{"a colon offset", "2023-02-28T14:12:24+08:00", false, zoneNumeric, 8 * 3600, "2023-02-28T14:12:24"},
		{"a four-digit offset", "Tue, 28 Feb 2023 14:12:24 -0500", false, zoneNumeric, -5 * 3600, "Tue, 28 Feb 2023 14:12:24"},
		{"a half-hour offset", "2023-02-28 14:12:24 +05:30", false, zoneNumeric, 5*3600 + 1800, "2023-02-28 14:12:24"},
		{"GMT with a one-digit offset", "Tue, 28 Feb 2023 14:12:24 GMT+8", false, zoneNumeric, 8 * 3600, "Tue, 28 Feb 2023 14:12:24"},
		{"UTC with an offset", "2023-02-28 14:12:24 UTC+08:00", false, zoneNumeric, 8 * 3600, "2023-02-28 14:12:24"},
		{"an offset wins over an abbreviation", "2023-02-28 14:12:24 +0800 CST", false, zoneNumeric, 8 * 3600, "2023-02-28 14:12:24"},
		{"a JavaScript date with a zone comment", "Tue Feb 28 2023 14:12:24 GMT+0800 (China Standard Time)", false, zoneNumeric, 8 * 3600, "Tue Feb 28 2023 14:12:24"},
		{"CST in a Chinese feed", "Tue, 28 Feb 2023 14:12:24 CST", true, zoneAbbrev, 8 * 3600, "Tue, 28 Feb 2023 14:12:24"},
		{"CST in another feed", "Tue, 28 Feb 2023 14:12:24 CST", false, zoneAbbrev, -6 * 3600, "Tue, 28 Feb 2023 14:12:24"},
		{"HKT", "28 Feb 2023 14:12 HKT", false, zoneAbbrev, 8 * 3600, "28 Feb 2023 14:12"},
		{"JST in a Chinese feed", "Tue, 28 Feb 2023 14:12:24 JST", true, zoneAbbrev, 9 * 3600, "Tue, 28 Feb 2023 14:12:24"},
		{"an abbreviation before the year", "Mon Jan 2 15:04:05 EST 2006", false, zoneAbbrev, -5 * 3600, "Mon Jan 2 15:04:05 2006"},
		{"an abbreviation in parentheses", "Tue, 28 Feb 2023 14:12:24 (CST)", true, zoneAbbrev, 8 * 3600, "Tue, 28 Feb 2023 14:12:24"},
		{"an unknown abbreviation", "Tue, 28 Feb 2023 14:12:24 XYZT", false, zoneUnknown, 0, "Tue, 28 Feb 2023 14:12:24"},
		{"a date alone with GMT", "Tue, 28 Feb 2023 GMT", false, zoneNumeric, 0, "Tue, 28 Feb 2023"},
		{"a date alone with an offset", "2023-02-28 +0800", false, zoneNumeric, 8 * 3600, "2023-02-28"},
		{"Chinese characters are kept", "2023年2月28日 14:12 CST", true, zoneAbbrev, 8 * 3600, "2023年2月28日 14:12"},
		{"an hour over 14 is no offset", "2023-02-28 14:12:24 +1500", false, zoneNone, 0, "2023-02-28 14:12:24 +1500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z, core := detectZone(tc.in, tc.chinese)
			if z.kind != tc.kind || z.offset != tc.offset || core != tc.core {
				t.Errorf("detectZone(%q) = %+v, %q; want kind %d offset %d, %q", tc.in, z, core, tc.kind, tc.offset, tc.core)
			}
		})
	}
}

func TestParseDateAppliesTheZoneRules(t *testing.T) {
	shanghai := mustLoad(t, "Asia/Shanghai")
	tokyo := mustLoad(t, "Asia/Tokyo")
	at := func(h, m, s int, off int) time.Time {
		return time.Date(2023, 2, 28, h, m, s, 0, time.FixedZone("", off))
	}
	const cst, jst = 8 * 3600, 9 * 3600
	tests := []struct {
		name     string
		in       string
		language string
		loc      *time.Location
		want     time.Time
	}{
		{"a zone-less ISO date in a zh-CN feed is Beijing time", "2023-02-28 14:12:24", "zh-CN", nil, at(14, 12, 24, cst)},
		{"a zone-less RFC 822 date in a zh feed is Beijing time", "Tue, 28 Feb 2023 14:12:24", "zh", nil, at(14, 12, 24, cst)},
		{"a zone-less date in a zh-TW feed is Taipei time", "2023-02-28 14:12:24", "zh-TW", nil, at(14, 12, 24, cst)},
		{"a zone-less date in a zh-Hant-HK feed is Hong Kong time", "2023-02-28 14:12:24", "zh-Hant-HK", nil, at(14, 12, 24, cst)},
		{"a zone-less date in an English feed is UTC", "2023-02-28 14:12:24", "en", nil, at(14, 12, 24, 0)},
		{"a zone-less date with no language is UTC", "2023-02-28 14:12:24", "", nil, at(14, 12, 24, 0)},
		{"a zone-less date follows the given location", "2023-02-28 14:12:24", "zh-CN", tokyo, at(14, 12, 24, jst)},
		{"CST in a Chinese feed is +08:00", "Tue, 28 Feb 2023 14:12:24 CST", "zh-CN", nil, at(14, 12, 24, cst)},
		{"CST with a Chinese location is +08:00", "Tue, 28 Feb 2023 14:12:24 CST", "en", shanghai, at(14, 12, 24, cst)},
		{"CST in an English feed is US Central", "Tue, 28 Feb 2023 14:12:24 CST", "en-US", nil, at(14, 12, 24, -6*3600)},
		{"HKT is +08:00", "Tue, 28 Feb 2023 14:12:24 HKT", "en", nil, at(14, 12, 24, cst)},
		{"JST is +09:00", "Tue, 28 Feb 2023 14:12:24 JST", "zh-CN", nil, at(14, 12, 24, jst)},
		{"GMT is exact", "Tue, 28 Feb 2023 14:12:24 GMT", "zh-CN", nil, at(14, 12, 24, 0)},
		{"UTC is exact", "2023-02-28 14:12:24 UTC", "zh-CN", nil, at(14, 12, 24, 0)},
		{"Z is exact", "2023-02-28T14:12:24Z", "zh-CN", tokyo, at(14, 12, 24, 0)},
		{"a numeric offset is exact", "Tue, 28 Feb 2023 14:12:24 -0500", "zh-CN", nil, at(14, 12, 24, -5*3600)},
		{"GMT+8 is +08:00", "Tue, 28 Feb 2023 14:12:24 GMT+8", "en", nil, at(14, 12, 24, cst)},
		{"an unknown abbreviation is read in the feed's zone", "Tue, 28 Feb 2023 14:12:24 XYZT", "zh-CN", nil, at(14, 12, 24, cst)},
		{"a Chinese date is Beijing time", "2023年2月28日 14:12", "zh-CN", nil, at(14, 12, 0, cst)},
		{"a slashed date is Beijing time", "2023/2/28 14:12:24", "zh-CN", nil, at(14, 12, 24, cst)},
		{"a US date with PM and a zone", "Feb 28, 2023 2:12:24 PM EST", "en", nil, at(14, 12, 24, -5*3600)},
		{"a day-month-year date with PM", "Tue, 28 Feb 2023 2:12:24 PM", "zh-CN", nil, at(14, 12, 24, cst)},
		{"a long weekday and month", "Tuesday, 28 February 2023 14:12:24 +0800", "", nil, at(14, 12, 24, cst)},
		{"a Unix date", "Tue Feb 28 14:12:24 CST 2023", "zh-CN", nil, at(14, 12, 24, cst)},
		{"a date alone is midnight in the feed's zone", "2023-02-28", "zh-CN", nil, at(0, 0, 0, cst)},
		{"fractional seconds are kept", "2023-02-28T14:12:24.5+08:00", "", nil, at(14, 12, 24, cst).Add(500 * time.Millisecond)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFeedDate(tc.in, tc.language, tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("ParseFeedDate(%q, %q) = %v, want %v", tc.in, tc.language, got, tc.want)
			}
		})
	}
}

func TestParseDateRejectsWhatIsNoDate(t *testing.T) {
	for _, in := range []string{"", "   ", "yesterday", "3小时前", "2023-13-45 99:99", "GMT"} {
		if got, err := ParseFeedDate(in, "zh-CN", nil); !errors.Is(err, ErrBadDate) {
			t.Errorf("ParseFeedDate(%q) = %v, %v; want ErrBadDate", in, got, err)
		}
	}
}

func TestParseDateFallsBackOnGofeedsReading(t *testing.T) {
	z := RulesFor("zh-CN", nil, false)
	// A layout parseWallClock does not know, which gofeed read as UTC.
	raw := "Tue, 28, Feb 2023 14:12"
	gofeedTime := time.Date(2023, 2, 28, 14, 12, 0, 0, time.UTC)
	got, ok := z.Parse(raw, &gofeedTime)
	if want := time.Date(2023, 2, 28, 6, 12, 0, 0, time.UTC); !ok || !got.Equal(want) {
		t.Errorf("zone-less fallback = %v, %v; want %v", got, ok, want)
	}
	// With a named zone, gofeed's instant is kept as it is.
	raw = "Tue, 28, Feb 2023 14:12 EST"
	gofeedTime = time.Date(2023, 2, 28, 19, 12, 0, 0, time.UTC)
	if got, ok := z.Parse(raw, &gofeedTime); !ok || !got.Equal(gofeedTime) {
		t.Errorf("named-zone fallback = %v, %v; want %v", got, ok, gofeedTime)
	}
	// An abbreviation neither knows: gofeed read it as offset 0, so its
	// wall clock is read in the feed's zone.
	raw = "Tue, 28, Feb 2023 14:12 XYZT"
	gofeedTime = time.Date(2023, 2, 28, 14, 12, 0, 0, time.UTC)
	if got, ok := z.Parse(raw, &gofeedTime); !ok || !got.Equal(time.Date(2023, 2, 28, 6, 12, 0, 0, time.UTC)) {
		t.Errorf("unknown-zone fallback = %v, %v; want 06:12 UTC", got, ok)
	}
	if _, ok := z.Parse(raw, nil); ok {
		t.Errorf("parseDate without gofeed's reading succeeded on %q", raw)
	}
}

func TestLanguageZoneMapsChineseTags(t *testing.T) {
	tests := []struct {
		tag     string
		chinese bool
		zone    string
	}{
		{"zh", true, "Asia/Shanghai"},
		{"zh-CN", true, "Asia/Shanghai"},
		{"zh_cn", true, "Asia/Shanghai"},
		{"zh-Hans", true, "Asia/Shanghai"},
		{"zh-Hans-CN", true, "Asia/Shanghai"},
		{"zh-TW", true, "Asia/Taipei"},
		{"zh-Hant", true, "Asia/Taipei"},
		{"zh-Hant-HK", true, "Asia/Hong_Kong"},
		{"zh-HK", true, "Asia/Hong_Kong"},
		{"ZH-MO", true, "Asia/Macau"},
		{"zh-SG", true, "Asia/Singapore"},
		{"en-us", false, ""},
		{"ja", false, ""},
		{"", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.tag, func(t *testing.T) {
			chinese, loc := languageZone(tc.tag)
			name := ""
			if loc != nil {
				name = loc.String()
				if _, err := time.LoadLocation(tc.zone); err != nil {
					name = tc.zone // no zone database: a fixed fallback zone is fine
				}
			}
			if chinese != tc.chinese || name != tc.zone {
				t.Errorf("languageZone(%q) = %v, %q; want %v, %q", tc.tag, chinese, name, tc.chinese, tc.zone)
			}
		})
	}
}

func TestLooksChineseTellsChineseFromJapanese(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want bool
	}{
		{"simplified Chinese", []string{"中文业界资讯站"}, true},
		{"traditional Chinese", []string{"中央社即時新聞"}, true},
		{"Japanese with kana", []string{"東京のニュース"}, false},
		{"English", []string{"Daring Fireball"}, false},
		{"a single Han character", []string{"A 中 B"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ChineseNotJapanese(tc.in...); got != tc.want {
				t.Errorf("ChineseNotJapanese(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// mustLoad loads a zone for a test, failing it when the zone database is
// missing.
func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("zone database lacks %s: %v", name, err)
	}
	return loc
}
