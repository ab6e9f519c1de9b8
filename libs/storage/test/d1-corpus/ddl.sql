CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, age INTEGER, score REAL, active BOOLEAN DEFAULT 1, created_at TEXT DEFAULT CURRENT_TIMESTAMP)
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY)
CREATE TABLE users (id INTEGER PRIMARY KEY)
CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, title TEXT NOT NULL, body TEXT, views INTEGER DEFAULT 0 CHECK (views >= 0))
CREATE TABLE tags (name TEXT PRIMARY KEY, color TEXT)
CREATE TABLE post_tags (post_id INTEGER, tag TEXT, PRIMARY KEY (post_id, tag))
CREATE TABLE nokey (a TEXT, b INTEGER)
CREATE INDEX idx_posts_user ON posts(user_id)
CREATE UNIQUE INDEX IF NOT EXISTS idx_tags_color ON tags(color)
CREATE INDEX idx_posts_user ON posts(title)
CREATE VIEW user_names AS SELECT id, name FROM users
ALTER TABLE users ADD COLUMN bio TEXT
ALTER TABLE nokey RENAME TO nokey2
ALTER TABLE nokey2 RENAME COLUMN b TO c
SELECT type, name, tbl_name FROM sqlite_master ORDER BY name
SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name
SELECT sql FROM sqlite_master WHERE name = 'users'
SELECT sql FROM sqlite_master WHERE name = 'nokey2'
PRAGMA table_info(users)
PRAGMA table_info('posts')
PRAGMA table_info(nokey2)
PRAGMA foreign_key_list(posts)
PRAGMA foreign_keys
INSERT INTO users (name) VALUES ('ann')
SELECT id, name, active, bio FROM users
INSERT INTO nokey2 (a, c) VALUES ('x', 1)
SELECT rowid, a, c FROM nokey2
SELECT * FROM nokey2
DROP VIEW user_names
DROP VIEW user_names
DROP VIEW IF EXISTS user_names
DROP INDEX idx_posts_user
DROP TABLE IF EXISTS nothere
DROP TABLE nothere
CREATE TABLE t1 (a INT, b VARCHAR(20), c DOUBLE, d DECIMAL(10,2), e BLOB, f)
INSERT INTO t1 VALUES (1, 'x', 1.5, 2.25, x'00ff', 'free')
SELECT a, b, c, d, e, f, typeof(a), typeof(b), typeof(c), typeof(e) FROM t1
CREATE TABLE t2 (id INTEGER PRIMARY KEY, v TEXT COLLATE NOCASE UNIQUE)
INSERT INTO t2 (v) VALUES ('Hello')
INSERT INTO t2 (v) VALUES ('HELLO')
SELECT * FROM t2 WHERE v = 'hello'
CREATE TABLE t3 (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 7, s TEXT DEFAULT 'dflt', r REAL DEFAULT 0.5)
INSERT INTO t3 DEFAULT VALUES
SELECT * FROM t3
CREATE TABLE sqlite_bad (x)
CREATE TABLE t4 (id INTEGER PRIMARY KEY, CONSTRAINT positive CHECK (id > 0))
INSERT INTO t4 (id) VALUES (-1)
INSERT INTO t4 (id) VALUES (5)
SELECT * FROM t4
DROP TABLE t4
SELECT count(*) FROM sqlite_master WHERE name = 't4'
CREATE TABLE Mixed (Id INTEGER PRIMARY KEY, DisplayName TEXT)
INSERT INTO mixed (displayname) VALUES ('m')
SELECT * FROM MIXED
SELECT id, DISPLAYNAME FROM mixed
ALTER TABLE t3 ADD COLUMN extra INTEGER DEFAULT 3
SELECT * FROM t3
ALTER TABLE t3 DROP COLUMN extra
SELECT * FROM t3
PRAGMA table_info(t3)
-- RENAME COLUMN keeps the quoting: quoted when the ALTER or the old name was quoted
CREATE TABLE rq (a TEXT, "b" INTEGER, e TEXT)
ALTER TABLE rq RENAME COLUMN b TO c
ALTER TABLE rq RENAME COLUMN a TO "d"
ALTER TABLE rq RENAME COLUMN e TO f
SELECT sql FROM sqlite_master WHERE name = 'rq'
CREATE TABLE seqd (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)
INSERT INTO seqd (v) VALUES ('a'), ('b')
DELETE FROM seqd WHERE id = 2
ALTER TABLE seqd RENAME TO seqd2
INSERT INTO seqd2 (v) VALUES ('c')
SELECT * FROM seqd2
SELECT name, seq FROM sqlite_sequence WHERE name LIKE 'seqd%' ORDER BY name
