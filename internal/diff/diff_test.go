package diff

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// longChinese returns an article of about n paragraphs of Chinese text,
// each sentence distinct, with the given sentence placed in the middle.
func longChinese(n int, middle string) string {
	subjects := []string{"市政府", "交通部门", "气象台", "教育局", "卫生委员会", "环保组织", "消费者协会", "铁路公司"}
	verbs := []string{"宣布了新的安排", "发布了年度报告", "召开了情况通报会", "回应了市民关切", "公布了调查结果"}
	var paras []string
	for i := range n {
		var p strings.Builder
		for j := range 4 {
			p.WriteString("第" + strings.Repeat("一", (i+j)%3+1) + "次，")
			p.WriteString(subjects[(i+j)%len(subjects)] + "在" + []string{"周一", "周三", "周五"}[j%3] + verbs[(i*4+j)%len(verbs)] + "。")
		}
		paras = append(paras, p.String())
		if i == n/2 {
			paras = append(paras, middle)
		}
	}
	return strings.Join(paras, "\n\n")
}

func changes(ops []Op) []Op {
	var out []Op
	for _, op := range ops {
		if op.Kind != Equal {
			out = append(out, op)
		}
	}
	return out
}

func TestOneChineseCharacterChangeShowsAsThatCharacterInItsSentence(t *testing.T) {
	old := longChinese(60, "警方表示，事故共造成三人受伤，目前均已送医。")
	new := longChinese(60, "警方表示，事故共造成五人受伤，目前均已送医。")
	if n := len([]rune(old)); n < 3000 {
		t.Fatalf("the article has only %d runes; the test wants a long one", n)
	}
	ops := Text(old, new)
	got := changes(ops)
	want := []Op{{Delete, "三"}, {Insert, "五"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("changes = %q, want %q", got, want)
	}
	if Old(ops) != old || New(ops) != new {
		t.Fatal("the ops do not rebuild both texts")
	}
	out := Terminal(Versions(Version{Text: old}, Version{Text: new}), TerminalOptions{})
	if !strings.Contains(out, "警方表示，事故共造成[-三-]{+五+}人受伤，目前均已送医。") {
		t.Errorf("terminal output does not show the change in its sentence:\n%s", out)
	}
	if len([]rune(out)) > 200 {
		t.Errorf("terminal output is %d runes long; unchanged text was not elided:\n%s", len([]rune(out)), out)
	}
	h := HTML(Elide(ops, ElideOptions{}))
	if !strings.Contains(h, "事故共造成<del>三</del><ins>五</ins>人受伤") {
		t.Errorf("inline HTML = %s", h)
	}
}

func TestLatinTextDiffsByWord(t *testing.T) {
	ops := Text("The minister said the plan was approved on Monday.",
		"The minister said the plan was rejected on Monday.")
	got := changes(ops)
	if len(got) != 2 || got[0] != (Op{Delete, "approved"}) || got[1] != (Op{Insert, "rejected"}) {
		t.Fatalf("changes = %q, want the whole word replaced", got)
	}
}

func TestAChangedPhraseReadsAsOneChange(t *testing.T) {
	old := "他说：经济增长速度明显放缓，失业率持续上升。其他内容保持不变，这一段很长很长。"
	new := "他说：经济保持平稳较快发展，就业形势总体稳定。其他内容保持不变，这一段很长很长。"
	ops := Text(old, new)
	var groups int
	for i, op := range ops {
		if op.Kind != Equal && (i == 0 || ops[i-1].Kind == Equal) {
			groups++
		}
	}
	if groups != 1 {
		t.Errorf("the reworded phrase is split into %d changes: %q", groups, ops)
	}
}

func TestMixedChineseAndEnglish(t *testing.T) {
	ops := Text("苹果公司CEO Tim Cook访问北京。", "苹果公司CEO Tim Cook访问上海。")
	got := changes(ops)
	if len(got) != 2 || got[0].Text != "北京" || got[1].Text != "上海" {
		t.Errorf("changes = %q", got)
	}
}

func TestVersionsReportsFieldsAndImages(t *testing.T) {
	at := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	a := Version{Title: "市长视察新区建设", Author: "张三", Published: at, Text: "正文。",
		Images: []string{"https://img.example.cn/a.jpg", "https://img.example.cn/b.jpg"}}
	b := a
	b.Title = "市长视察老区建设"
	b.Images = []string{"https://img.example.cn/a.jpg"}
	r := Versions(a, b)
	if !r.Changed() || len(r.Fields) != 1 || r.Fields[0].Field != FieldTitle {
		t.Fatalf("fields = %+v", r.Fields)
	}
	if c := changes(r.Fields[0].Ops); len(c) != 2 || c[0].Text != "新" || c[1].Text != "老" {
		t.Errorf("title ops = %q", r.Fields[0].Ops)
	}
	if len(r.ImagesRemoved) != 1 || r.ImagesRemoved[0] != "https://img.example.cn/b.jpg" || len(r.ImagesAdded) != 0 {
		t.Errorf("images removed %v added %v", r.ImagesRemoved, r.ImagesAdded)
	}
	out := Terminal(r, TerminalOptions{})
	for _, want := range []string{"title: 市长视察[-新-]{+老+}区建设", "image removed: [-https://img.example.cn/b.jpg-]", "text: unchanged"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%s", want, out)
		}
	}
	if Versions(a, a).Changed() {
		t.Error("a version differs from itself")
	}
	js, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(js), `"kind":"delete","text":"新"`) {
		t.Errorf("JSON = %s, %v", js, err)
	}
}

