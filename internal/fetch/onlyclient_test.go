package fetch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoOtherCodeOpensConnections walks the module's non-test Go files and
// fails on any outside this package that could make an outbound request
// without the guard: net/http's client side, dialers, raw sockets. A new
// fetcher (favicons, media proxy, re-checks) must go through Client, which
// is what makes the SSRF guard apply to "everything later" too. A file that
// must talk to a server directly (the load generator of `bench load`, aimed
// at our own loopback server) says so with a line
// "//newsvault:direct-client <reason>".
func TestNoOtherCodeOpensConnections(t *testing.T) {
	forbidden := map[string][]string{
		"net/http": {"Get", "Head", "Post", "PostForm", "Client", "DefaultClient", "Transport", "DefaultTransport", "NewRequest", "NewRequestWithContext"},
		"net":      {"Dial", "DialTimeout", "Dialer", "DialTCP", "DialUDP", "DialIP", "DialUnix"},
		"net/smtp": {"Dial", "SendMail"},
		"os/exec":  {"Command", "CommandContext"},
	}
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "artifacts") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if filepath.Dir(path) == "." || filepath.Base(filepath.Dir(path)) == "fetch" && filepath.Base(filepath.Dir(filepath.Dir(path))) == "internal" {
			return nil // this package is the one allowed client
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if reason, ok := strings.CutPrefix(c.Text, "//newsvault:direct-client "); ok && strings.TrimSpace(reason) != "" {
					return nil // e.g. a load generator aimed at our own server
				}
			}
		}
		names := map[string]string{} // local name -> import path
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			// The one exception: internal/render launches Chromium through
			// chromedp, answers every request of its pages through this
			// package's Client and gives the browser a dead-end proxy
			// (internal/render/browser.go). Nothing else may drive a browser.
			if strings.HasPrefix(p, "github.com/chromedp/") && filepath.ToSlash(filepath.Dir(path)) != "../../internal/render" {
				t.Errorf("%s: imports %s: only internal/render may drive a browser", path, p)
			}
			if _, ok := forbidden[p]; !ok {
				continue
			}
			local := p[strings.LastIndex(p, "/")+1:]
			if imp.Name != nil {
				local = imp.Name.Name
			}
			names[local] = p
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			p, ok := names[id.Name]
			if !ok {
				return true
			}
			for _, bad := range forbidden[p] {
				if sel.Sel.Name == bad {
					t.Errorf("%s: %s.%s: outbound connections must go through internal/fetch.Client (and its SSRF guard)", fset.Position(sel.Pos()), p, bad)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d files checked; is the module root at %s?", checked, root)
	}
}
