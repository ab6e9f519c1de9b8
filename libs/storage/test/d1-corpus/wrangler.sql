CREATE TABLE IF NOT EXISTS d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)
SELECT name FROM d1_migrations ORDER BY id
-- @exec
-- Migration number: 0001
CREATE TABLE comments (id INTEGER PRIMARY KEY, author TEXT NOT NULL, body TEXT NOT NULL);

CREATE INDEX idx_comments_author ON comments(author);
INSERT INTO comments (author, body) VALUES ('a', 'first');
-- @end
INSERT INTO d1_migrations (name) VALUES ('0001_init.sql')
SELECT id, name FROM d1_migrations
SELECT * FROM comments
-- @exec
ALTER TABLE comments ADD COLUMN likes INTEGER NOT NULL DEFAULT 0;
UPDATE comments SET likes = 3;
INSERT INTO d1_migrations (name) VALUES ('0002_likes.sql');
-- @end
SELECT id, author, body, likes FROM comments
SELECT name FROM d1_migrations ORDER BY id
-- @exec
CREATE TABLE broken (id INTEGER PRIMARY KEY);
INSERT INTO nowhere VALUES (1);
-- @end
SELECT name FROM sqlite_master WHERE name = 'broken'
CREATE TABLE IF NOT EXISTS d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)
INSERT INTO d1_migrations (name) VALUES ('0001_init.sql')
SELECT count(*) FROM d1_migrations
SELECT name, seq FROM sqlite_sequence
