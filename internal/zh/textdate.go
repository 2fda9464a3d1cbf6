package zh

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Date patterns, applied after full-width characters are narrowed. A date
// is year, month, day (numeric with 年月日 or - / . separators, or English
// month names), optionally followed by a time (with 时/点/分 or colons, and
// 上午/下午 or AM/PM) and a zone (Z, ±hh:mm, UTC/GMT±h, 北京时间).
const (
	timePart = `(?:\s*(?:T|[,，]\s*|\s)?\s*(上午|下午|早上|晚上|凌晨|中午)?\s*` +
		`([0-9]{1,2})\s*(?::|时|点)\s*([0-9]{1,2})` +
		`(?:\s*(?::|分)\s*([0-9]{1,2})(?:\.[0-9]+)?\s*秒?|\s*分)?` +
		`(?:\s*([AaPp][Mm])\b)?)?`
	zonePart = `(?:\s*(Z\b|[+-][0-9]{2}:?[0-9]{2}\b|(?:UTC|GMT)(?:\s*[+-][0-9]{1,2}(?::?[0-9]{2})?)?|\(?北京时间\)?))?`
	months   = `(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?`
)

var (
	// reNumericDate: 2023年2月28日, 2023-02-28, 2023/2/28, 2023.02.28.
	reNumericDate = regexp.MustCompile(`((?:19|20)[0-9]{2})\s*(?:年|[-/.])\s*([0-9]{1,2})\s*(?:月|[-/.])\s*([0-9]{1,2})(?:\s*[日号])?` + timePart + zonePart)
	// reDayMonthDate: 28 Feb 2023, Tue, 28 Feb 2023.
	reDayMonthDate = regexp.MustCompile(`(?i)\b([0-9]{1,2})\s+` + months + `,?\s+((?:19|20)[0-9]{2})` + timePart + zonePart)
	// reMonthDayDate: Feb 28, 2023 and February 28 2023.
	reMonthDayDate = regexp.MustCompile(`(?i)\b` + months + `\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)[0-9]{2})` + timePart + zonePart)
)

// layouts are whole-string formats tried before the patterns, mostly for
// <meta> values and HTTP-style dates.
var layouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04Z07:00",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	time.RFC850,
	time.RFC822Z,
	time.RFC822,
	time.ANSIC,
	time.UnixDate,
}

// beijing is the fixed zone of an explicit 北京时间 (China has had no
// daylight saving time since 1991).
var beijing = time.FixedZone("UTC+8", 8*3600)

// FindDate finds the first date in s and returns it. It reads the forms
// Chinese and international news pages use: "2023年2月28日 14:12",
// "2023-02-28 14:12:24", "2023/2/28", "时间:2025-06-04",
// "发布时间：2023-02-28 14:12", "下午3点20分", full-width digits and colons,
// RFC 3339 and RFC 1123 strings, and English dates such as "Feb 28, 2023".
// Labels and other text around the date are ignored. An explicit offset
// (Z, +08:00, GMT, UTC+8, 北京时间) is honoured; a date without one is read
// in loc (UTC when loc is nil), and a date without a time is midnight. It
// reports false when s holds no valid date between 1900 and 2099.
func FindDate(s string, loc *time.Location) (Date, bool) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(Narrow(s))
	if s == "" {
		return Date{}, false
	}
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil && ValidYear(t.Year()) {
			return Date{Time: t, Zoned: true, Timed: true}, true
		}
	}
	// Zone-less ISO forms are read in loc.
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil && ValidYear(t.Year()) {
			return Date{Time: t, Timed: true}, true
		}
	}
	best, found := Date{Start: len(s)}, false
	for _, m := range findDates(s, loc) {
		if m.Start < best.Start {
			best, found = m, true
		}
	}
	return best, found
}

// Date is one date found in a text.
type Date struct {
	Time  time.Time
	Start int  // byte offset in the narrowed text (see Narrow)
	Zoned bool // the date carried an explicit zone
	Timed bool // the date carried a time of day
}

// datePatterns are the date regexps with the positions of their groups.
var datePatterns = []struct {
	re               *regexp.Regexp
	year, month, day int
	monthName        bool
	timeAt, zoneAt   int // first time group (period), zone group
}{
	{reNumericDate, 1, 2, 3, false, 4, 9},
	{reDayMonthDate, 3, 2, 1, true, 4, 9},
	{reMonthDayDate, 3, 1, 2, true, 4, 9},
}

// FindDates returns every valid date in s, pattern by pattern (numeric,
// day-month, month-day), each pattern's in text order. Dates without a
// zone are read in loc, which must not be nil.
func FindDates(s string, loc *time.Location) []Date {
	return findDates(Narrow(s), loc)
}

