package zh

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ErrBadDate reports a date string in no format ParseFeedDate knows.
var ErrBadDate = errors.New("unrecognised date")

// ZoneRules say how to read the date strings of one source (a feed, a
// site): the zone of dates that name none, and what "CST" means. Build
// them with RulesFor.
type ZoneRules struct {
	loc     *time.Location // for dates that carry no zone; never nil
	chinese bool           // "CST" is China Standard Time (+08:00), not US Central
}

// zoneKind classifies what a date string says about its zone.
type zoneKind int

const (
	zoneNone    zoneKind = iota // no zone: read in the feed's location
	zoneNumeric                 // an explicit offset, Z, GMT, UTC or UT: exact
	zoneAbbrev                  // a known abbreviation such as CST or JST
	zoneUnknown                 // an abbreviation we do not know: read like zoneNone
)

// dateZone is the zone a date string names.
type dateZone struct {
	kind   zoneKind
	offset int    // seconds east of UTC, for zoneNumeric and zoneAbbrev
	name   string // the abbreviation, upper case; "" for numeric offsets
}

// zoneAbbreviations maps the zone abbreviations seen in feed dates to their
// offsets. Go's time.Parse gives every abbreviation it does not know offset
// 0, so relying on it shifts such dates silently. CST is handled apart: its
// meaning depends on the feed.
var zoneAbbreviations = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
	"BST": 1 * 3600, "CET": 1 * 3600, "MEZ": 1 * 3600, "WEST": 1 * 3600, "WAT": 1 * 3600,
	"CEST": 2 * 3600, "MESZ": 2 * 3600, "EET": 2 * 3600, "CAT": 2 * 3600, "SAST": 2 * 3600,
	"EEST": 3 * 3600, "MSK": 3 * 3600, "EAT": 3 * 3600,
	"PKT": 5 * 3600, "IST": 5*3600 + 1800,
	"ICT": 7 * 3600, "WIB": 7 * 3600,
	"HKT": 8 * 3600, "SGT": 8 * 3600, "MYT": 8 * 3600, "PHT": 8 * 3600, "AWST": 8 * 3600,
	"BJT": 8 * 3600, "CCT": 8 * 3600,
	"HKST": 9 * 3600, "JST": 9 * 3600, "KST": 9 * 3600,
	"ACST": 9*3600 + 1800, "AEST": 10 * 3600, "AEDT": 11 * 3600,
	"NZST": 12 * 3600, "NZDT": 13 * 3600,
	"NST": -(3*3600 + 1800), "ADT": -3 * 3600, "AST": -4 * 3600,
	"EDT": -4 * 3600, "EST": -5 * 3600, "CDT": -5 * 3600,
	"MDT": -6 * 3600, "MST": -7 * 3600, "PDT": -7 * 3600, "PST": -8 * 3600,
	"AKDT": -8 * 3600, "AKST": -9 * 3600, "HST": -10 * 3600,
}

// Offsets of CST in its two common meanings.
const (
	chinaStandardTime = 8 * 3600
	usCentralTime     = -6 * 3600
)

// notZones are capitalised words that may follow a time of day but name no
// zone.
var notZones = map[string]bool{
	"AM": true, "PM": true, "A": true, "P": true, "M": true, "T": true,
	"MON": true, "TUE": true, "WED": true, "THU": true, "FRI": true, "SAT": true, "SUN": true,
	"JAN": true, "FEB": true, "MAR": true, "APR": true, "MAY": true, "JUN": true,
	"JUL": true, "AUG": true, "SEP": true, "SEPT": true, "OCT": true, "NOV": true, "DEC": true,
}

// abbreviationOffset returns the offset of a zone abbreviation (upper case)
// and whether it is known. chinese selects China Standard Time for CST.
func abbreviationOffset(abbr string, chinese bool) (int, bool) {
	if abbr == "CST" {
		if chinese {
			return chinaStandardTime, true
		}
		return usCentralTime, true
	}
	off, ok := zoneAbbreviations[abbr]
	return off, ok
}

// timeOfDay finds an hh:mm[:ss[.frac]] clock time in a date string.
var timeOfDay = regexp.MustCompile(`\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?`)

