package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/newsvault/newsvault/internal/cli"
	"github.com/newsvault/newsvault/internal/extract"
)

// extractRecord is one line of `newsvault extract --json`.
type extractRecord struct {
	File      string `json:"file"`
	URL       string `json:"url"`
	Kind      string `json:"kind"`
	Title     string `json:"title"`
	Author    string `json:"author"`
	Published string `json:"published"`
	Updated   string `json:"updated"`
	SiteName  string `json:"site_name"`
	Language  string `json:"language"`
	Image     string `json:"image"`
	Text      string `json:"text"`
	HTML      string `json:"html"`
	Error     string `json:"error,omitempty"`
}

// maxExtractFile bounds the size of one input file.
const maxExtractFile = 64 << 20

func newExtractCmd(cfg *cli.Config) *cobra.Command {
	var (
		pageURL string
		asJSON  bool
		zone    string
	)
	cmd := &cobra.Command{
		Use:   "extract [--url URL] [--json] FILE...",
		Short: "Extract the article from saved pages and print it",
		Long: `extract reads saved web pages (HTML in any charset, or plain text; FILE "-"
is standard input; .gz files are decompressed) and prints the article each
one holds: title, author, dates, site, language, lead image, text and
cleaned HTML. Nothing is fetched or stored.

Pages that hold no article are reported with their kind: listing (an index
page), error (not found or removed, even when served as a normal page),
challenge (a captcha or bot wall), login (a login or paywall), empty (no
text, such as a page built by scripts) or other (not a web page).

With --json each file gives one JSON object on its own line, in the order
given, with the fields file (as given), url, kind, title, author,
published, updated (RFC 3339, "" when unknown), site_name, language,
image, text and html, and error when the page is not an article or could
not be read. url is --url, else the page's canonical URL.

Files that cannot be read make the command exit non-zero after the others
are done; pages that are not articles do not.`,
		Example: `  newsvault extract page.html
  newsvault extract --url https://mp.weixin.qq.com/s/abc --json saved.html
  curl -s https://example.com/a.html | newsvault extract --json -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var loc *time.Location
			if zone != "" {
				var err error
				if loc, err = time.LoadLocation(zone); err != nil {
					return cli.Usagef("--time-zone %q: %v", zone, err)
				}
			}
			if pageURL != "" && !strings.Contains(pageURL, "://") {
				return cli.Usagef("--url %q is not an absolute URL", pageURL)
			}
			x, err := cfg.Extractor()
			if err != nil {
				return err
			}
			out := bufio.NewWriter(cmd.OutOrStdout())
			defer out.Flush()
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			failed := 0
			for i, file := range args {
				if err := cmd.Context().Err(); err != nil {
					return err
				}
				rec, readErr := extractFile(cmd, x, file, pageURL, loc)
				if readErr != nil {
					failed++
				}
				if asJSON {
					if err := enc.Encode(rec); err != nil {
						return err
					}
				} else {
					if i > 0 {
						fmt.Fprintln(out)
					}
					writeSummary(out, rec)
				}
				// Stream: each page is out before the next is read.
				if err := out.Flush(); err != nil {
					return err
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d files could not be read", failed, len(args))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&pageURL, "url", "", "the URL the pages were fetched from (resolves relative links, picks site rules and the time zone)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object per file, one per line")
	f.StringVar(&zone, "time-zone", "", "IANA zone for dates written without one (default: Asia/Shanghai for Chinese pages, else UTC)")
	return cmd
}

// extractFile reads and extracts one file. The error is about reading;
// extraction failures are in the record.
func extractFile(cmd *cobra.Command, x *extract.Extractor, file, pageURL string, loc *time.Location) (extractRecord, error) {
	rec := extractRecord{File: file, URL: pageURL}
	body, err := readInput(cmd, file)
	if err != nil {
		rec.Error = err.Error()
		return rec, err
	}
	r, err := x.Extract(cmd.Context(), extract.Page{URL: pageURL, ContentType: contentTypeOf(file), Body: body, Location: loc})
	if err != nil {
		var na *extract.NotArticleError
		if errors.As(err, &na) {
			rec.Kind = na.Kind
		}
		rec.Error = err.Error()
		return rec, nil
	}
	if rec.URL == "" {
		rec.URL = r.Canonical
	}
	rec.Kind, rec.Title, rec.Author = r.Kind, r.Title, r.Author
	rec.Published, rec.Updated = formatTime(r.Published), formatTime(r.Updated)
	rec.SiteName, rec.Language, rec.Image = r.SiteName, r.Language, r.Image
	rec.Text, rec.HTML = r.Text, r.HTML
	return rec, nil
}

// readInput reads a file, standard input for "-", decompressing gzip.
func readInput(cmd *cobra.Command, file string) ([]byte, error) {
	var r io.Reader
	if file == "-" {
		r = cmd.InOrStdin()
	} else {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxExtractFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(body) > maxExtractFile {
		return nil, fmt.Errorf("read %s: larger than %d MB", file, maxExtractFile>>20)
	}
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		body, err = io.ReadAll(io.LimitReader(zr, maxExtractFile+1))
		if err != nil {
			return nil, fmt.Errorf("read %s: gzip: %w", file, err)
		}
		if len(body) > maxExtractFile {
			return nil, fmt.Errorf("read %s: larger than %d MB uncompressed", file, maxExtractFile>>20)
		}
	}
	return body, nil
}

// contentTypeOf guesses a declared type from the file name; "" lets the
// extractor sniff.
func contentTypeOf(file string) string {
	switch strings.ToLower(filepath.Ext(strings.TrimSuffix(file, ".gz"))) {
	case ".html", ".htm", ".xhtml", ".shtml":
		return "text/html"
	case ".txt", ".text":
		return "text/plain"
	}
	return ""
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// writeSummary prints a record for a reader.
func writeSummary(w io.Writer, rec extractRecord) {
	fmt.Fprintf(w, "== %s\n", rec.File)
	if rec.Error != "" {
		kind := rec.Kind
		if kind == "" {
			kind = "unreadable"
		}
		fmt.Fprintf(w, "kind:       %s\n", kind)
		fmt.Fprintf(w, "error:      %s\n", rec.Error)
		return
	}
	for _, f := range [][2]string{
		{"kind", rec.Kind}, {"title", rec.Title}, {"author", rec.Author}, {"published", rec.Published},
		{"updated", rec.Updated}, {"site", rec.SiteName}, {"language", rec.Language}, {"image", rec.Image}, {"url", rec.URL},
	} {
		if f[1] != "" {
			fmt.Fprintf(w, "%-11s %s\n", f[0]+":", f[1])
		}
	}
	paras := strings.Count(rec.Text, "\n\n") + 1
	fmt.Fprintf(w, "%-11s %d characters in %d paragraphs\n", "text:", utf8.RuneCountInString(rec.Text), paras)
	for i, p := range strings.SplitN(rec.Text, "\n\n", 4) {
		if i == 3 {
			fmt.Fprintln(w, "  …")
			break
		}
		if r := []rune(p); len(r) > 100 {
			p = string(r[:100]) + "…"
		}
		fmt.Fprintf(w, "  %s\n", strings.ReplaceAll(p, "\n", " "))
	}
}
