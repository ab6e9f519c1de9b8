CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, n INTEGER DEFAULT 0)
CREATE TABLE counters (id INTEGER PRIMARY KEY, name TEXT UNIQUE, hits INTEGER NOT NULL DEFAULT 0)
INSERT INTO kv (k, v) VALUES ('k0', 'v0') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k1', 'v1') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k2', 'v2') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k3', 'v3') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k4', 'v4') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k0', 'v5') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k1', 'v6') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k2', 'v7') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k3', 'v8') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k4', 'v9') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k0', 'v10') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k1', 'v11') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k2', 'v12') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k3', 'v13') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO kv (k, v) VALUES ('k4', 'v14') ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1
INSERT INTO counters (name, hits) VALUES ('c0', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c1', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c2', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c3', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c0', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c1', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c2', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c3', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c0', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c1', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c2', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c3', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c0', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c1', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
INSERT INTO counters (name, hits) VALUES ('c2', 1) ON CONFLICT (name) DO UPDATE SET hits = counters.hits + 1
SELECT * FROM kv ORDER BY k
SELECT * FROM counters ORDER BY id
INSERT OR IGNORE INTO kv (k, v) VALUES ('k1', 'ignored')
INSERT OR IGNORE INTO kv (k, v) VALUES ('new', 'kept')
SELECT k, v FROM kv ORDER BY k
INSERT OR REPLACE INTO kv (k, v) VALUES ('k2', 'replaced')
SELECT * FROM kv WHERE k = 'k2'
REPLACE INTO kv (k, v, n) VALUES ('k3', 'r', 9)
SELECT * FROM kv WHERE k = 'k3'
INSERT INTO kv (k, v) VALUES ('k4', 'x') ON CONFLICT DO NOTHING
INSERT INTO kv (k, v) VALUES ('k4', 'x') ON CONFLICT(k) DO NOTHING
INSERT INTO kv (k, v) VALUES ('k9', 'x') ON CONFLICT(k) DO NOTHING
INSERT INTO kv (k, v) VALUES ('k4', 'w') ON CONFLICT(k) DO UPDATE SET v = excluded.v WHERE kv.n > 100
SELECT v FROM kv WHERE k = 'k4'
INSERT INTO counters (id, name) VALUES (1, 'c0') ON CONFLICT(id) DO UPDATE SET hits = 100 RETURNING id, hits
INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = ? -- params: ["k0", "a", "b"]
SELECT v FROM kv WHERE k = 'k0'
INSERT INTO kv (k, v) VALUES ('k1', 'dup')
SELECT count(*), sum(n) FROM kv
-- REPLACE deletes every row a new one collides with, on any UNIQUE constraint, and takes a new rowid
CREATE TABLE multi (id INTEGER PRIMARY KEY, email TEXT UNIQUE, handle TEXT UNIQUE, n INTEGER)
INSERT INTO multi (email, handle, n) VALUES ('a@x', 'a', 1), ('b@x', 'b', 2), ('c@x', 'c', 3)
REPLACE INTO multi (email, handle, n) VALUES ('a@x', 'b', 9)
SELECT * FROM multi ORDER BY id
REPLACE INTO multi (email, handle, n) VALUES ('a@x', 'b', 7)
INSERT OR REPLACE INTO multi (email, handle, n) VALUES ('c@x', 'z', 4)
SELECT id, email, handle, n FROM multi ORDER BY id
INSERT OR REPLACE INTO multi (id, email, handle) VALUES (1, 'q@x', 'q') RETURNING id, n
INSERT OR REPLACE INTO multi (email, handle, n) SELECT email, handle, n + 10 FROM multi WHERE handle = 'q'
INSERT OR REPLACE INTO multi (email, handle, n) VALUES (?, ?, ?) -- params: ["z@x", "z", "5"]
SELECT * FROM multi ORDER BY id
SELECT changes(), last_insert_rowid()
-- REPLACE against unique indexes on expressions and partial unique indexes.
CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT, handle TEXT, deleted INTEGER DEFAULT 0)
CREATE UNIQUE INDEX accounts_email ON accounts (lower(email))
CREATE UNIQUE INDEX accounts_handle ON accounts (handle) WHERE deleted = 0
INSERT INTO accounts (email, handle, deleted) VALUES ('A@x.io', 'ann', 0), ('b@x.io', 'bob', 1), ('c@x.io', 'bob', 0)
INSERT INTO accounts (email, handle, deleted) VALUES ('a@X.IO', 'other', 0)
INSERT OR REPLACE INTO accounts (email, handle, deleted) VALUES ('a@X.IO', 'ann2', 0)
SELECT id, email, handle, deleted FROM accounts ORDER BY id
INSERT OR REPLACE INTO accounts (email, handle, deleted) VALUES ('d@x.io', 'bob', 0)
SELECT id, email, handle, deleted FROM accounts ORDER BY id
INSERT OR REPLACE INTO accounts (email, handle, deleted) VALUES ('e@x.io', 'bob', 1)
SELECT id, email, handle, deleted FROM accounts ORDER BY id
REPLACE INTO accounts (email, handle) VALUES ('E@X.IO', 'eve')
SELECT id, email, handle, deleted FROM accounts ORDER BY id
SELECT changes(), last_insert_rowid()