// detectZone reads the zone a date string names, looking only at what
// follows its time of day (or, for a date alone, at its last word), and
// returns the string with the zone removed for parsing the wall clock. A
// numeric offset wins over a zone name ("+0800 CST"); a sign counts as an
// offset only right after the time, after a space or after GMT/UTC/UT, so
// that "14:12 2023-02-28" has none.
func detectZone(s string, chinese bool) (dateZone, string) {
	start := -1
	for _, m := range timeOfDay.FindAllStringIndex(s, -1) {
		if m[0] > 0 && strings.IndexByte("+-:0123456789", s[m[0]-1]) >= 0 {
			continue
		}
		start = m[1]
		break
	}
	if start < 0 {
		return detectTrailingZone(s, chinese)
	}
	rest := s[start:]

	var (
		numeric, utc, abbrev, unknown *dateZone
		keep                          = make([]bool, len(rest))
		afterUTC                      = -1 // index just past a GMT/UTC/UT word
		depth                         = 0  // parenthesis depth
	)
	for i := range keep {
		keep[i] = true
	}
	drop := func(from, to int) {
		for k := from; k < to; k++ {
			keep[k] = false
		}
	}
	for i := 0; i < len(rest); {
		c := rest[i]
		switch {
		case c == '(':
			depth++
			keep[i] = false
			i++
		case c == ')':
			if depth > 0 {
				depth--
			}
			keep[i] = false
			i++
		case c == '+' || c == '-':
			if i == 0 || rest[i-1] == ' ' || rest[i-1] == '(' || i == afterUTC {
				if off, n, ok := parseOffset(rest[i:]); ok {
					if numeric == nil {
						numeric = &dateZone{kind: zoneNumeric, offset: off}
					}
					drop(i, i+n)
					i += n
					continue
				}
			}
			if depth > 0 {
				keep[i] = false
			}
			i++
		case isASCIILetter(c):
			j := i
			for j < len(rest) && isASCIILetter(rest[j]) {
				j++
			}
			word := rest[i:j]
			upper := strings.ToUpper(word)
			switch {
			case upper == "GMT" || upper == "UTC" || upper == "UT" || upper == "Z":
				if utc == nil {
					utc = &dateZone{kind: zoneNumeric, name: upper}
				}
				drop(i, j)
				afterUTC = j
			case notZones[upper]:
				if depth > 0 {
					drop(i, j)
				}
			case word == upper && len(word) >= 2 && len(word) <= 5:
				if off, ok := abbreviationOffset(upper, chinese); ok {
					if abbrev == nil {
						abbrev = &dateZone{kind: zoneAbbrev, offset: off, name: upper}
					}
				} else if unknown == nil {
					unknown = &dateZone{kind: zoneUnknown, name: upper}
				}
				drop(i, j)
			default:
				if depth > 0 { // "(China Standard Time)": a comment
					drop(i, j)
				}
			}
			i = j
		default:
			if depth > 0 {
				keep[i] = false
			}
			i++
		}
	}

	var b strings.Builder
	b.WriteString(s[:start])
	for i := 0; i < len(rest); i++ {
		if keep[i] {
			b.WriteByte(rest[i])
		}
	}
	core := tidyDate(b.String())
	for _, z := range []*dateZone{numeric, utc, abbrev, unknown} {
		if z != nil {
			return *z, core
		}
	}
	return dateZone{kind: zoneNone}, core
}

// detectTrailingZone handles a date without a time of day: only a last word
// that is an offset ("+0800") or a zone name ("GMT") counts.
func detectTrailingZone(s string, chinese bool) (dateZone, string) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexAny(s, " \t")
	if i < 0 {
		return dateZone{kind: zoneNone}, tidyDate(s)
	}
	last, head := s[i+1:], s[:i]
	if last != "" && (last[0] == '+' || last[0] == '-') {
		if off, n, ok := parseOffset(last); ok && n == len(last) {
			return dateZone{kind: zoneNumeric, offset: off}, tidyDate(head)
		}
	}
	upper := strings.ToUpper(last)
	if upper == "GMT" || upper == "UTC" || upper == "UT" || upper == "Z" {
		return dateZone{kind: zoneNumeric, name: upper}, tidyDate(head)
	}
	if last == upper && len(last) >= 2 && len(last) <= 5 && isASCIIWord(last) && !notZones[upper] {
		if off, ok := abbreviationOffset(upper, chinese); ok {
			return dateZone{kind: zoneAbbrev, offset: off, name: upper}, tidyDate(head)
		}
	}
	return dateZone{kind: zoneNone}, tidyDate(s)
}

