package apijson

import (
	"time"

	"github.com/newsvault/newsvault/internal/store"
)

// Story is a group of articles about one event across outlets.
type Story struct {
	ID             int64      `json:"id"`
	Title          string     `json:"title"`
	TitleArticleID int64      `json:"title_article_id,omitempty"`
	First          *time.Time `json:"first,omitempty"`
	Last           *time.Time `json:"last,omitempty"`
	Size           int        `json:"size"`
	SourceCount    int        `json:"source_count"`
	// Articles are the story's articles, earliest first (one story only).
	Articles []StoryArticle `json:"articles,omitempty"`
}

// StoryArticle is one article of a story.
type StoryArticle struct {
	Article
	Source string `json:"source,omitempty"`
	// CopyOf is the original this article is a copy of, if it is one.
	CopyOf int64 `json:"copy_of,omitempty"`
	// Status is the article's status where the archive knows it
	// ("removed" when the original is gone).
	Status string `json:"status,omitempty"`
}

// CopyGroup is an article and its copies.
type CopyGroup struct {
	ArticleID  int64  `json:"article_id"`
	OriginalID int64  `json:"original_id,omitempty"`
	Members    []Copy `json:"members"`
}

// Copy is one member of a copy group.
type Copy struct {
	Article
	Source   string    `json:"source,omitempty"`
	Original bool      `json:"original"`
	Link     *CopyLink `json:"link,omitempty"`
}

// CopyLink says how a copy relates to another member: kind (exact, near,
// alias), shingle Jaccard similarity and containment, and what differs
// (title, script, header, footer, body).
type CopyLink struct {
	OfArticleID int64    `json:"of_article_id"`
	Kind        string   `json:"kind"`
	Jaccard     float64  `json:"jaccard"`
	Containment float64  `json:"containment"`
	Differs     []string `json:"differs,omitempty"`
}

// FromStory describes a story; members, when given, are listed.
func FromStory(st store.Story, members []store.StoryMember) Story {
	j := Story{ID: st.ID, Title: st.Title, TitleArticleID: st.TitleArticle, First: Time(st.First), Last: Time(st.Last),
		Size: st.Size, SourceCount: st.Sources}
	for _, m := range members {
		j.Articles = append(j.Articles, StoryArticle{Article: FromArticle(m.Article, false), Source: m.Source, CopyOf: m.CopyOf})
	}
	return j
}

// FromCopyGroup describes the copy group of article id.
func FromCopyGroup(id int64, g store.CopyGroup) CopyGroup {
	j := CopyGroup{ArticleID: id, OriginalID: g.Original, Members: []Copy{}}
	for _, m := range g.Members {
		c := Copy{Article: FromArticle(m.Article, false), Source: m.Source, Original: m.Original}
		if l := m.Link; l != nil {
			c.Link = &CopyLink{OfArticleID: l.Of, Kind: l.Kind, Jaccard: l.Jaccard, Containment: l.Containment, Differs: l.Differs}
		}
		j.Members = append(j.Members, c)
	}
	return j
}
