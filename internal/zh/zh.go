// Package zh owns newsvault's knowledge of Chinese (and, where Chinese
// text needs it, Japanese and Korean) text: which runes are CJK and whether
// a text is Chinese (detect.go); the dates and zones of Chinese and
// international news — 年月日, 上午/下午, 北京时间, CST as China Standard
// Time, the zones of zh-CN, zh-TW and zh-HK (date.go, zone.go); which
// charset undeclared or mis-declared bytes are in — byte order marks, XML
// declarations, <meta charset>, GBK, GB18030 and Big5 (charset.go); and
// folding text to one comparable form — full-width to half-width and
// traditional to simplified characters (fold.go).
//
// It is a leaf: it imports nothing from newsvault, holds no global state
// beyond read-only tables built once, and every function is safe for
// concurrent use. Feed parsing, extraction, search and content cleaning
// call it rather than keeping their own copies.
package zh
