// Package siterules reads per-site extraction rules written in the
// FiveFilters ftr-site-config format (the format of
// github.com/fivefilters/ftr-site-config, which Full-Text RSS, wallabag
// and Readeck read), matches them to hosts, and evaluates their XPath
// expressions on parsed HTML.
//
// A rules file is named after the host it serves ("mp.weixin.qq.com.txt")
// or, with a leading dot, after a parent domain whose every subdomain it
// serves (".sina.com.cn.txt"). Each line is "directive: value"; lines
// starting with # are comments. The directives read are:
//
//	title: XPATH          the headline (first expression that matches wins)
//	body: XPATH           the article body (first that matches wins; all
//	                      nodes it matches are the body, in document order)
//	author: XPATH         the author (every match, joined)
//	date: XPATH           the publication date
//	strip: XPATH          elements to remove before anything else
//	strip_id_or_class: S  elements whose id or class contains S go
//	strip_image_src: S    images whose src contains S go
//	prune: yes|no         clean the body of boilerplate (default yes)
//	tidy: yes|no          accepted and ignored (there is no HTML Tidy here)
//	autodetect_on_failure: yes|no
//	                      fall back to generic extraction when body
//	                      matches nothing (default yes)
//	test_url: URL         a page the rules are meant for
//
// Every other directive of the format (single_page_link, next_page_link,
// find_string, replace_string, http_header(…), test_contains, native_ad_clue,
// login_*, …) is accepted and ignored, so that files from the FiveFilters
// repository load unchanged.
//
// The package does not fetch anything and knows nothing about articles;
// package extract decides what to do with what the rules select.
package siterules

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/antchfx/htmlquery"
	"github.com/antchfx/xpath"
	"golang.org/x/net/html"
)

// Rule is one site's rules.
type Rule struct {
	// Pattern is the host the rule serves, or ".domain" for every host
	// under domain (the file name without ".txt").
	Pattern string

	Title, Body, Author, Date []*xpath.Expr
	Strip                     []*xpath.Expr
	StripIDOrClass            []string
	StripImageSrc             []string

	Prune               bool // clean the body of boilerplate
	AutodetectOnFailure bool // fall back to generic extraction when Body matches nothing

	TestURLs []string

	// Render says the site's pages need a browser to show their text
	// (newsvault's "render: yes"); WaitFor is a CSS selector the rendered
	// page must show before it is captured ("wait_for: .post-body"), and
	// implies Render.
	Render  bool
	WaitFor string
}

// ErrSyntax is wrapped by the errors Parse returns.
var ErrSyntax = errors.New("site rules syntax")

// maxRuleFile bounds the size of a rules file.
const maxRuleFile = 1 << 20

// Parse reads rules in the ftr-site-config format for pattern (a host or
// ".domain"). Unknown directives and lines without a colon are ignored. It
// fails on an XPath expression that does not compile or a yes/no
// directive with another value, naming the line.
func Parse(pattern string, data []byte) (*Rule, error) {
	if len(data) > maxRuleFile {
		return nil, fmt.Errorf("%w: %s: file larger than %d bytes", ErrSyntax, pattern, maxRuleFile)
	}
	r := &Rule{Pattern: strings.ToLower(pattern), Prune: true, AutodetectOnFailure: true}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxRuleFile)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		if err := r.set(key, val); err != nil {
			return nil, fmt.Errorf("%w: %s line %d: %s: %v", ErrSyntax, pattern, n, key, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrSyntax, pattern, err)
	}
	return r, nil
}

// set applies one directive.
func (r *Rule) set(key, val string) error {
	var list *[]*xpath.Expr
	switch key {
	case "title":
		list = &r.Title
	case "body":
		list = &r.Body
	case "author":
		list = &r.Author
	case "date":
		list = &r.Date
	case "strip":
		list = &r.Strip
	case "strip_id_or_class":
		if v := strings.Trim(val, `'"`); v != "" {
			r.StripIDOrClass = append(r.StripIDOrClass, v)
		}
		return nil
	case "strip_image_src":
		if val != "" {
			r.StripImageSrc = append(r.StripImageSrc, val)
		}
		return nil
	case "prune":
		return setBool(&r.Prune, val)
	case "autodetect_on_failure":
		return setBool(&r.AutodetectOnFailure, val)
	case "tidy":
		var ignored bool
		return setBool(&ignored, val)
	case "render":
		return setBool(&r.Render, val)
	case "wait_for":
		if val != "" {
			r.WaitFor, r.Render = val, true
		}
		return nil
	case "test_url":
		if val != "" {
			r.TestURLs = append(r.TestURLs, val)
		}
		return nil
	default:
		return nil // a directive this package does not use
	}
	if val == "" {
		return nil
	}
	expr, err := compile(val)
	if err != nil {
		return err
	}
	*list = append(*list, expr)
	return nil
}