// findDates is FindDates on narrowed text.
func findDates(s string, loc *time.Location) []Date {
	var out []Date
	for _, p := range datePatterns {
		for _, m := range p.re.FindAllStringSubmatchIndex(s, -1) {
			if m[0] > 0 && isDigit(s[m[0]-1]) || m[1] < len(s) && isDigit(s[m[1]]) {
				continue
			}
			g := func(i int) string {
				if m[2*i] < 0 {
					return ""
				}
				return s[m[2*i]:m[2*i+1]]
			}
			y, _ := strconv.Atoi(g(p.year))
			var mo int
			if p.monthName {
				mo = monthNumber(g(p.month))
			} else {
				mo, _ = strconv.Atoi(g(p.month))
			}
			d, _ := strconv.Atoi(g(p.day))
			zone := g(p.zoneAt)
			timed := g(p.timeAt+1) != ""
			t, ok := buildDate(y, mo, d, g(p.timeAt), g(p.timeAt+1), g(p.timeAt+2), g(p.timeAt+3), g(p.timeAt+4), zone, loc)
			if !ok && timed {
				// A valid day with an impossible time ("25:61"): keep the day.
				timed, zone = false, ""
				t, ok = buildDate(y, mo, d, "", "", "", "", "", "", loc)
			}
			if !ok {
				continue
			}
			zoned := zone != ""
			if !zoned && strings.HasSuffix(strings.TrimSpace(s[:m[0]]), "北京时间") {
				t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, beijing)
				zoned = true
			}
			out = append(out, Date{Time: t, Start: m[0], Zoned: zoned, Timed: timed})
		}
	}
	return out
}

// buildDate validates the parts of a matched date and assembles it.
func buildDate(y, mo, d int, period, hh, mm, ss, ampm, zone string, loc *time.Location) (time.Time, bool) {
	if !ValidYear(y) || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return time.Time{}, false
	}
	var h, mi, se int
	if hh != "" {
		h, _ = strconv.Atoi(hh)
		mi, _ = strconv.Atoi(mm)
		se, _ = strconv.Atoi(ss)
		switch strings.ToLower(period + ampm) {
		case "下午", "晚上", "pm":
			if h < 12 {
				h += 12
			}
		case "中午":
			if h < 11 {
				h += 12
			}
		case "上午", "凌晨", "早上", "am":
			if h == 12 {
				h = 0
			}
		}
		if se == 60 {
			se = 59 // a leap second
		}
		if h > 23 || mi > 59 || se > 59 {
			return time.Time{}, false
		}
	}
	if z, ok := parseZone(zone); ok {
		loc = z
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, 0, loc), true
}

// parseZone reads an explicit zone: Z, UTC, GMT, ±hh[:mm], UTC+8, 北京时间.
func parseZone(z string) (*time.Location, bool) {
	z = strings.Trim(strings.TrimSpace(z), "()")
	switch {
	case z == "":
		return nil, false
	case z == "北京时间":
		return beijing, true
	case z == "Z" || z == "UTC" || z == "GMT":
		return time.UTC, true
	}
	i := strings.IndexAny(z, "+-")
	if i < 0 {
		return nil, false
	}
	off, _, ok := parseOffset(strings.ReplaceAll(z[i:], " ", ""))
	if !ok {
		return nil, false
	}
	if off == 0 {
		return time.UTC, true
	}
	return time.FixedZone(formatOffset(off), off), true
}

// formatOffset names a fixed zone like "+08:00".
func formatOffset(off int) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return string(sign) + pad2(off/3600) + ":" + pad2(off%3600/60)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// ValidYear reports whether y is a year FindDate accepts: 1900 to 2099.
func ValidYear(y int) bool { return y >= 1900 && y <= 2099 }

// daysIn returns the number of days in month mo of year y.
func daysIn(y, mo int) int {
	return time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// monthNumber maps an English month name or abbreviation to 1–12, or 0.
func monthNumber(name string) int {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if len(name) < 3 {
		return 0
	}
	for i, m := range []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"} {
		if name[:3] == m {
			return i + 1
		}
	}
	return 0
}

// periodLayouts are the forms ParsePeriod accepts, longest first.
var periodLayouts = []string{
	"2006-01-02", "2006/01/02", "2006.01.02", "2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日",
	"2006-01", "2006/01", "2006.01", "2006-1", "2006/1", "2006年1月", "2006年", "2006",
}

// ParsePeriod reads s, the whole of it, as a day ("2023-03-05",
// "2023/3/5", "2023年3月5日"), a month ("2023-03", "2023年3月") or a year
// ("2023", "2023年") and returns the start of that period in loc. It
// reports false for anything else and for years before 1000.
func ParsePeriod(s string, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range periodLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil && t.Year() >= 1000 {
			return t, true
		}
	}
	return time.Time{}, false
}
