package eval

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/net/html"
)

// Page is one page of a data set with what is known about it.
type Page struct {
	ID          string // the file, relative to the data directory
	URL         string // where the page came from, "" when unknown
	ContentType string // "" when unknown: the extractor sniffs
	Body        []byte // the raw page

	// HasRef tells whether Ref is a reference text to score against.
	HasRef bool
	Ref    string
	// TitleFirst: the reference starts with the headline, so the scored
	// text is the extractor's title followed by its body.
	TitleFirst bool

	// Answers, "" when unknown. Date may be partial ("2005-5", "2018").
	Title, Author, Date string
}

// Set is a named group of pages scored together.
type Set struct {
	Name string
	Note string // what the reference is
	// MetaNote says where the metadata answers come from, "" without any.
	MetaNote string
	Pages    []*Page
}

// Data set names, as printed and as accepted by Load's filter.
const (
	SetScrapinghub   = "scrapinghub"
	SetDaniel        = "daniel-zh"
	SetImmortal      = "zh-immortal-autumn"
	SetGNE           = "zh-gne"
	SetReadability   = "zh-readability"
	SetZhOther       = "zh-other"
	extractionFolder = "extraction"
)

// SetNames lists every set Load knows, in the order it loads them.
var SetNames = []string{SetScrapinghub, SetDaniel, SetImmortal, SetGNE, SetReadability, SetZhOther}

// Load reads the data sets under dataDir (the shared data directory) whose
// names are in only (all when only is empty). A set whose files are
// absent is left out; a set whose files are present but unreadable is an
// error.
func Load(dataDir string, only []string) ([]*Set, error) {
	want := func(name string) bool {
		if len(only) == 0 {
			return true
		}
		for _, o := range only {
			if o == name {
				return true
			}
		}
		return false
	}
	var sets []*Set
	add := func(name string, load func(string) (*Set, error)) error {
		if !want(name) {
			return nil
		}
		s, err := load(dataDir)
		switch {
		case err != nil:
			return fmt.Errorf("data set %s: %w", name, err)
		case s != nil && len(s.Pages) > 0:
			sets = append(sets, s)
		}
		return nil
	}
	if err := add(SetScrapinghub, loadScrapinghub); err != nil {
		return nil, err
	}
	if err := add(SetDaniel, loadDaniel); err != nil {
		return nil, err
	}
	if want(SetImmortal) || want(SetGNE) || want(SetReadability) || want(SetZhOther) {
		zh, err := loadZhPages(dataDir)
		if err != nil {
			return nil, fmt.Errorf("zh-pages: %w", err)
		}
		for _, s := range zh {
			if want(s.Name) && len(s.Pages) > 0 {
				sets = append(sets, s)
			}
		}
	}
	return sets, nil
}

// loadScrapinghub reads scrapinghub-article-extraction-benchmark: gzipped
// pages and ground-truth.json (article bodies without headlines).
func loadScrapinghub(dataDir string) (*Set, error) {
	dir := filepath.Join(dataDir, extractionFolder, "scrapinghub-article-extraction-benchmark")
	b, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if os.IsNotExist(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		return nil, fmt.Errorf("ground-truth.json: %w", err)
	}
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	s := &Set{Name: SetScrapinghub, Note: "article body only (mostly English)"}
	for _, id := range ids {
		rel := filepath.Join(extractionFolder, "scrapinghub-article-extraction-benchmark", "html", id+".html.gz")
		body, err := readGzip(filepath.Join(dataDir, rel))
		if err != nil {
			return nil, err
		}
		t := truth[id]
		s.Pages = append(s.Pages, &Page{ID: rel, URL: t.URL, ContentType: "text/html", Body: body, HasRef: true, Ref: t.ArticleBody})
	}
	return s, nil
}

func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// loadDaniel reads the Chinese part of DAnIEL v2.1: html/<id> and
// reference/<id> (one <p> per paragraph, most starting with the headline).
// The id is "<date>_<host>_<hash>", which gives the page's host.
func loadDaniel(dataDir string) (*Set, error) {
	dir := filepath.Join(dataDir, extractionFolder, "daniel-v2.1-zh")
	entries, err := os.ReadDir(filepath.Join(dir, "html"))
	if os.IsNotExist(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	s := &Set{
		Name:     SetDaniel,
		Note:     "headline + body, hand-cleaned; scored as our title then our text",
		MetaNote: "title: the reference's first paragraph (the headline on about 92% of pages)",
	}
	for _, e := range entries {
		id := e.Name()
		rel := filepath.Join(extractionFolder, "daniel-v2.1-zh", "html", id)
		body, err := os.ReadFile(filepath.Join(dataDir, rel))
		if err != nil {
			return nil, err
		}
		refHTML, err := os.ReadFile(filepath.Join(dir, "reference", id))
		if err != nil {
			return nil, err
		}
		paras := htmlParagraphs(string(refHTML))
		p := &Page{ID: rel, Body: body, HasRef: true, Ref: strings.Join(paras, "\n\n"), TitleFirst: true}
		if parts := strings.SplitN(id, "_", 3); len(parts) == 3 {
			p.URL = "http://" + parts[1] + "/"
		}
		if len(paras) > 0 {
			p.Title = paras[0]
		}
		s.Pages = append(s.Pages, p)
	}
	return s, nil
}

// htmlParagraphs returns the text of each block of an HTML fragment (a new
// block at each <p>, <br>, <div> or heading), trimmed, empty ones dropped.
func htmlParagraphs(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if t := strings.Join(strings.Fields(cur.String()), " "); t != "" {
			out = append(out, t)
		}
		cur.Reset()
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			flush()
			return out
		case html.TextToken:
			cur.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "p", "br", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "blockquote":
				flush()
			}
		}
	}
}

