-- CREATE/DROP TRIGGER: NEW./OLD., WHEN, UPDATE OF, BEFORE/AFTER, RAISE, sqlite_master, changes.
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER DEFAULT 0, updated_at TEXT)
CREATE TABLE audit (id INTEGER PRIMARY KEY, item_id INTEGER, action TEXT, old_qty INTEGER, new_qty INTEGER)
CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN INSERT INTO audit (item_id, action, new_qty) VALUES (NEW.id, 'insert', NEW.qty); END
CREATE TRIGGER IF NOT EXISTS items_ad AFTER DELETE ON items FOR EACH ROW BEGIN INSERT INTO audit (item_id, action, old_qty) VALUES (OLD.id, 'delete', OLD.qty); END
CREATE TRIGGER items_au AFTER UPDATE OF qty ON items WHEN NEW.qty <> OLD.qty BEGIN INSERT INTO audit (item_id, action, old_qty, new_qty) VALUES (NEW.id, 'qty', OLD.qty, NEW.qty); END
CREATE TRIGGER IF NOT EXISTS items_ai AFTER INSERT ON items BEGIN SELECT 1; END
CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN SELECT 1; END
SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name
INSERT INTO items (name, qty) VALUES ('apple', 3)
INSERT INTO items (name, qty) VALUES ('pear', 1), ('plum', 2)
SELECT changes(), total_changes() > 0
UPDATE items SET qty = qty + 1 WHERE name = 'apple'
UPDATE items SET qty = qty WHERE name = 'pear'
UPDATE items SET name = 'Plum' WHERE name = 'plum'
DELETE FROM items WHERE name = 'pear'
SELECT item_id, action, old_qty, new_qty FROM audit ORDER BY id
SELECT last_insert_rowid()
INSERT INTO items (name, qty) VALUES ('kiwi', 5) RETURNING id, name
-- The classic updated_at trigger updates its own table: it must not fire itself again.
CREATE TRIGGER items_touch AFTER UPDATE ON items BEGIN UPDATE items SET updated_at = 'touched' WHERE id = NEW.id; END
UPDATE items SET qty = 10 WHERE name = 'kiwi'
SELECT name, qty, updated_at FROM items ORDER BY id
SELECT count(*) FROM audit
-- BEFORE triggers and RAISE.
CREATE TRIGGER items_guard BEFORE INSERT ON items WHEN NEW.qty < 0 BEGIN SELECT RAISE(ABORT, 'qty must not be negative'); END
INSERT INTO items (name, qty) VALUES ('bad', -1)
INSERT INTO items (name, qty) VALUES ('good', 0)
CREATE TRIGGER items_no_delete BEFORE DELETE ON items BEGIN SELECT CASE WHEN OLD.name = 'apple' THEN RAISE(FAIL, 'apple stays') END; END
DELETE FROM items WHERE name = 'apple'
DELETE FROM items WHERE name = 'good'
SELECT name FROM items ORDER BY id
-- @batch
INSERT INTO items (name, qty) VALUES ('b1', 1)
INSERT INTO items (name, qty) VALUES ('b2', -5)
-- @end
SELECT count(*) FROM items WHERE name LIKE 'b_'
-- @batch
INSERT INTO items (name, qty) VALUES ('b3', 1)
UPDATE items SET qty = 4 WHERE name = 'b3'
DELETE FROM items WHERE name = 'b3'
-- @end
SELECT action, new_qty, old_qty FROM audit ORDER BY id DESC LIMIT 3
-- Triggers writing several rows and other tables.
CREATE TABLE tags (item_id INTEGER, tag TEXT)
CREATE TRIGGER items_tags AFTER INSERT ON items BEGIN INSERT INTO tags VALUES (NEW.id, 'new'); INSERT INTO tags VALUES (NEW.id, lower(NEW.name)); UPDATE tags SET tag = upper(tag) WHERE item_id = NEW.id AND tag = 'new'; END
INSERT INTO items (name, qty) VALUES ('Fig', 2)
SELECT tag FROM tags ORDER BY rowid
CREATE TRIGGER tags_ad AFTER DELETE ON tags BEGIN DELETE FROM audit WHERE item_id = OLD.item_id; END
DELETE FROM tags
SELECT count(*) FROM audit WHERE action = 'insert'
-- DROP TRIGGER, errors and unsupported forms.
DROP TRIGGER items_tags
DROP TRIGGER items_tags
DROP TRIGGER IF EXISTS items_tags
INSERT INTO items (name, qty) VALUES ('date', 1)
SELECT count(*) FROM tags
CREATE TRIGGER t_missing AFTER INSERT ON nope BEGIN SELECT 1; END
CREATE VIEW item_names AS SELECT name FROM items
CREATE TRIGGER v_after AFTER INSERT ON item_names BEGIN SELECT 1; END
CREATE TRIGGER t_instead INSTEAD OF INSERT ON items BEGIN SELECT 1; END
CREATE TRIGGER t_param AFTER INSERT ON items BEGIN INSERT INTO tags VALUES (?, 'x'); END
SELECT RAISE(ABORT, 'outside')
DROP TABLE tags
SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name
DROP TABLE items
SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)
INSERT INTO items (name) VALUES ('again')
-- ALTER TABLE RENAME rewrites the triggers that name the table, and they keep working.
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)
CREATE TABLE note_log (note_id INTEGER, body TEXT)
CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN INSERT INTO note_log VALUES (NEW.id, NEW.body); UPDATE note_log SET body = upper(note_log.body) WHERE note_log.note_id = NEW.id; END
ALTER TABLE note_log RENAME TO note_history
ALTER TABLE notes RENAME TO memos
SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND name = 'notes_ai'
INSERT INTO memos (body) VALUES ('hello')
SELECT * FROM note_history
-- A foreign-key cascade into a table with triggers: their writes count in meta.changes too.
CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT)
CREATE TABLE pets (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners(id) ON DELETE CASCADE, name TEXT)
CREATE TABLE pet_log (what TEXT)
CREATE TRIGGER pets_ad AFTER DELETE ON pets BEGIN INSERT INTO pet_log VALUES ('gone ' || OLD.name); END
INSERT INTO owners (name) VALUES ('o1'), ('o2')
INSERT INTO pets (owner_id, name) VALUES (1, 'rex'), (1, 'tom'), (2, 'kit')
DELETE FROM owners WHERE id = 1
SELECT changes(), (SELECT count(*) FROM pet_log)
SELECT what FROM pet_log ORDER BY rowid
-- Refused on purpose (documented): INSTEAD OF triggers on views, RAISE(IGNORE).
CREATE TRIGGER names_insert INSTEAD OF INSERT ON item_names BEGIN INSERT INTO items (name) VALUES (NEW.name); END
CREATE TRIGGER items_skip BEFORE INSERT ON items WHEN NEW.name = '' BEGIN SELECT RAISE(IGNORE); END
