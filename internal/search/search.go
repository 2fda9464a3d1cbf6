// Package search owns newsvault's Chinese-aware text analysis: folding text
// to one comparable form (traditional to simplified Chinese, full-width to
// half-width, lower case), cutting it into the tokens the full-text index
// stores (overlapping bigrams for Chinese, Japanese and Korean, words for
// everything else), the search-box query language, the tree of tokens a
// query becomes (Expr), and highlighted result snippets.
//
// It does not store or query anything and speaks no store's syntax: a
// store keeps the tokens this package produces (IndexDoc) and renders the
// trees it builds in its own full-text language. No
// word segmenter and no dictionary beyond OpenCC's character table are
// involved, so indexing is fast and a query can never be segmented
// differently from the text it should find.
//
// # Why bigrams, and how one character is still found
//
// A run of CJK characters c1 c2 … cn is indexed as the bigrams c1c2, c2c3, …,
// c(n-1)cn followed by the unigram cn; a lone character is a unigram. So
// every character of a run starts exactly one token. A query term becomes
// the phrase of its bigrams (word order matters: 申科卢卡 does not find
// 卢卡申科), and a term that ends in a single CJK character ends in a prefix
// token ("美"* matches 美国 and the unigram 美), which finds a character
// wherever it sits in a run, the last position included. The unigram at the
// end of each run also lets a phrase span a run boundary ("美国，总统" is
// 美国 国 总统 统, and the quoted query "美国 总统" is the phrase 美国 国 总统).
package search

import (
	"fmt"

	"github.com/newsvault/newsvault/internal/zh"
)

// Analyzer folds and tokenises text and turns queries into trees of index
// tokens and snippets. It holds only read-only tables, so one Analyzer
// is safe for concurrent use; build it once with NewAnalyzer and share it.
type Analyzer struct {
	fold *zh.Folder
}

// NewAnalyzer builds the folding tables (zh.NewFolder): about 50 ms. It
// fails only if OpenCC's embedded dictionaries cannot be loaded.
func NewAnalyzer() (*Analyzer, error) {
	f, err := zh.NewFolder()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return &Analyzer{fold: f}, nil
}

// foldRune returns the folded form of one rune.
func (a *Analyzer) foldRune(r rune) rune { return a.fold.Rune(r) }

// Fold returns s in the form the index compares (see zh.Folder):
// traditional Chinese characters as simplified ones (character by
// character: 盧→卢, 華→华, 臺→台), variants as one character, full-width
// letters, digits, punctuation and space as half-width ones, everything
// lower case. The result has exactly as many runes as s (invalid UTF-8
// becomes U+FFFD), rune i of the result being the fold of rune i of s.
func (a *Analyzer) Fold(s string) string { return a.fold.String(s) }

// foldRunes folds s into a rune slice, one rune per rune of s.
func (a *Analyzer) foldRunes(s string) []rune { return a.fold.Runes(s) }
