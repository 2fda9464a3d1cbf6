package sqlite

// migrations are applied in order, each once, each in its own transaction.
// Never edit a released migration: append a new one.
var migrations = []string{
	// 1: the core archive.
	`
CREATE TABLE sources (
	id             INTEGER PRIMARY KEY,
	kind           TEXT NOT NULL,
	feed_url       TEXT NOT NULL UNIQUE,
	title          TEXT NOT NULL DEFAULT '',
	site_url       TEXT NOT NULL DEFAULT '',
	mode           TEXT NOT NULL DEFAULT 'auto',
	time_zone      TEXT NOT NULL DEFAULT '',
	etag           TEXT NOT NULL DEFAULT '',
	last_modified  TEXT NOT NULL DEFAULT '',
	interval_s     INTEGER NOT NULL DEFAULT 0,
	last_polled_at INTEGER,
	last_status    TEXT NOT NULL DEFAULT '',
	last_error     TEXT NOT NULL DEFAULT '',
	error_count    INTEGER NOT NULL DEFAULT 0,
	next_poll_at   INTEGER,
	created_at     INTEGER NOT NULL,
	removed_at     INTEGER
);

CREATE TABLE captures (
	id           INTEGER PRIMARY KEY,
	url          TEXT NOT NULL,
	final_url    TEXT NOT NULL DEFAULT '',
	status       INTEGER NOT NULL DEFAULT 0,
	header       TEXT NOT NULL DEFAULT '{}',
	content_type TEXT NOT NULL DEFAULT '',
	fetched_at   INTEGER NOT NULL,
	body_hash    TEXT NOT NULL DEFAULT '',
	size         INTEGER NOT NULL DEFAULT 0,
	error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX captures_url_body ON captures(url, body_hash);

CREATE TABLE articles (
	id            INTEGER PRIMARY KEY,
	url           TEXT NOT NULL UNIQUE,
	original_url  TEXT NOT NULL DEFAULT '',
	source_id     INTEGER REFERENCES sources(id),
	version_id    INTEGER,
	version_count INTEGER NOT NULL DEFAULT 0,
	title         TEXT NOT NULL DEFAULT '',
	published_at  INTEGER,
	sort_at       INTEGER NOT NULL,
	first_seen_at INTEGER NOT NULL,
	last_seen_at  INTEGER NOT NULL
);
CREATE INDEX articles_source_sort ON articles(source_id, sort_at DESC);
CREATE INDEX articles_sort ON articles(sort_at DESC);

CREATE TABLE versions (
	id            INTEGER PRIMARY KEY,
	article_id    INTEGER NOT NULL REFERENCES articles(id),
	seq           INTEGER NOT NULL,
	hash          TEXT NOT NULL,
	title         TEXT NOT NULL DEFAULT '',
	author        TEXT NOT NULL DEFAULT '',
	published_at  INTEGER,
	published_off INTEGER,
	updated_at    INTEGER,
	updated_off   INTEGER,
	site_name     TEXT NOT NULL DEFAULT '',
	language      TEXT NOT NULL DEFAULT '',
	image         TEXT NOT NULL DEFAULT '',
	html          TEXT NOT NULL DEFAULT '',
	text          TEXT NOT NULL DEFAULT '',
	capture_id    INTEGER REFERENCES captures(id),
	created_at    INTEGER NOT NULL,
	last_seen_at  INTEGER NOT NULL,
	UNIQUE (article_id, seq)
);

CREATE TABLE assets (
	hash         TEXT PRIMARY KEY,
	url          TEXT NOT NULL,
	content_type TEXT NOT NULL DEFAULT '',
	size         INTEGER NOT NULL DEFAULT 0,
	fetched_at   INTEGER NOT NULL
);

-- Every URL an asset was downloaded from, so an image is fetched once.
CREATE TABLE asset_urls (
	url  TEXT PRIMARY KEY,
	hash TEXT NOT NULL REFERENCES assets(hash)
);

CREATE TABLE version_assets (
	version_id INTEGER NOT NULL REFERENCES versions(id),
	hash       TEXT NOT NULL REFERENCES assets(hash),
	url        TEXT NOT NULL,
	PRIMARY KEY (version_id, hash, url)
);
CREATE INDEX version_assets_hash ON version_assets(hash);
`,
	// 2: full-text search. articles_fts holds only the index (no copy of
	// the text: content=''), one row per article with rowid = articles.id,
	// filled from package search's tokens, which are already split and
	// folded: the ascii tokenizer only has to cut at the spaces (it keeps
	// every non-ASCII character as part of a token, and is cheaper than
	// unicode61, which would look up every character's class again). contentless_delete
	// lets a new version replace its article's row. The body comes first
	// because FTS5 marks every position list outside the first column with
	// its column number, which for the body made the index 35% larger.
	// articles.language mirrors the latest version's language for the
	// search filter.
	`
ALTER TABLE articles ADD COLUMN language TEXT NOT NULL DEFAULT '';
UPDATE articles SET language = COALESCE((SELECT v.language FROM versions v WHERE v.id = articles.version_id), '');

CREATE VIRTUAL TABLE articles_fts USING fts5(
	body, title,
	content = '', contentless_delete = 1,
	tokenize = 'ascii'
);
`,
	// 3: authentication. users holds each user's password as an argon2id
	// PHC string (newsvault has one user, admin). sessions and api_tokens
	// keep only SHA-256 hashes of their secrets, so a copy of the database
	// signs nobody in. A token name is unique among live tokens only: a
	// revoked token's name can be used again.
	`
CREATE TABLE users (
	name          TEXT PRIMARY KEY,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
	id_hash      TEXT PRIMARY KEY,
	user_name    TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
	csrf_token   TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_name);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL,
	token_hash   TEXT NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens(name) WHERE revoked_at IS NULL;
`,
	// 4: listings order by (sort_at DESC, id DESC); with sort_at alone
	// in the index SQLite sorted ties in a temporary tree for every page,
	// about 150 ms at offset 4,000 of 4,430 articles (3-8 ms with these).
	`
DROP INDEX articles_sort;
CREATE INDEX articles_sort ON articles(sort_at DESC, id DESC);
DROP INDEX articles_source_sort;
CREATE INDEX articles_source_sort ON articles(source_id, sort_at DESC, id DESC);
`,
	// 5: versions.sanitizer is the content.SanitizerVersion whose output
	// versions.html is. Rows from before it read 0 and are sanitised again
	// whenever they are served.
	`
ALTER TABLE versions ADD COLUMN sanitizer INTEGER NOT NULL DEFAULT 0;
`,
	// 6: a per-feed cap on the items one poll archives
	// (0: the archiver's default), and what the last poll could not
	// archive — items failed, up to a few of their reasons (one per line),
	// items skipped over the cap.
	`
ALTER TABLE sources ADD COLUMN max_items INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_items_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_item_errors TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN last_items_skipped INTEGER NOT NULL DEFAULT 0;
`,
	// 7: a feed's network allowance, stored with it so that it reaches
	// its own (internal) host and nothing else: allow_private opens every
	// non-public address, allow_nets the comma-separated CIDR ranges.
	`
ALTER TABLE sources ADD COLUMN allow_private INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN allow_nets TEXT NOT NULL DEFAULT '';
`,
	// 8: copies and stories (issue 11). fingerprints keep each article's
	// MinHash signature (little-endian uint32s) so the copy finder's LSH
	// index is rebuilt at start without re-reading texts; copy_links are
	// verified copy relations; copy_members put every article that has a
	// copy in a group (group_id is its smallest member) with one original.
	// url_aliases file articles under their other URLs' keys. stories and
	// story_members mirror the story clusterer's assignments for readers;
	// story_decisions keep operators' corrections for good and story_state
	// the clusterer's last snapshot (JSON, gzip) to start from.
	`
CREATE TABLE fingerprints (
	article_id INTEGER PRIMARY KEY REFERENCES articles(id),
	version_id INTEGER NOT NULL,
	runes      INTEGER NOT NULL,
	sig        BLOB NOT NULL
);

CREATE TABLE copy_links (
	article_id  INTEGER NOT NULL REFERENCES articles(id),
	of_article  INTEGER NOT NULL REFERENCES articles(id),
	kind        TEXT NOT NULL,
	jaccard     REAL NOT NULL DEFAULT 0,
	containment REAL NOT NULL DEFAULT 0,
	differs     TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (article_id, of_article)
);
CREATE INDEX copy_links_of ON copy_links(of_article);

CREATE TABLE copy_members (
	article_id INTEGER PRIMARY KEY REFERENCES articles(id),
	group_id   INTEGER NOT NULL,
	original   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX copy_members_group ON copy_members(group_id);

CREATE TABLE url_aliases (
	key        TEXT PRIMARY KEY,
	article_id INTEGER NOT NULL REFERENCES articles(id),
	certain    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX url_aliases_article ON url_aliases(article_id);

CREATE TABLE stories (
	id            INTEGER PRIMARY KEY,
	title         TEXT NOT NULL DEFAULT '',
	title_article INTEGER NOT NULL DEFAULT 0,
	first_at      INTEGER,
	last_at       INTEGER,
	size          INTEGER NOT NULL,
	sources       INTEGER NOT NULL
);
CREATE INDEX stories_size ON stories(size DESC, last_at DESC);

CREATE TABLE story_members (
	article_id INTEGER PRIMARY KEY REFERENCES articles(id),
	story_id   INTEGER NOT NULL
);
CREATE INDEX story_members_story ON story_members(story_id);

CREATE TABLE story_decisions (
	id   INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	a    TEXT NOT NULL,
	b    TEXT NOT NULL DEFAULT '[]',
	at   INTEGER NOT NULL
);

CREATE TABLE story_state (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	state    BLOB NOT NULL,
	saved_at INTEGER NOT NULL
);
`,
	// 9: watching archived articles (issue 9). article_watch holds one row
	// per watched article: its status, the evidence marks and when it is
	// next checked; the partial index on next_check_at makes picking due
	// work an index range scan, never a scan of the archive. checks
	// records every re-check and watch_events every announced change
	// (removed, edited, restored ...), newest first per kind for the
	// Removed and Edited pages and feeds. Captures get the redirect chain
	// and the server's address for evidence. sources.watch is the
	// source's re-check ladder ("" = the default, "off", "sensitive" or a
	// list of delays).
	`
ALTER TABLE sources ADD COLUMN watch TEXT NOT NULL DEFAULT '';
ALTER TABLE captures ADD COLUMN redirects TEXT NOT NULL DEFAULT '';
ALTER TABLE captures ADD COLUMN remote_addr TEXT NOT NULL DEFAULT '';

CREATE TABLE article_watch (
	article_id            INTEGER PRIMARY KEY REFERENCES articles(id),
	status                TEXT NOT NULL DEFAULT 'alive',
	status_since          INTEGER NOT NULL,
	first_seen_at         INTEGER NOT NULL,
	next_check_at         INTEGER,
	pending_at            INTEGER,
	pending_capture_id    INTEGER,
	removal_at            INTEGER,
	removal_capture_id    INTEGER,
	last_alive_at         INTEGER,
	last_alive_capture_id INTEGER,
	failures              INTEGER NOT NULL DEFAULT 0,
	failing_since         INTEGER,
	edits                 INTEGER NOT NULL DEFAULT 0,
	ladder                TEXT NOT NULL DEFAULT '',
	checks                INTEGER NOT NULL DEFAULT 0,
	last_check_at         INTEGER,
	feed_seen_at          INTEGER
);
CREATE INDEX article_watch_due ON article_watch(next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX article_watch_status ON article_watch(status, status_since DESC);

CREATE TABLE checks (
	id              INTEGER PRIMARY KEY,
	article_id      INTEGER NOT NULL REFERENCES articles(id),
	at              INTEGER NOT NULL,
	capture_id      INTEGER REFERENCES captures(id),
	version_id      INTEGER REFERENCES versions(id),
	outcome         TEXT NOT NULL,
	status          TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT '',
	error_kind      TEXT NOT NULL DEFAULT '',
	notice_platform TEXT NOT NULL DEFAULT '',
	notice_by       TEXT NOT NULL DEFAULT '',
	notice_text     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX checks_article ON checks(article_id, at);

CREATE TABLE watch_events (
	id                  INTEGER PRIMARY KEY,
	kind                TEXT NOT NULL,
	article_id          INTEGER NOT NULL REFERENCES articles(id),
	source_id           INTEGER,
	at                  INTEGER NOT NULL,
	check_id            INTEGER REFERENCES checks(id),
	reason              TEXT NOT NULL DEFAULT '',
	notice_platform     TEXT NOT NULL DEFAULT '',
	notice_by           TEXT NOT NULL DEFAULT '',
	notice_text         TEXT NOT NULL DEFAULT '',
	alive_at            INTEGER,
	alive_capture_id    INTEGER,
	evidence_at         INTEGER,
	evidence_capture_id INTEGER
);
CREATE INDEX watch_events_kind ON watch_events(kind, at DESC, id DESC);
CREATE INDEX watch_events_source ON watch_events(source_id, kind, at DESC, id DESC);
CREATE INDEX watch_events_article ON watch_events(article_id, at);
`,
	// 10: sources.render is the source's archive.RenderMode:
	// whether its pages are opened in the headless browser.
	`
ALTER TABLE sources ADD COLUMN render TEXT NOT NULL DEFAULT 'auto';
`,
	// 11: an import skips a file it took in before by the file's hash
	// alone, before parsing it: every imported file is a capture whose
	// final URL is file://, and this partial index finds them by body hash.
	`
CREATE INDEX captures_file_hash ON captures(body_hash) WHERE final_url LIKE 'file://%' AND error = '';
`,
	// 12: listings deep in the archive. article_days counts the articles
	// of each source (0: none) per UTC day of sort_at, and of all sources
	// under source_id -1, kept by triggers, so the total of a listing and
	// the page at any offset are found by summing a few thousand counts
	// and skipping within one day, instead of counting or stepping over
	// every article before it.
	`
CREATE TABLE article_days (
	source_id INTEGER NOT NULL,
	day       INTEGER NOT NULL,
	n         INTEGER NOT NULL,
	PRIMARY KEY (source_id, day)
) WITHOUT ROWID;
INSERT INTO article_days (source_id, day, n)
	SELECT COALESCE(source_id, 0), sort_at / 86400000, count(*) FROM articles GROUP BY 1, 2;
INSERT INTO article_days (source_id, day, n)
	SELECT -1, sort_at / 86400000, count(*) FROM articles GROUP BY 2;
CREATE TRIGGER articles_days_insert AFTER INSERT ON articles BEGIN
	INSERT INTO article_days (source_id, day, n) VALUES (COALESCE(NEW.source_id, 0), NEW.sort_at / 86400000, 1)
		ON CONFLICT (source_id, day) DO UPDATE SET n = n + 1;
	INSERT INTO article_days (source_id, day, n) VALUES (-1, NEW.sort_at / 86400000, 1)
		ON CONFLICT (source_id, day) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER articles_days_delete AFTER DELETE ON articles BEGIN
	UPDATE article_days SET n = n - 1 WHERE source_id IN (COALESCE(OLD.source_id, 0), -1) AND day = OLD.sort_at / 86400000;
END;
CREATE TRIGGER articles_days_update AFTER UPDATE OF sort_at, source_id ON articles
	WHEN OLD.sort_at / 86400000 IS NOT NEW.sort_at / 86400000 OR OLD.source_id IS NOT NEW.source_id BEGIN
	UPDATE article_days SET n = n - 1 WHERE source_id IN (COALESCE(OLD.source_id, 0), -1) AND day = OLD.sort_at / 86400000;
	INSERT INTO article_days (source_id, day, n) VALUES (COALESCE(NEW.source_id, 0), NEW.sort_at / 86400000, 1)
		ON CONFLICT (source_id, day) DO UPDATE SET n = n + 1;
	INSERT INTO article_days (source_id, day, n) VALUES (-1, NEW.sort_at / 86400000, 1)
		ON CONFLICT (source_id, day) DO UPDATE SET n = n + 1;
END;
`,
	// 13: a query of one CJK character is a prefix query ("港"*) over
	// every bigram it starts, which FTS5 answered by merging the doclists of
	// thousands of terms, all of them, whatever the LIMIT: 285 ms at 5,000
	// articles, seconds at a million. A prefix index of one character (FTS5
	// counts prefixes in characters) makes it one doclist that a page can stop
	// reading early. The contentless index cannot be copied: it is created
	// empty and the 'reindex' flag makes Open rebuild it from the stored
	// texts (once; a rebuild cut short is redone at the next Open).
	`
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
	body, title,
	content = '', contentless_delete = 1,
	tokenize = 'ascii', prefix = '1'
);
CREATE TABLE store_flags (k TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO store_flags (k) SELECT 'reindex' WHERE EXISTS (SELECT 1 FROM articles WHERE version_id IS NOT NULL);
`,
}
