CREATE TABLE ty (i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC, bo BOOLEAN, dt DATETIME, u)
INSERT INTO ty VALUES (1, 1.5, 'x', x'01', 10, 1, '2024-01-01', 'u')
INSERT INTO ty VALUES (?, ?, ?, ?, ?, ?, ?, ?) -- params: [2, 2.25, "y", [1, 2, 255], 3.5, 0, "2024-02-02 10:00:00", "v"]
INSERT INTO ty (i, r, t) VALUES ('3', '4.5', 5)
INSERT INTO ty (i, r) VALUES (4, 7)
INSERT INTO ty (t) VALUES (NULL)
INSERT INTO ty (i) VALUES (9007199254740991)
INSERT INTO ty (r) VALUES (-0.000123)
INSERT INTO ty (t) VALUES ('ünïcödé ✓')
INSERT INTO ty (b) VALUES (?) -- params: [[]]
SELECT i, r, t, b, n, bo, dt, u FROM ty ORDER BY rowid
SELECT typeof(i), typeof(r), typeof(t), typeof(b), typeof(bo) FROM ty ORDER BY rowid
SELECT i FROM ty WHERE i = '2'
SELECT t FROM ty WHERE t = 'x'
SELECT count(*) FROM ty WHERE b IS NOT NULL
SELECT i + r FROM ty WHERE i IS NOT NULL AND r IS NOT NULL ORDER BY rowid
SELECT sum(i), sum(r) FROM ty
SELECT max(t), min(t) FROM ty
SELECT hex(b) FROM ty WHERE b IS NOT NULL ORDER BY rowid
SELECT length(b) FROM ty WHERE b IS NOT NULL ORDER BY rowid
SELECT 9223372036854775807
SELECT -9223372036854775808
SELECT 1e3
SELECT 0.1 + 0.2
SELECT 1.0
SELECT 3.0 * 2
SELECT x'deadbeef'
SELECT 0x1F
SELECT TRUE, FALSE
SELECT NULL
SELECT 'it''s'
SELECT ''
SELECT ? IS NULL -- params: [null]
SELECT ? -- params: [[1, 2, 3]]
SELECT i FROM ty WHERE bo = 1
SELECT i FROM ty WHERE bo
SELECT dt FROM ty WHERE dt > '2024-01-15'
UPDATE ty SET bo = ? WHERE i = 1 -- params: [0]
SELECT bo FROM ty WHERE i = 1
