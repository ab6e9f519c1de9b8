CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER DEFAULT 0, price REAL, note TEXT)
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item1", 3, 1.25]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item2", 6, 2.5]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item3", 9, 3.75]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item4", 12, 5.0]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item5", 15, 6.25]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item6", 1, 7.5]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item7", 4, 8.75]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item8", 7, 10.0]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item9", 10, 11.25]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item10", 13, 12.5]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item11", 16, 13.75]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item12", 2, 15.0]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item13", 5, 16.25]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item14", 8, 17.5]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item15", 11, 18.75]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item16", 14, 20.0]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item17", 0, 21.25]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item18", 3, 22.5]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item19", 6, 23.75]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item20", 9, 25.0]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item21", 12, 26.25]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item22", 15, 27.5]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item23", 1, 28.75]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item24", 4, 30.0]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item25", 7, 31.25]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item26", 10, 32.5]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item27", 13, 33.75]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item28", 16, 35.0]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item29", 2, 36.25]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item30", 5, 37.5]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item31", 8, 38.75]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item32", 11, 40.0]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item33", 14, 41.25]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item34", 0, 42.5]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item35", 3, 43.75]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item36", 6, 45.0]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item37", 9, 46.25]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item38", 12, 47.5]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item39", 15, 48.75]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["item40", 1, 50.0]
INSERT INTO items (id, name) VALUES (100, 'hundred')
INSERT INTO items (name) VALUES ('after100')
SELECT id, name FROM items WHERE id >= 100
INSERT INTO items (id, name) VALUES (NULL, 'nullid')
SELECT id FROM items WHERE name = 'nullid'
INSERT INTO items (id, name) VALUES (5, 'dup')
INSERT INTO items (name) VALUES (NULL)
INSERT INTO items (name, qty) VALUES ('a', 1), ('b', 2), ('c', 3)
SELECT count(*) FROM items
INSERT INTO items (name, qty) SELECT name || '-copy', qty FROM items WHERE id < 4
SELECT name, qty FROM items WHERE name LIKE '%-copy' ORDER BY id
INSERT INTO items (name) VALUES ('r1') RETURNING id, name
INSERT INTO items (name, qty) VALUES ('r2', 9) RETURNING *
INSERT INTO items (name) VALUES ('r3') RETURNING id AS new_id, upper(name)
UPDATE items SET qty = qty + 1 WHERE id <= 10
UPDATE items SET note = 'n' WHERE qty > 5 RETURNING id
UPDATE items SET price = NULL WHERE id = 999
DELETE FROM items WHERE id > 40 AND id < 100
DELETE FROM items WHERE name = 'r1' RETURNING name
SELECT count(*) FROM items
DELETE FROM items WHERE id = 999
INSERT INTO items (name, qty) VALUES (?, ?) -- params: ["p", 1]
INSERT INTO items (name, price) VALUES (:name, :price) -- params: ["named", 2.5]
INSERT INTO items (name, price) VALUES (@n, @n) -- params: ["7"]
INSERT INTO items (name, qty) VALUES (?2, ?1) -- params: [4, "numbered"]
SELECT name, qty, price FROM items WHERE name IN ('p', 'named', '7', 'numbered') ORDER BY name
UPDATE items SET name = ? WHERE id = ? -- params: ["renamed", 1]
SELECT * FROM items WHERE id = 1
DELETE FROM items
SELECT count(*) FROM items
INSERT INTO nope (a) VALUES (1)
INSERT INTO items (nope) VALUES (1)
-- A batch of plain DML goes to Postgres in one round trip: results, changes and rowids per statement
-- @batch
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["o'brien", 2, 0.1]
INSERT INTO items (name, qty, price) VALUES (?, ?, ?) -- params: ["semi;colon -- x", null, 3]
UPDATE items SET qty = coalesce(qty, 0) + ? WHERE name IN (?, ?) RETURNING name, qty -- params: [1, "o'brien", "semi;colon -- x"]
-- @end
SELECT name, qty, price FROM items WHERE name IN ('o''brien', 'semi;colon -- x') ORDER BY name
-- @batch
INSERT INTO items (name, qty) VALUES (?, ?) -- params: ["b1", 1]
SELECT name, typeof(qty), ? || ? FROM items WHERE name = ? -- params: ["x", 1.5, "b1"]
DELETE FROM items WHERE name = ? -- params: ["b1"]
-- @end
-- @batch
INSERT INTO items (name, note) VALUES (?, ?) -- params: ["back\\slash 'q' \\' end\\", "\\x41"]
INSERT INTO items (name, note) VALUES (?, ?) -- params: ["E'x'", "$1 ? :n"]
SELECT name, note, length(name) FROM items WHERE note IN (?, ?) ORDER BY id -- params: ["\\x41", "$1 ? :n"]
-- @end
