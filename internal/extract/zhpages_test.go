package extract

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsvault/newsvault/internal/shareddata"
)

// zhPage is one page of the shared zh-pages set, with the answers its
// source repository gives (empty when unknown).
type zhPage struct {
	path   string // relative to the data directory
	date   string // "2005-5-7 21:23:57", "2004-12-10", "1998-3", …
	author string
	title  string
}

// loadZhPages lists the HTML pages of zh-pages.manifest.tsv and attaches
// the answers of the immortal-autumn set (author/, date/ folders) and of
// kingname's result.txt.
func loadZhPages(t *testing.T, dataDir string) []zhPage {
	t.Helper()
	f, err := os.Open(filepath.Join(dataDir, "zh-pages.manifest.tsv"))
	if err != nil {
		t.Skipf("zh-pages manifest: %v", err)
	}
	defer f.Close()
	kingname := loadKingnameAnswers(t, dataDir)
	var pages []zhPage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rel := strings.SplitN(sc.Text(), "\t", 2)[0]
		if !strings.HasSuffix(rel, ".html") || strings.Contains(rel, "/expected") {
			continue
		}
		p := zhPage{path: rel}
		if dir, file := filepath.Split(rel); strings.HasSuffix(dir, "/original/") {
			id := strings.TrimSuffix(file, ".html")
			set := filepath.Dir(filepath.Dir(rel))
			p.date = readAnswer(filepath.Join(dataDir, set, "date", id+".txt"))
			if !reYearFirst.MatchString(p.date) {
				p.date = "" // a few answers are misplaced authors
			}
			p.author = readAnswer(filepath.Join(dataDir, set, "author", id+".txt"))
		}
		if a, ok := kingname[strings.TrimPrefix(rel, "zh-pages/kingname_GeneralNewsExtractor/")]; ok {
			p.date, p.author, p.title = a.PublishTime, a.Author, a.Title
			if !reYearFirst.MatchString(p.date) {
				p.date = "" // "09月07日": no year to check
			}
		}
		pages = append(pages, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pages
}

// reYearFirst matches answers that start with a year.
var reYearFirst = regexp.MustCompile(`^(?:19|20)[0-9]{2}`)

// readAnswer reads a one-line answer file; "UNKNOWN" and unreadable mean "".
func readAnswer(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(strings.ToUpper(s), "UNKN") {
		return ""
	}
	return s
}

type kingnameAnswer struct {
	Title       string `json:"title"`
	Author      string `json:"author"`
	PublishTime string `json:"publish_time"`
}

// loadKingnameAnswers parses result.txt: blocks of
// ">>>…tests/x/y.html>>>…", a JSON object, "<<<…".
func loadKingnameAnswers(t *testing.T, dataDir string) map[string]kingnameAnswer {
	t.Helper()
	out := make(map[string]kingnameAnswer)
	b, err := os.ReadFile(filepath.Join(dataDir, "zh-pages", "kingname_GeneralNewsExtractor", "result.txt"))
	if err != nil {
		return out
	}
	for _, block := range strings.Split(string(b), ">>>>>>>>>>>>>tests/")[1:] {
		name, rest, ok := strings.Cut(block, ">>>>>>>>>>>>>")
		if !ok {
			continue
		}
		js, _, _ := strings.Cut(rest, "<<<<<")
		var a kingnameAnswer
		if err := json.Unmarshal([]byte(strings.TrimSpace(js)), &a); err != nil {
			t.Logf("result.txt block %s: %v", name, err)
			continue
		}
		out["tests/"+name] = a
	}
	return out
}

// sameDay reports whether got falls on the (possibly partial: "2018",
// "1998-3") day of want, read on got's own wall clock.
func sameDay(want string, got time.Time) bool {
	if got.IsZero() {
		return false
	}
	w, ok := ParseDate(want, time.UTC)
	if !ok {
		// Partial answers: a year, or a year and month.
		parts := strings.Split(strings.Fields(want)[0], "-")
		if len(parts) > 2 || parts[0] != got.Format("2006") {
			return false
		}
		return len(parts) == 1 || strings.TrimLeft(parts[1], "0") == got.Format("1")
	}
	return w.Format("2006-01-02") == got.Format("2006-01-02")
}

func TestZhPages(t *testing.T) {
	dataDir := shareddata.Dir(t)
	pages := loadZhPages(t, dataDir)
	if testing.Short() && len(pages) > 30 {
		pages = pages[:30]
	}
	e := New(Options{})
	ctx := context.Background()
	var ok, titled, dated, withDate, dayRight, withAuthor, authorRight, withTitle, titleRight int
	start := time.Now()
	for _, p := range pages {
		body, err := os.ReadFile(filepath.Join(dataDir, p.path))
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Extract(ctx, Page{URL: "https://zh-pages.example/" + p.path, Body: body})
		if err != nil {
			t.Logf("%s: %v", p.path, err)
			continue
		}
		ok++
		if r.Title != "" {
			titled++
		}
		if !r.Published.IsZero() {
			dated++
		}
		if p.date != "" {
			withDate++
			if sameDay(p.date, r.Published) {
				dayRight++
			} else {
				t.Logf("%s: date %s, answer %q", p.path, r.Published.Format(time.RFC3339), p.date)
			}
		}
		if p.author != "" {
			withAuthor++
			if r.Author == p.author {
				authorRight++
			}
		}
		if p.title != "" {
			withTitle++
			if r.Title == p.title {
				titleRight++
			} else {
				t.Logf("%s: title %q, answer %q", p.path, r.Title, p.title)
			}
		}
	}
	t.Logf("%d pages in %v: %d extracted, %d with a title, %d with a date; day right %d/%d, author right %d/%d, title right %d/%d",
		len(pages), time.Since(start).Round(time.Millisecond), ok, titled, dated, dayRight, withDate, authorRight, withAuthor, titleRight, withTitle)

	if ok*10 < len(pages)*9 {
		t.Errorf("extracted %d of %d pages, want at least 90%%", ok, len(pages))
	}
	if titled*10 < ok*9 {
		t.Errorf("%d of %d extracted pages have a title, want at least 90%%", titled, ok)
	}
	if !testing.Short() && dayRight < minDaysRight {
		t.Errorf("publication day right on %d of %d pages with an answer, want at least %d", dayRight, withDate, minDaysRight)
	}
}

// minDaysRight is the floor for TestZhPages' date score on the full set,
// set a little under the measured figure so that regressions show.
const minDaysRight = 62
