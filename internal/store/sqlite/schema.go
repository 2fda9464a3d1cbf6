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
	// 6 (render): sources.render is the source's archive.RenderMode:
	// whether its pages are opened in the headless browser.
	`
ALTER TABLE sources ADD COLUMN render TEXT NOT NULL DEFAULT 'auto';
`,
}
