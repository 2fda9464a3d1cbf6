package siterules

import "testing"

func TestRenderDirectives(t *testing.T) {
	r, err := Parse("weibo.com", []byte("body: //article\nrender: yes\n"))
	if err != nil || !r.Render || r.WaitFor != "" {
		t.Fatalf("render: yes gave %+v, %v", r, err)
	}
	r, err = Parse("zhihu.com", []byte("wait_for: .RichContent-inner\n"))
	if err != nil || !r.Render || r.WaitFor != ".RichContent-inner" {
		t.Fatalf("wait_for gave render=%v wait=%q, %v", r.Render, r.WaitFor, err)
	}
	r, err = Parse("example.com", []byte("body: //main\n"))
	if err != nil || r.Render {
		t.Fatalf("no directive gave render=%v, %v", r.Render, err)
	}
	if _, err := Parse("example.com", []byte("render: maybe\n")); err == nil {
		t.Fatal("render: maybe was accepted")
	}
}