// parseOffset reads a numeric zone offset at the start of s: a sign, then
// h, hh, hmm, hhmm or hh:mm (and an ignored :ss). It returns the offset in
// seconds and the bytes consumed.
func parseOffset(s string) (offset, n int, ok bool) {
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return 0, 0, false
	}
	i := 1
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	digits := s[1:i]
	var h, m int
	switch len(digits) {
	case 1, 2:
		h = atoi(digits)
		if i+2 < len(s) && s[i] == ':' && isDigit(s[i+1]) && isDigit(s[i+2]) {
			m = atoi(s[i+1 : i+3])
			i += 3
			if i+2 < len(s) && s[i] == ':' && isDigit(s[i+1]) && isDigit(s[i+2]) {
				i += 3 // seconds of offset, seen in the wild, ignored
			}
		}
	case 3:
		h, m = atoi(digits[:1]), atoi(digits[1:])
	case 4:
		h, m = atoi(digits[:2]), atoi(digits[2:])
	default:
		return 0, 0, false
	}
	if i < len(s) && isDigit(s[i]) || h > 14 || m > 59 {
		return 0, 0, false
	}
	offset = h*3600 + m*60
	if s[0] == '-' {
		offset = -offset
	}
	return offset, i, true
}

// wallClockLayouts are the zone-free layouts parseWallClock tries, after a
// leading weekday has been removed. Go accepts one- or two-digit values for
// the unpadded fields and a fraction after the seconds.
var wallClockLayouts = []string{
	"2006-1-2T15:04:05", "2006-1-2T15:04", "2006-1-2 15:04:05", "2006-1-2 15:04", "2006-1-2",
	"2006/1/2 15:04:05", "2006/1/2 15:04", "2006/1/2",
	"2006.1.2 15:04:05", "2006.1.2 15:04", "2006.1.2",
	"2006年1月2日 15:04:05", "2006年1月2日 15:04", "2006年1月2日15:04:05", "2006年1月2日15:04", "2006年1月2日",
	"2 Jan 2006 15:04:05", "2 Jan 2006 15:04", "2 Jan 2006 3:04:05 PM", "2 Jan 2006 3:04 PM", "2 Jan 2006",
	"2 Jan 06 15:04:05", "2 Jan 06 15:04",
	"2 January 2006 15:04:05", "2 January 2006 15:04", "2 January 2006",
	"2-Jan-06 15:04:05", "2-Jan-2006 15:04:05",
	"Jan 2 15:04:05 2006", "Jan 2 2006 15:04:05", "Jan 2 2006 15:04",
	"Jan 2, 2006 15:04:05", "Jan 2, 2006 15:04", "Jan 2, 2006 3:04:05 PM", "Jan 2, 2006 3:04 PM", "Jan 2, 2006",
	"January 2, 2006 15:04:05", "January 2, 2006 15:04", "January 2, 2006 3:04:05 PM", "January 2, 2006 3:04 PM", "January 2, 2006",
	"1/2/2006 3:04:05 PM", "1/2/2006 3:04 PM",
	"2.1.2006 15:04:05", "2.1.2006 15:04", "2.1.2006",
	"20060102T150405", "20060102",
}

// weekdayPrefix matches a leading English weekday name and its separator.
var weekdayPrefix = regexp.MustCompile(`(?i)^(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day|sday|nesday|rsday|urday)?\.?,?\s*`)

