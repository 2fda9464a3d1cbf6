// Package newssite is a generated Chinese news site served over HTTP on
// loopback: RSS feeds that grow and whose items get edited as time goes on,
// article pages with a byline and images, and PNG images. The load
// benchmark polls it while the server is read, and the crash test kills
// newsvault while it archives from it.
package newssite

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsvault/newsvault/internal/blob"
)

// Site is a news site served on loopback by this process: feeds whose items
// grow in number as time goes on, article pages, and PNG images, all
// generated.
// Even-numbered feeds are meant to be archived from their pages (each with
// its own image and a logo shared by all), odd ones from the feed's content,
// whose newest items are edited every few seconds (new versions).
type Site struct {
	srv   *httptest.Server
	start time.Time
	feeds int
	fixed int           // when > 0, every feed lists exactly this many items, never edited
	delay time.Duration // added before answering with a page or an image
	pngs  sync.Map      // path -> []byte
	// served counts the requests for pages and images, as they come in.
	served atomic.Int64
}

const (
	firstItems = 8               // items each feed has at the start
	newItem    = 3 * time.Second // a new item per feed this often
	editEvery  = 5 * time.Second // the newest items of content feeds change this often
	feedLength = 20              // items a feed lists
)

// New starts a site with feeds feeds. fixed > 0 freezes each feed at
// that many items; delay slows pages and images down like a distant server.
func New(feeds, fixed int, delay time.Duration) *Site {
	s := &Site{start: time.Now(), feeds: feeds, fixed: fixed, delay: delay}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops the site.
func (s *Site) Close() { s.srv.Close() }

// URL is the site's base URL, http://127.0.0.1:port.
func (s *Site) URL() string { return s.srv.URL }

// FeedURL is the URL of feed f's RSS.
func (s *Site) FeedURL(f int) string { return fmt.Sprintf("%s/feeds/%d.xml", s.srv.URL, f) }

// Served is how many requests for pages and images have come in.
func (s *Site) Served() int64 { return s.served.Load() }

// Image returns the bytes the site served for the image at path (a path
// such as /img/0/1.png), and whether it served one.
func (s *Site) Image(path string) ([]byte, bool) {
	b, ok := s.pngs.Load(path)
	if !ok {
		return nil, false
	}
	return b.([]byte), true
}

func (s *Site) items() int {
	if s.fixed > 0 {
		return s.fixed
	}
	return firstItems + int(time.Since(s.start)/newItem)
}

func (s *Site) revision() int {
	if s.fixed > 0 {
		return 0
	}
	return int(time.Since(s.start) / editEvery)
}

func (s *Site) pagePath(f, i int) string  { return fmt.Sprintf("/news/%d/%d.html", f, i) }
func (s *Site) imagePath(f, i int) string { return fmt.Sprintf("/img/%d/%d.png", f, i) }

// ImageHashes returns the blob names of every image the site has served.
func (s *Site) ImageHashes() []string {
	var out []string
	s.pngs.Range(func(_, v any) bool {
		out = append(out, blob.Hash(v.([]byte)))
		return true
	})
	return out
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/feeds/") {
		s.served.Add(1)
		time.Sleep(s.delay)
	}
	var f, i int
	switch {
	case r.URL.Path == "/img/logo.png":
		s.image(w, r.URL.Path, 0)
	case scanSitePath(r.URL.Path, "/img/%d/%d.png", &f, &i) && f < s.feeds && i >= 1 && i <= s.items():
		s.image(w, r.URL.Path, uint32(f*100000+i))
	case scanSitePath(r.URL.Path, "/news/%d/%d.html", &f, &i) && f < s.feeds && i >= 1 && i <= s.items():
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		title := siteTitle(f, i)
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>%s - 负载测试新闻</title>
<meta property="og:title" content="%s"></head><body><header><a href="/">首页</a> <a href="/news">新闻</a></header>
<article><h1>%s</h1><p class="byline">记者 王小明 %s</p>%s</article><footer>版权所有 负载测试新闻网</footer></body></html>`,
			title, title, title, itemTime(f, i).Format("2006-01-02 15:04"), s.body(f, i, 0))
	case scanSitePath(r.URL.Path, "/feeds/%d.xml", &f) && f < s.feeds:
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>负载测试新闻 %d</title><link>%s/</link><language>zh-cn</language>`, f, s.srv.URL)
		n, rev, shown := s.items(), s.revision(), feedLength
		if s.fixed > 0 {
			shown = s.fixed
		}
		for i := n; i >= max(1, n-shown+1); i-- {
			desc := "<p>" + siteSentence(f, i, 0) + "</p>"
			if f%2 == 1 {
				r := 0
				if i > n-2 {
					r = rev
				}
				desc = s.body(f, i, r)
			}
			fmt.Fprintf(&b, `<item><title>%s</title><link>%s%s</link><guid>%s%s</guid><pubDate>%s</pubDate><description><![CDATA[%s]]></description></item>`,
				siteTitle(f, i), s.srv.URL, s.pagePath(f, i), s.srv.URL, s.pagePath(f, i), itemTime(f, i).Format(time.RFC1123Z), desc)
		}
		b.WriteString(`</channel></rss>`)
		io.WriteString(w, b.String())
	default:
		http.NotFound(w, r)
	}
}

