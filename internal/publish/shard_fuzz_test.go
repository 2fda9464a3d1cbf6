package publish

import (
	"maps"
	"slices"
	"testing"
)

// FuzzParseShard: a search shard read back from a target (which a person
// or a broken disk may have changed) never panics the run, and what
// renderShard writes parses back to the same postings.
func FuzzParseShard(f *testing.F) {
	f.Add([]byte(`nvPost("d",3,{"卢卡":"1,2,a","hello":"z"});` + "\n"))
	f.Add([]byte(`nvPost("d",0,{});`))
	f.Add([]byte(`{"a":"-1,zzzzzzzzzz,,"}`))
	f.Add([]byte(`}{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseShard(b)
		if err != nil {
			return
		}
		for _, v := range m {
			ids := decodeIDs(v)
			if again := decodeIDs(encodeIDs(slices.Clone(ids))); len(again) > len(ids) {
				t.Fatalf("%q: re-encoding grew the list: %v → %v", v, ids, again)
			}
		}
		back, err := parseShard(renderShard("d", 1, m))
		if err != nil || !maps.Equal(back, m) {
			t.Fatalf("render → parse: %v %v, want %v", back, err, m)
		}
	})
}

func TestPostingListsRoundTrip(t *testing.T) {
	ids := []int32{907, 3, 3, 41, 1 << 30}
	s := encodeIDs(ids)
	if got := decodeIDs(s); !slices.Equal(got, []int32{3, 41, 907, 1 << 30}) {
		t.Fatalf("%q decodes to %v", s, got)
	}
}