// loadZhPages reads zh-pages.manifest.tsv and groups its HTML pages by the
// answers their source repository gives.
func loadZhPages(dataDir string) ([]*Set, error) {
	f, err := os.Open(filepath.Join(dataDir, "zh-pages.manifest.tsv"))
	if os.IsNotExist(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	immortal := &Set{Name: SetImmortal, Note: "hand-cleaned body without headline", MetaNote: "hand-made author and date"}
	gne := &Set{Name: SetGNE, Note: "GeneralNewsExtractor's own output (not hand-made)", MetaNote: "GNE's title, author and date"}
	rdb := &Set{Name: SetReadability, Note: "Readability.js test expectations (expected.html)"}
	other := &Set{Name: SetZhOther, Note: "newspaper's chinese.txt; pages without a reference are run, not scored"}
	gneAnswers, err := loadGNEAnswers(filepath.Join(dataDir, "zh-pages", "kingname_GeneralNewsExtractor", "result.txt"))
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rel := strings.SplitN(sc.Text(), "\t", 2)[0]
		if !strings.HasSuffix(rel, ".html") || strings.HasSuffix(rel, "/expected.html") {
			continue
		}
		body, err := os.ReadFile(filepath.Join(dataDir, rel))
		if err != nil {
			return nil, err
		}
		p := &Page{ID: rel, Body: body}
		switch {
		case strings.HasPrefix(rel, "zh-pages/immortal-autumn_"):
			dir, file := filepath.Split(rel)
			id := strings.TrimSuffix(file, ".html")
			set := filepath.Dir(filepath.Dir(dir))
			if ref, err := os.ReadFile(filepath.Join(dataDir, set, "cleaned", id+".txt")); err == nil {
				p.HasRef, p.Ref = true, string(ref)
			}
			p.Author = readAnswer(filepath.Join(dataDir, set, "author", id+".txt"))
			if d := readAnswer(filepath.Join(dataDir, set, "date", id+".txt")); reYearFirst.MatchString(d) {
				p.Date = d // a few date answers are misplaced authors
			}
			immortal.Pages = append(immortal.Pages, p)
		case strings.HasPrefix(rel, "zh-pages/kingname_GeneralNewsExtractor/"):
			a, ok := gneAnswers[strings.TrimPrefix(rel, "zh-pages/kingname_GeneralNewsExtractor/")]
			if !ok {
				other.Pages = append(other.Pages, p)
				continue
			}
			p.HasRef, p.Ref, p.Title, p.Author = true, a.Content, a.Title, a.Author
			if p.Author == "未知" {
				p.Author = ""
			}
			if reYearFirst.MatchString(a.PublishTime) {
				p.Date = a.PublishTime
			}
			gne.Pages = append(gne.Pages, p)
		case strings.HasPrefix(rel, "zh-pages/mozilla_readability/"):
			exp, err := os.ReadFile(filepath.Join(dataDir, filepath.Dir(rel), "expected.html"))
			if err == nil {
				p.HasRef, p.Ref = true, strings.Join(htmlParagraphs(string(exp)), "\n\n")
			}
			rdb.Pages = append(rdb.Pages, p)
		default:
			if txt := strings.TrimSuffix(rel, "_article.html") + ".txt"; txt != rel {
				if ref, err := os.ReadFile(filepath.Join(dataDir, txt)); err == nil {
					p.HasRef, p.Ref = true, string(ref)
				}
			}
			other.Pages = append(other.Pages, p)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return []*Set{immortal, gne, rdb, other}, nil
}

// reYearFirst matches answers that start with a year.
var reYearFirst = regexp.MustCompile(`^(?:19|20)[0-9]{2}`)

// readAnswer reads a one-line answer file; "UNKNOWN" and a missing file
// mean "".
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

type gneAnswer struct {
	Title       string `json:"title"`
	Author      string `json:"author"`
	PublishTime string `json:"publish_time"`
	Content     string `json:"content"`
}

// loadGNEAnswers parses GeneralNewsExtractor's result.txt: blocks of
// ">>>…tests/x/y.html>>>…", a JSON object, "<<<…", keyed by "tests/x/y.html".
func loadGNEAnswers(path string) (map[string]gneAnswer, error) {
	out := make(map[string]gneAnswer)
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return out, nil
	} else if err != nil {
		return nil, err
	}
	const open = ">>>>>>>>>>>>>"
	for _, block := range strings.Split(string(b), open+"tests/")[1:] {
		name, rest, ok := strings.Cut(block, open)
		if !ok {
			continue
		}
		js, _, _ := strings.Cut(rest, "<<<<<")
		var a gneAnswer
		if err := json.NewDecoder(bytes.NewReader([]byte(js))).Decode(&a); err != nil {
			return nil, fmt.Errorf("%s: block %s: %w", path, name, err)
		}
		out["tests/"+name] = a
	}
	return out, nil
}