// parseWallClock parses a date string whose zone has been removed, as a wall
// clock time in UTC.
func parseWallClock(core string) (time.Time, bool) {
	core = weekdayPrefix.ReplaceAllString(core, "")
	if core == "" {
		return time.Time{}, false
	}
	for _, layout := range wallClockLayouts {
		if t, err := time.Parse(layout, core); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Parse returns the instant a feed date string denotes, deciding the
// zone from raw itself: gofeed reads a date without a zone as UTC and an
// abbreviation it does not know as offset 0. parsed is gofeed's reading of
// raw (nil when it had none); it is the fallback for layouts
// parseWallClock does not know. Its wall clock cannot be trusted for zones
// it knows, because gofeed converts RSS and Atom dates to UTC, so such a
// date keeps gofeed's instant. It reports false when raw has no readable
// date.
func (z ZoneRules) Parse(raw string, parsed *time.Time) (time.Time, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return time.Time{}, false
	}
	dz, core := detectZone(raw, z.chinese)
	wall, ok := parseWallClock(core)
	if !ok {
		if parsed == nil || parsed.IsZero() {
			return time.Time{}, false
		}
		if dz.kind == zoneNumeric || dz.kind == zoneAbbrev {
			return *parsed, true
		}
		// No zone, or one gofeed does not know either (its table is a
		// subset of ours) and so read as offset 0: its UTC reading is the
		// wall clock.
		wall = parsed.UTC()
	}
	var loc *time.Location
	switch dz.kind {
	case zoneNumeric, zoneAbbrev:
		if dz.offset == 0 {
			loc = time.UTC
		} else {
			loc = time.FixedZone(dz.name, dz.offset)
		}
	default:
		loc = z.loc
	}
	y, mo, d := wall.Date()
	h, mi, sec := wall.Clock()
	return time.Date(y, mo, d, h, mi, sec, wall.Nanosecond(), loc), true
}

// ParseFeedDate reads a whole string as a date the way feeds write it. A date without a zone is
// read in loc; when loc is nil, in the zone of language (a feed language tag
// such as "zh-CN", see ParseOptions.Location), else UTC. "CST" means China
// Standard Time when the language is Chinese or loc is a Chinese zone, else
// US Central Time. It returns an error wrapping ErrBadDate when s is in no
// known format. ZoneRules.Parse applies the same rules to every date of a
// feed, with gofeed's reading as a fallback.
func ParseFeedDate(s, language string, loc *time.Location) (time.Time, error) {
	t, ok := RulesFor(language, loc, false).Parse(s, nil)
	if !ok {
		return time.Time{}, fmt.Errorf("parse date %q: %w", s, ErrBadDate)
	}
	return t, nil
}

// RulesFor derives the zone rules of a feed from its declared language, the
// caller's location and whether its text looks Chinese (used only when the
// language is not declared).
func RulesFor(language string, loc *time.Location, looksChinese bool) ZoneRules {
	chineseLang, langLoc := languageZone(language)
	if strings.TrimSpace(language) == "" && looksChinese {
		chineseLang, langLoc = true, zoneShanghai()
	}
	z := ZoneRules{loc: loc, chinese: chineseLang || isChineseZone(loc)}
	if z.loc == nil {
		z.loc = langLoc
	}
	if z.loc == nil {
		z.loc = time.UTC
	}
	return z
}

// languageZone returns whether a language tag is Chinese and the zone its
// dates are read in: zh-TW and zh-Hant are Taipei, zh-HK Hong Kong, zh-MO
// Macau, zh-SG Singapore, any other Chinese Shanghai. It returns nil for
// other languages.
func languageZone(tag string) (bool, *time.Location) {
	parts := strings.FieldsFunc(strings.ToLower(strings.TrimSpace(tag)), func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 {
		return false, nil
	}
	switch parts[0] {
	case "zh", "zho", "chi", "cmn", "wuu":
	case "yue":
		return true, zoneHongKong()
	default:
		return false, nil
	}
	script := ""
	for _, p := range parts[1:] {
		switch p {
		case "tw":
			return true, zoneTaipei()
		case "hk":
			return true, zoneHongKong()
		case "mo":
			return true, zoneMacau()
		case "sg":
			return true, zoneSingapore()
		case "cn":
			return true, zoneShanghai()
		case "hant", "hans":
			script = p
		}
	}
	if script == "hant" {
		return true, zoneTaipei()
	}
	return true, zoneShanghai()
}

// isChineseZone reports whether loc is a zone where "CST" means China
// Standard Time.
func isChineseZone(loc *time.Location) bool {
	if loc == nil {
		return false
	}
	switch loc.String() {
	case "Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "Asia/Urumqi",
		"Asia/Hong_Kong", "Asia/Macau", "Asia/Macao", "Asia/Taipei", "PRC", "ROC", "Hongkong":
		return true
	}
	return false
}

// loadZone loads a zone from the system database, falling back to a fixed
// offset (exact for these zones since 1992) when the database is missing.
func loadZone(name, abbr string, offset int) func() *time.Location {
	return sync.OnceValue(func() *time.Location {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
		return time.FixedZone(abbr, offset)
	})
}

// The zones of Chinese-language feeds, loaded once.
var (
	zoneShanghai  = loadZone("Asia/Shanghai", "CST", chinaStandardTime)
	zoneTaipei    = loadZone("Asia/Taipei", "CST", chinaStandardTime)
	zoneHongKong  = loadZone("Asia/Hong_Kong", "HKT", chinaStandardTime)
	zoneMacau     = loadZone("Asia/Macau", "CST", chinaStandardTime)
	zoneSingapore = loadZone("Asia/Singapore", "SGT", chinaStandardTime)
)

// tidyDate collapses runs of spaces and trims spaces and commas.
func tidyDate(s string) string {
	return strings.Trim(strings.Join(strings.Fields(s), " "), " ,")
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isASCIILetter(s[i]) {
			return false
		}
	}
	return s != ""
}

// atoi converts a short run of ASCII digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
