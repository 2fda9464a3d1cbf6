package archive

import "testing"

func TestParseRenderMode(t *testing.T) {
	for in, want := range map[string]RenderMode{"": RenderAuto, "auto": RenderAuto, " Always ": RenderAlways, "never": RenderNever} {
		if got, err := ParseRenderMode(in); err != nil || got != want {
			t.Errorf("ParseRenderMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseRenderMode("sometimes"); err == nil {
		t.Error("sometimes was accepted")
	}
}
