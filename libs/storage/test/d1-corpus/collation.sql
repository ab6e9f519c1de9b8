-- Text compares by bytes (SQLite's BINARY) whatever the Postgres database's collation is; NOCASE
-- folds ASCII letters only.
CREATE TABLE words (id INTEGER PRIMARY KEY, w TEXT, v VARCHAR(20), n TEXT COLLATE NOCASE, b TEXT COLLATE BINARY, u)
INSERT INTO words (w, v, n, b, u) VALUES ('apple', 'apple', 'apple', 'apple', 'apple'), ('Banana', 'Banana', 'Banana', 'Banana', 'Banana'), ('banana', 'banana', 'banana', 'banana', 'banana'), ('Zebra', 'Zebra', 'Zebra', 'Zebra', 'Zebra'), ('éclair', 'éclair', 'éclair', 'éclair', 'éclair'), ('Éclair', 'Éclair', 'Éclair', 'Éclair', 'Éclair'), ('eclair', 'eclair', 'eclair', 'eclair', 'eclair'), ('a b', 'a b', 'a b', 'a b', 'a b'), ('a-c', 'a-c', 'a-c', 'a-c', 'a-c'), ('ab', 'ab', 'ab', 'ab', 'ab'), ('10', '10', '10', '10', '10'), ('9', '9', '9', '9', '9'), ('_x', '_x', '_x', '_x', '_x')
SELECT w FROM words ORDER BY w
SELECT v FROM words ORDER BY v DESC
SELECT b FROM words ORDER BY b
SELECT u FROM words ORDER BY u
SELECT w FROM words ORDER BY lower(w), w
SELECT w FROM words ORDER BY w || ''
SELECT w FROM words ORDER BY substr(w, 1, 3), id
SELECT w FROM words WHERE w > 'Z' ORDER BY w
SELECT w FROM words WHERE w BETWEEN 'B' AND 'a' ORDER BY w
SELECT w FROM words WHERE w < 'a' ORDER BY id
SELECT w FROM words WHERE w = 'banana'
SELECT w FROM words WHERE w IN ('BANANA', 'Zebra')
SELECT min(w), max(w) FROM words
SELECT min(u), max(u) FROM words
SELECT 'a' < 'B', 'B' < 'a', 'é' > 'z', 'a b' < 'ab', '_' < 'a', 'Z' < '_'
SELECT max('a', 'B'), min('é', 'z')
SELECT x FROM (SELECT 'b' AS x UNION SELECT 'B' UNION SELECT 'a' UNION SELECT 'é') ORDER BY x
SELECT x FROM (SELECT 'b' AS x UNION ALL SELECT 'B' UNION ALL SELECT 'a') ORDER BY 1 DESC
SELECT group_concat(w, ',') FROM (SELECT w FROM words ORDER BY w)
SELECT w, count(*) FROM words GROUP BY w ORDER BY w LIMIT 4
SELECT DISTINCT upper(w) AS k FROM words ORDER BY k
SELECT w FROM words ORDER BY ? || w LIMIT 3 -- params: ["x"]
SELECT w FROM words WHERE w > ? ORDER BY w -- params: ["Zebra"]
SELECT n FROM words WHERE n = 'BANANA' ORDER BY id
SELECT n FROM words WHERE n = 'ÉCLAIR' ORDER BY id
SELECT n FROM words WHERE n > 'z' ORDER BY n
SELECT w FROM words WHERE w = 'BANANA' COLLATE NOCASE ORDER BY id
SELECT w FROM words ORDER BY w COLLATE NOCASE, id
SELECT n FROM words ORDER BY n, id
SELECT n FROM words ORDER BY n COLLATE BINARY
SELECT count(DISTINCT n), count(DISTINCT w) FROM words
CREATE TABLE tags (name TEXT UNIQUE)
INSERT INTO tags VALUES ('Red'), ('red'), ('RED')
INSERT INTO tags VALUES ('red')
CREATE TABLE ci_tags (name TEXT COLLATE NOCASE UNIQUE)
INSERT INTO ci_tags VALUES ('Red')
INSERT INTO ci_tags VALUES ('RED')
INSERT INTO ci_tags VALUES ('Réd')
INSERT INTO ci_tags VALUES ('RÉD')
SELECT name FROM ci_tags ORDER BY name
CREATE INDEX words_w ON words (w)
SELECT w FROM words WHERE w >= 'a' AND w < 'b' ORDER BY w
CREATE VIEW sorted_words AS SELECT w, upper(w) AS up FROM words
SELECT up FROM sorted_words ORDER BY up
SELECT w FROM sorted_words WHERE up > 'Z' ORDER BY w
SELECT CASE WHEN w > 'a' THEN 'lower' ELSE 'upper' END AS c, count(*) FROM words GROUP BY c ORDER BY c
SELECT json_extract('{"a":"b"}', '$.a') > 'B', '{"a":"b"}' ->> '$.a' < 'B'
-- NOCASE keys: UNIQUE, PRIMARY KEY, CREATE UNIQUE INDEX, upsert and REPLACE fold ASCII case only.
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE, name TEXT)
INSERT INTO users (email, name) VALUES ('Ann@Example.com', 'ann')
INSERT INTO users (email, name) VALUES ('ann@example.COM', 'dup')
INSERT INTO users (email, name) VALUES ('ANN@EXAMPLE.COM', 'upsert') ON CONFLICT (email) DO UPDATE SET name = excluded.name
INSERT OR IGNORE INTO users (email, name) VALUES ('ann@example.com', 'ignored')
INSERT OR REPLACE INTO users (email, name) VALUES ('aNN@example.com', 'replaced')
SELECT id, email, name FROM users
SELECT name FROM users WHERE email = 'ANN@example.com'
SELECT name FROM users WHERE email IN ('x', 'ANN@EXAMPLE.COM')
SELECT name FROM users WHERE email BETWEEN 'A' AND 'B'
CREATE TABLE codes (code TEXT COLLATE NOCASE PRIMARY KEY, n INTEGER)
INSERT INTO codes VALUES ('abc', 1)
INSERT INTO codes VALUES ('ABC', 2)
INSERT INTO codes VALUES ('ÀBC', 3)
CREATE TABLE handles (h TEXT)
CREATE UNIQUE INDEX handles_h ON handles (h COLLATE NOCASE)
INSERT INTO handles VALUES ('Bob')
INSERT INTO handles VALUES ('bob')
SELECT count(*) FROM words GROUP BY n ORDER BY n
SELECT DISTINCT w FROM words WHERE w < 'b' ORDER BY w
SELECT w FROM words WHERE id < 3 UNION SELECT v FROM words WHERE id > 10 ORDER BY 1
SELECT n FROM words WHERE id < 3 UNION ALL SELECT n FROM words WHERE id = 3 ORDER BY n
