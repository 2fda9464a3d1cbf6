package zh

import (
	"testing"
	"time"
)

func TestFindDate(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		in   string
		want string // RFC 3339, or "" for no date
	}{
		{"a Chinese date and time", "2023年2月28日 14:12", "2023-02-28T14:12:00+08:00"},
		{"a Chinese date with 号 and no space before the time", "2023年2月28号14:12", "2023-02-28T14:12:00+08:00"},
		{"an ISO-like date and time with seconds", "2023-02-28 14:12:24", "2023-02-28T14:12:24+08:00"},
		{"a slashed date without a time", "2023/2/28", "2023-02-28T00:00:00+08:00"},
		{"a dotted date", "2023.02.28", "2023-02-28T00:00:00+08:00"},
		{"a labelled date glued to the next label", "时间:2025-06-04人气:作者: 小编", "2025-06-04T00:00:00+08:00"},
		{"a full-width colon label", "发布时间：2023-02-28 14:12", "2023-02-28T14:12:00+08:00"},
		{"full-width digits and colons", "２０２３年２月２８日　１４：１２", "2023-02-28T14:12:00+08:00"},
		{"时 and 分 as separators", "2023年2月28日 14时12分", "2023-02-28T14:12:00+08:00"},
		{"下午 moves the hour past noon", "2023年2月28日 下午3:05", "2023-02-28T15:05:00+08:00"},
		{"上午 12 is just after midnight", "2023年2月28日 上午12:05", "2023-02-28T00:05:00+08:00"},
		{"an RFC 3339 offset is honoured", "2023-02-28T14:12:24+09:00", "2023-02-28T14:12:24+09:00"},
		{"a Z suffix means UTC", "2023-02-28T06:12:24Z", "2023-02-28T06:12:24Z"},
		{"a numeric offset after a Chinese date", "2023-02-28 14:12 +0800", "2023-02-28T14:12:00+08:00"},
		{"UTC+8 is an offset", "2023-02-28 14:12 UTC+8", "2023-02-28T14:12:00+08:00"},
		{"北京时间 before the date fixes the zone", "北京时间2023年2月28日 14:12", "2023-02-28T14:12:00+08:00"},
		{"an RFC 1123 date in GMT", "Tue, 28 Feb 2023 14:12:24 GMT", "2023-02-28T14:12:24Z"},
		{"an RFC 1123 date inside other text", "<i>Tue, 28 Feb 2023 14:12:24 GMT</i>", "2023-02-28T14:12:24Z"},
		{"an English month-first date with PM", "Posted Feb 28, 2023 2:30 PM", "2023-02-28T14:30:00+08:00"},
		{"a zone-less ISO timestamp", "2023-02-28T14:12:24", "2023-02-28T14:12:24+08:00"},
		{"the first of two dates wins", "更新 2023-03-01 发布 2023-02-28", "2023-03-01T00:00:00+08:00"},
		{"an impossible day is rejected", "2023-02-30", ""},
		{"an impossible hour drops the match", "2023-02-28 25:61", "2023-02-28T00:00:00+08:00"},
		{"digits glued to the day are not a date", "2023-02-281", ""},
		{"a year out of range is not a date", "1899-01-01", ""},
		{"text without a date", "没有日期的一行字", ""},
		{"an empty string", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := FindDate(tt.in, shanghai)
			got := d.Time
			switch {
			case tt.want == "" && ok:
				t.Errorf("FindDate(%q) = %v, want no date", tt.in, got)
			case tt.want != "" && !ok:
				t.Errorf("FindDate(%q) found no date, want %s", tt.in, tt.want)
			case tt.want != "" && got.Format(time.RFC3339) != tt.want:
				t.Errorf("FindDate(%q) = %s, want %s", tt.in, got.Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestParseDateWithoutLocationUsesUTC(t *testing.T) {
	d, ok := FindDate("2023-02-28 14:12", nil)
	got := d.Time
	if !ok || got.Location() != time.UTC || got.Hour() != 14 {
		t.Errorf("FindDate(nil loc) = %v, %v; want 14:12 UTC", got, ok)
	}
}

func FuzzFindDate(f *testing.F) {
	for _, s := range []string{
		"2023年2月28日 14:12", "时间:2025-06-04", "发布时间：2023-02-28 14:12", "Tue, 28 Feb 2023 14:12:24 GMT",
		"２０２３／２／２８", "2023-02-28T14:12:24+08:00", "北京时间2023年2月28日 下午3点20分", "Feb 28, 2023 UTC+14:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := FindDate(s, time.UTC)
		got := d.Time
		if !ok {
			if !got.IsZero() {
				t.Errorf("FindDate(%q) = %v with ok=false", s, got)
			}
			return
		}
		if y := got.Year(); y < 1899 || y > 2100 {
			t.Errorf("FindDate(%q) = %v, year out of range", s, got)
		}
	})
}