func TestImagesUseTheOriginalURLOfRepointedImages(t *testing.T) {
	got := Images(`<p>x</p><img src="/assets/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" data-original-src="https://mmbiz.qpic.cn/a/640?wx_fmt=jpeg"><img src="https://img.example.cn/b.png"><img alt="no source">`)
	want := []string{"https://mmbiz.qpic.cn/a/640?wx_fmt=jpeg", "https://img.example.cn/b.png"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Images = %q, want %q", got, want)
	}
}

func TestRowsAlignParagraphsAroundACut(t *testing.T) {
	old := "第一段。\n\n第二段，将被删去。\n\n第三段。\n\n第四段。\n\n第五段。"
	new := "第一段。\n\n第三段。\n\n第四段。\n\n第五段。"
	rows := Rows(Text(old, new), 1)
	var changed []Row
	for _, r := range rows {
		if r.Changed {
			changed = append(changed, r)
		}
	}
	if len(changed) != 1 {
		t.Fatalf("rows = %+v, want one changed row", rows)
	}
	if New(changed[0].New) != "" && strings.TrimSpace(New(changed[0].New)) != "第三段。" && strings.TrimSpace(New(changed[0].New)) != "第一段。" {
		t.Errorf("the changed row's new side is %q", New(changed[0].New))
	}
	if !strings.Contains(Old(changed[0].Old), "第二段，将被删去。") {
		t.Errorf("the changed row's old side is %q", Old(changed[0].Old))
	}
	if last := rows[len(rows)-1]; last.Skipped == 0 {
		t.Errorf("the unchanged rows far from the cut are not collapsed: %+v", rows)
	}
	for _, r := range rows {
		if !r.Changed && r.Skipped == 0 && Old(r.Old) != New(r.New) {
			t.Errorf("unchanged row is misaligned: %q | %q", Old(r.Old), New(r.New))
		}
	}
}

func TestHTMLEscapesText(t *testing.T) {
	h := HTML(Text(`<b>标题</b> & "引号"`, `<script>alert(1)</script> & "引号"`))
	if strings.Contains(h, "<script") || strings.Contains(h, "<b>") {
		t.Errorf("HTML is not escaped: %s", h)
	}
	if !strings.Contains(h, "script&gt;alert(1)") || !strings.Contains(h, "&amp; &#34;引号&#34;") {
		t.Errorf("HTML = %s", h)
	}
}

func TestTerminalColoursOnlyWhenAskedAndDropsControls(t *testing.T) {
	r := Versions(Version{Text: "旧文\x1b[2J本"}, Version{Text: "新文\x1b[2J本"})
	plain := Terminal(r, TerminalOptions{})
	if strings.Contains(plain, "\x1b") {
		t.Errorf("plain output holds escape sequences: %q", plain)
	}
	col := Terminal(r, TerminalOptions{Color: true})
	if !strings.Contains(col, ansiDel+"旧"+ansiReset) || !strings.Contains(col, ansiIns+"新"+ansiReset) {
		t.Errorf("coloured output = %q", col)
	}
	if strings.Contains(col, "\x1b[2J") {
		t.Errorf("a control sequence from the text reached the terminal: %q", col)
	}
}

func TestIdenticalAndEmptyTexts(t *testing.T) {
	if ops := Text("", ""); len(ops) != 0 {
		t.Errorf("Text of two empty strings = %q", ops)
	}
	if ops := Text("", "新"); len(ops) != 1 || ops[0] != (Op{Insert, "新"}) {
		t.Errorf("Text from empty = %q", ops)
	}
	if Changed(Text("同样", "同样")) {
		t.Error("identical texts changed")
	}
}

func FuzzText(f *testing.F) {
	f.Add("警方表示，事故共造成三人受伤。", "警方表示，事故共造成五人受伤。")
	f.Add("The plan was approved.", "The plan wasn't approved!")
	f.Add("a\n\nb", "a\n\nc\n\nb")
	f.Add("\xff\xfe", "\xed\xa0\x80")
	f.Fuzz(func(t *testing.T, a, b string) {
		ops := Text(a, b)
		// Invalid UTF-8 is read as U+FFFD, so compare after that mapping.
		if Old(ops) != strings.ToValidUTF8(a, "\uFFFD") {
			t.Fatalf("Old(Text(%q, %q)) = %q", a, b, Old(ops))
		}
		if New(ops) != strings.ToValidUTF8(b, "\uFFFD") {
			t.Fatalf("New(Text(%q, %q)) = %q", a, b, New(ops))
		}
		el := Elide(ops, ElideOptions{Context: 3, Sentence: 5})
		var old strings.Builder
		for _, op := range el {
			if op.Kind != Insert {
				old.WriteString(op.Text)
			}
		}
		if old.String() != Old(ops) {
			t.Fatalf("Elide lost text: %q", el)
		}
		if h := HTML(el); strings.Contains(h, "<script") {
			t.Fatalf("HTML not escaped: %s", h)
		}
		if s := Terminal(&Result{Body: ops}, TerminalOptions{}); strings.Contains(s, "\x1b") {
			t.Fatalf("escape in plain terminal output: %q", s)
		}
		_ = Rows(ops, 1)
	})
}
