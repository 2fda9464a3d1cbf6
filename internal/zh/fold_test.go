package zh

import (
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
)

func TestFoldingTwiceChangesNothing(t *testing.T) {
	a, err := NewFolder()
	if err != nil {
		t.Fatal(err)
	}
	for r := rune(0); r <= 0x10FFFF; r++ {
		if f := a.Rune(r); a.Rune(f) != f {
			t.Errorf("%U %c folds to %c, which folds to %c", r, r, f, a.Rune(f))
		}
	}
	if got := a.String("薴"); got != "苎" {
		t.Errorf("Fold(薴) = %s, want the end of the chain 苎", got)
	}
}

// TestConvertRuneAgreesWithOpenCC checks the direct dictionary lookup the
// folding tables are built with against OpenCC's own Convert, for every
// Han character.
func TestConvertRuneAgreesWithOpenCC(t *testing.T) {
	for _, conv := range []string{"t2s", "s2t"} {
		cc, err := opencc.New(conv)
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		eachRune(unicode.Han, func(r rune) {
			want, err := cc.Convert(string(r))
			if err != nil {
				t.Fatal(err)
			}
			got := string(r)
			if c := convertRune(cc, r); len(c) > 0 {
				got = string(c[0])
			}
			if utf8.RuneCountInString(want) == 1 && got != want && bad < 10 {
				bad++
				t.Errorf("%s: %c converts to %s, OpenCC says %s", conv, r, got, want)
			}
		})
	}
}