// compile compiles an XPath expression, turning a panic of the XPath
// package into an error.
func compile(s string) (expr *xpath.Expr, err error) {
	defer func() {
		if p := recover(); p != nil {
			expr, err = nil, fmt.Errorf("xpath %q: %v", s, p)
		}
	}()
	expr, err = xpath.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("xpath %q: %v", s, err)
	}
	return expr, nil
}

func setBool(dst *bool, val string) error {
	switch strings.ToLower(val) {
	case "yes", "true", "1", "on":
		*dst = true
	case "no", "false", "0", "off":
		*dst = false
	default:
		return fmt.Errorf("want yes or no, got %q", val)
	}
	return nil
}

// Set is a collection of rules indexed by pattern. The zero value is
// empty and ready to use; a Set is safe for concurrent reads once built.
type Set struct {
	rules map[string]*Rule
}

// Add adds r, replacing a rule with the same pattern.
func (s *Set) Add(r *Rule) {
	if s.rules == nil {
		s.rules = make(map[string]*Rule)
	}
	s.rules[r.Pattern] = r
}

// Len is the number of rules in s.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.rules)
}

// Match returns the rule for host, or nil. Like FiveFilters it strips a
// port and a leading "www.", tries the host itself, then wildcard rules
// for its parent domains (".example.com" for "news.example.com"), nearest
// first, down to two labels.
func (s *Set) Match(host string) *Rule {
	if s == nil || len(s.rules) == 0 {
		return nil
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(host), "."))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimPrefix(host, "www.")
	if host == "" {
		return nil
	}
	if r := s.rules[host]; r != nil {
		return r
	}
	if r := s.rules["."+host]; r != nil {
		return r
	}
	labels := strings.Split(host, ".")
	for i := 1; i+2 <= len(labels); i++ {
		if r := s.rules["."+strings.Join(labels[i:], ".")]; r != nil {
			return r
		}
	}
	return nil
}

// LoadFS adds every "*.txt" rules file in the top directory of fsys to s
// (a later file for the same pattern replaces an earlier one). It reads
// all files and returns the errors of those that failed, joined; the
// others are added.
func (s *Set) LoadFS(fsys fs.FS) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".txt") || strings.HasPrefix(name, "_") {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r, err := Parse(strings.TrimSuffix(name, ".txt"), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.Add(r)
	}
	return errors.Join(errs...)
}

// LoadDir is LoadFS on the directory dir.
func (s *Set) LoadDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("site rules: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("site rules: %s is not a directory", dir)
	}
	if err := s.LoadFS(os.DirFS(filepath.Clean(dir))); err != nil {
		return fmt.Errorf("site rules in %s: %w", dir, err)
	}
	return nil
}

//go:embed rules/*.txt
var builtinFS embed.FS

// Builtin returns the rules that ship with newsvault (see the rules
// directory of this package).
func Builtin() *Set {
	sub, err := fs.Sub(builtinFS, "rules")
	if err != nil {
		panic(err) // the embedded directory is part of the build
	}
	s := &Set{}
	if err := s.LoadFS(sub); err != nil {
		panic(fmt.Sprintf("built-in site rules: %v", err)) // caught by the package tests
	}
	return s
}

// Merge returns a set with the rules of s and then of over, over's
// replacing s's for the same pattern.
func Merge(s, over *Set) *Set {
	out := &Set{}
	for _, src := range []*Set{s, over} {
		if src == nil {
			continue
		}
		for _, r := range src.rules {
			out.Add(r)
		}
	}
	return out
}

// Nodes evaluates expr on doc and returns the element and text nodes it
// selects, in document order, without duplicates. An attribute selected
// by expr comes back as an element holding the attribute's value as text.
// A scalar result (string(), count()…) selects nothing. Evaluation errors
// (which the XPath package raises as panics) select nothing.
func Nodes(doc *html.Node, expr *xpath.Expr) (nodes []*html.Node) {
	defer func() {
		if p := recover(); p != nil {
			nodes = nil
		}
	}()
	return htmlquery.QuerySelectorAll(doc, expr)
}

// Text evaluates expr on doc and returns the text it selects: a string
// result as it is, a number or boolean formatted, or the text of the
// selected nodes joined by sep. Evaluation errors select nothing.
func Text(doc *html.Node, expr *xpath.Expr, sep string) (text string) {
	defer func() {
		if p := recover(); p != nil {
			text = ""
		}
	}()
	switch v := expr.Evaluate(htmlquery.CreateXPathNavigator(doc)).(type) {
	case string:
		return strings.TrimSpace(v)
	case bool, float64:
		return fmt.Sprint(v)
	}
	var parts []string
	for _, n := range htmlquery.QuerySelectorAll(doc, expr) {
		if t := strings.Join(strings.Fields(htmlquery.InnerText(n)), " "); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, sep)
}

// Hosts returns the patterns of the rules in s, sorted.
func (s *Set) Hosts() []string {
	if s == nil {
		return nil
	}
	var out []string
	for p := range s.rules {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
