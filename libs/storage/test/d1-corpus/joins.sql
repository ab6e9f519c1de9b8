CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT)
CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id), v TEXT)
INSERT INTO a (name) VALUES ('a1')
INSERT INTO a (name) VALUES ('a2')
INSERT INTO a (name) VALUES ('a3')
INSERT INTO a (name) VALUES ('a4')
INSERT INTO a (name) VALUES ('a5')
INSERT INTO a (name) VALUES ('a6')
INSERT INTO a (name) VALUES ('a7')
INSERT INTO a (name) VALUES ('a8')
INSERT INTO b (a_id, v) VALUES (3, 'b1')
INSERT INTO b (a_id, v) VALUES (6, 'b2')
INSERT INTO b (a_id, v) VALUES (9, 'b3')
INSERT INTO b (a_id, v) VALUES (2, 'b4')
INSERT INTO b (a_id, v) VALUES (5, 'b5')
INSERT INTO b (a_id, v) VALUES (8, 'b6')
INSERT INTO b (a_id, v) VALUES (1, 'b7')
INSERT INTO b (a_id, v) VALUES (4, 'b8')
INSERT INTO b (a_id, v) VALUES (7, 'b9')
INSERT INTO b (a_id, v) VALUES (NULL, 'b10')
INSERT INTO b (a_id, v) VALUES (3, 'b11')
INSERT INTO b (a_id, v) VALUES (6, 'b12')
SELECT a.name, b.v FROM a JOIN b ON b.a_id = a.id ORDER BY a.id, b.id
SELECT a.name, b.v FROM a LEFT JOIN b ON b.a_id = a.id ORDER BY a.id, b.id
SELECT a.name, count(b.id) FROM a LEFT JOIN b ON b.a_id = a.id GROUP BY a.id ORDER BY a.id
SELECT a.name, b.v FROM a INNER JOIN b ON a.id = b.a_id WHERE b.v LIKE 'b1%' ORDER BY b.id
SELECT x.name, y.v FROM a AS x, b AS y WHERE x.id = y.a_id ORDER BY y.id
SELECT a.name FROM a CROSS JOIN b WHERE b.id = 1 ORDER BY a.id
SELECT a.id, b.id FROM a JOIN b USING (id) ORDER BY a.id
SELECT * FROM a NATURAL JOIN b ORDER BY id
SELECT a.name FROM a WHERE id IN (SELECT a_id FROM b) ORDER BY 1
SELECT a.name FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.a_id = a.id) ORDER BY 1
SELECT b.v, a.name FROM b LEFT JOIN a ON a.id = b.a_id WHERE a.id IS NULL ORDER BY b.id
SELECT a1.name, a2.name FROM a a1 JOIN a a2 ON a2.id = a1.id + 1 ORDER BY a1.id
SELECT t.n FROM (SELECT name AS n FROM a WHERE id < 3) t ORDER BY t.n
SELECT a.name, (SELECT group_concat(v) FROM (SELECT v FROM b WHERE b.a_id = a.id ORDER BY v)) FROM a ORDER BY a.id
SELECT count(*) FROM a JOIN b ON b.a_id = a.id JOIN a a3 ON a3.id = b.a_id
INSERT INTO b (a_id, v) VALUES (99, 'orphan')
DELETE FROM a WHERE id = 3
SELECT id, name FROM a JOIN b ON b.a_id = a.id