func scanSitePath(path, format string, args ...any) bool {
	n, err := fmt.Sscanf(path, format, args...)
	return err == nil && n == len(args) && fmt.Sprintf(format, derefInts(args)...) == path
}

func derefInts(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = *(a.(*int))
	}
	return out
}

func (s *Site) image(w http.ResponseWriter, path string, seed uint32) {
	b, ok := s.pngs.Load(path)
	if !ok {
		b, _ = s.pngs.LoadOrStore(path, sitePNG(seed))
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(b.([]byte))
}

// body is the HTML of item i of feed f at revision rev: paragraphs of
// generated Chinese news text and two images, the item's own and the logo.
func (s *Site) body(f, i, rev int) string {
	var b strings.Builder
	for p := 0; p < 6; p++ {
		fmt.Fprintf(&b, "<p>%s</p>", siteSentence(f, i, p))
		if p == 1 {
			fmt.Fprintf(&b, `<figure><img src="%s%s" alt="现场图片" width="320" height="200"><figcaption>现场图片（第%d号）</figcaption></figure>`, s.srv.URL, s.imagePath(f, i), i)
		}
	}
	fmt.Fprintf(&b, `<p><img src="%s/img/logo.png" alt="负载测试新闻"></p>`, s.srv.URL)
	if rev > 0 {
		fmt.Fprintf(&b, "<p>（本文已于第%d次更新：补充了最新的进展和各方回应。）</p>", rev)
	}
	return b.String()
}

var (
	sitePlaces = []string{"北京", "上海", "广州", "深圳", "成都", "武汉", "杭州", "南京", "西安", "重庆", "香港", "台北"}
	siteTopics = []string{"城市公园", "地铁线路", "图书馆", "医院", "学校", "港口", "机场", "博物馆", "体育馆", "菜市场", "科技园", "老街区"}
	siteVerbs  = []string{"改造完成", "正式开放", "启动扩建", "恢复运营", "公布规划", "举行听证会"}
	siteLines  = []string{
		"市政府有关负责人在新闻发布会上介绍了项目的进展情况，并回答了记者的提问。",
		"据了解，该项目总投资约十二亿元，工期预计为两年，建成后将惠及周边数十万居民。",
		"不少市民表示，希望有关部门在施工期间做好交通疏导，减少对日常生活的影响。",
		"专家认为，此类公共设施的建设应当更加注重长期维护，而不仅仅是短期的形象工程。",
		"记者在现场看到，工作人员正在进行最后的检查，周边道路已经恢复通行。",
		"有关部门表示，将继续听取社会各界的意见和建议，不断完善相关配套服务。",
		"附近商户说，过去几个月客流明显减少，希望新设施开放后生意能够逐步回暖。",
		"该市去年共完成类似项目二十余个，今年计划再投入资金用于老旧设施的更新。",
	}
)

func siteTitle(f, i int) string {
	return fmt.Sprintf("%s%s%s（%d-%d）", sitePlaces[(f*7+i)%len(sitePlaces)], siteTopics[(i*5+f)%len(siteTopics)], siteVerbs[(i+f)%len(siteVerbs)], f, i)
}

func siteSentence(f, i, p int) string {
	return fmt.Sprintf("%s%s：%s", sitePlaces[(f+i+p)%len(sitePlaces)], siteTopics[(i+p*3)%len(siteTopics)], siteLines[(f*3+i+p)%len(siteLines)])
}

// itemTime is when item i of feed f was published: a fixed day, so that
// pages and feeds agree whenever they are fetched.
func itemTime(f, i int) time.Time {
	return time.Date(2024, 3, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600)).Add(time.Duration(f)*time.Hour + time.Duration(i)*time.Minute)
}

// sitePNG makes a small PNG image whose pixels depend on seed, so that
// different seeds give different blobs.
func sitePNG(seed uint32) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 20))
	for x := 0; x < 32; x++ {
		for y := 0; y < 20; y++ {
			img.Set(x, y, color.RGBA{uint8(seed), uint8(seed>>8) ^ uint8(x*8), uint8(seed>>16) ^ uint8(y*12), 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
