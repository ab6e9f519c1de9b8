-- json_each / json_tree as table-valued functions (every column, paths, joins, value types).
SELECT * FROM json_each('[1,2.5,"s",null,true,false,{},[]]')
SELECT * FROM json_each('{"a":1,"b":[2,3],"c":{"d":"x"}}')
SELECT * FROM json_tree('{"a":1,"b":[2,3],"c":{"d":"xé"}}')
SELECT * FROM json_each('{"a":{"b":[5,6]}}', '$.a.b')
SELECT * FROM json_tree('{"a":{"b":[5,6]}}', '$.a')
SELECT * FROM json_each('{"a":5}', '$.a')
SELECT * FROM json_tree('{"a":5}', '$.a')
SELECT * FROM json_each('[[1,2],[3]]', '$[0]')
SELECT * FROM json_each('[10,20,30]', '$[#-1]')
SELECT * FROM json_each('5')
SELECT * FROM json_each('"text"')
SELECT * FROM json_each('{"a":1}', '$.missing')
SELECT * FROM json_each(NULL)
SELECT * FROM json_each('[]')
SELECT * FROM json_tree('{}')
SELECT key, fullkey FROM json_each('{"a_b":1,"A1":2,"1a":3,"":4,"é":5,"c d":6}')
SELECT fullkey, path, id, parent FROM json_tree('{"items":[{"name":"a","tags":["x","y"]},{"name":"b"}]}')
SELECT * FROM json_each('{ "a" : 1.50 , "b" : "x\u00e9y" , "c" : -3 }')
SELECT * FROM json_each('not json')
SELECT typeof(key), typeof(value), typeof(atom), typeof(id), typeof(parent) FROM json_each('[1]')
SELECT typeof(key), typeof(value) FROM json_each('{"k":"v"}')
SELECT value FROM json_each('[3,1,2]') ORDER BY value
SELECT value FROM json_each('["b","a","c"]') WHERE value > 'a' ORDER BY key DESC
SELECT count(*), sum(value), avg(value), min(value), max(value), total(value) FROM json_each('[1,2,3,4]')
SELECT group_concat(value, '|') FROM json_each('["x","y","z"]')
SELECT json_group_array(value) FROM json_each('[1,"a",2.5,null]')
SELECT json_group_object(key, value) FROM json_each('{"a":1,"b":"two"}')
SELECT upper(value), length(value), value || '!' FROM json_each('["ab","cde"]')
SELECT value + 1, value * 2 FROM json_each('[1,2]')
SELECT json_each.key, json_each.value FROM json_each('{"x":1,"y":2}')
SELECT j.key AS k, j.value AS v FROM json_each('{"x":1,"y":2}') AS j WHERE j.value >= 2
SELECT value FROM json_each(?) -- params: ["[1,2,3]"]
SELECT value FROM json_each(?, ?) -- params: ["{\"a\":[7,8]}", "$.a"]
SELECT key, value FROM json_each('{"a":1,"b":2}') WHERE key = ?  -- params: ["b"]
SELECT value FROM json_each('[1,"1",2]') WHERE value = 1
SELECT value FROM json_each('[1,"1",2]') WHERE value = '1'
SELECT value FROM json_each('[1,2,3]') WHERE value IN (1, 3)
SELECT value FROM json_each('[1,2,3]') WHERE value BETWEEN 2 AND 3
SELECT (SELECT max(value) FROM json_each('[4,9,2]'))
SELECT json_each FROM (SELECT 1 AS json_each)
SELECT json_each('[1]')
CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, tags TEXT, meta TEXT)
INSERT INTO posts (title, tags, meta) VALUES ('one', '["red","blue"]', '{"views":10,"langs":["en","fr"]}'), ('two', '["blue"]', '{"views":3,"langs":["de"]}'), ('three', '[]', '{"views":7}'), ('four', NULL, NULL)
SELECT posts.title, json_each.value FROM posts, json_each(posts.tags) ORDER BY posts.id, json_each.key
SELECT p.title, t.value AS tag FROM posts AS p, json_each(p.tags) AS t WHERE t.value = 'blue' ORDER BY p.id
SELECT DISTINCT posts.title FROM posts, json_each(posts.tags) WHERE json_each.value = 'red'
SELECT title FROM posts WHERE EXISTS (SELECT 1 FROM json_each(posts.tags) WHERE value = 'blue') ORDER BY id
SELECT title, (SELECT count(*) FROM json_each(posts.tags)) AS n FROM posts ORDER BY id
SELECT value AS tag, count(*) AS n FROM posts, json_each(posts.tags) GROUP BY value ORDER BY n DESC, tag
SELECT p.title, l.value FROM posts p JOIN json_each(p.meta, '$.langs') l ORDER BY p.id, l.key
SELECT p.title, l.value FROM posts p LEFT JOIN json_each(p.meta, '$.langs') l ON 1 ORDER BY p.id, l.key
SELECT title FROM posts WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id -- params: ["[1,3,99]"]
SELECT title FROM posts WHERE title IN (SELECT value FROM json_each('["two","four"]')) ORDER BY id
SELECT title FROM posts WHERE 2 IN (SELECT value FROM json_each('[1,2]')) ORDER BY id LIMIT 1
DELETE FROM posts WHERE id IN (SELECT value FROM json_each(?)) -- params: ["[3,4]"]
SELECT id, title FROM posts ORDER BY id
UPDATE posts SET title = upper(title) WHERE id IN (SELECT value FROM json_each('[1]'))
SELECT posts.title, t.fullkey, t.type FROM posts, json_tree(posts.meta) AS t WHERE t.atom IS NOT NULL ORDER BY posts.id, t.id
SELECT sum(json_each.value) FROM posts, json_each(posts.meta, '$.views')
CREATE TABLE kv (key TEXT, value INTEGER)
INSERT INTO kv VALUES ('a', 1), ('b', 2)
SELECT kv.key, j.value FROM kv, json_each('[10]') AS j ORDER BY kv.key
SELECT key FROM kv WHERE value > (SELECT min(value) FROM json_each('[0,1]'))
CREATE VIEW post_tags AS SELECT posts.id, json_each.value AS tag FROM posts, json_each(posts.tags)
SELECT * FROM post_tags ORDER BY id, tag
-- SQLite's value order: NULL, numbers, text by bytes (not Postgres' jsonb order or collation).
SELECT value FROM json_each('["b",2,null,"B","é",1.5,"a"]') ORDER BY value
SELECT value FROM json_each('["b",2,null,"B","é",1.5,"a"]') ORDER BY value DESC
SELECT min(value), max(value) FROM json_each('[1,"a",2.5,null]')
SELECT value FROM json_each('[1,"a",2]') WHERE value > 1
SELECT value FROM json_each('[1,"a",2]') WHERE value NOT BETWEEN 1 AND 1.5
SELECT value FROM json_each('[1,2,3]') WHERE value NOT IN (2)
SELECT value FROM json_each('[1,null,3]') WHERE value IS NOT NULL
SELECT json_extract('{"a":1}', '$.a') = '1', json_extract('{"a":"1"}', '$.a') = 1, json_extract('{"a":"x"}', '$.a') > 5
SELECT key, value FROM json_each('{"a":1,"b":2}') WHERE value = (SELECT max(value) FROM json_each('[2]'))
SELECT json_array(value, key) FROM json_each('{"x":1.5}')
SELECT typeof(value), quote(value) FROM json_each('[1,2.5,"s",null]')
SELECT CASE WHEN value > 1 THEN 'big' ELSE 'small' END FROM json_each('[1,2]')
-- Arrays of objects, the shape apps bind as one JSON parameter.
SELECT json_extract(value, '$.name') AS name, value ->> '$.qty' AS qty FROM json_each(?) ORDER BY key -- params: ["[{\"name\":\"a\",\"qty\":2},{\"name\":\"b\",\"qty\":5}]"]
SELECT sum(value ->> '$.qty') FROM json_each(?) -- params: ["[{\"qty\":2},{\"qty\":5}]"]
SELECT value FROM json_each('["apple","banana","cherry"]') WHERE value LIKE '%an%'
SELECT CAST(value AS INTEGER) + 1, ifnull(value, 'none') FROM json_each('["7",null]')
SELECT coalesce(value, 'none') FROM json_each('[null,"x"]')
SELECT value FROM json_each('[3,1,2]') ORDER BY 1 DESC
SELECT key FROM json_each('{"b":1,"a":2}') ORDER BY key
SELECT DISTINCT value FROM json_each('[3,1,3,2]') ORDER BY value
SELECT value, count(*) FROM json_each('["x","y","x"]') GROUP BY value ORDER BY count(*) DESC, value
INSERT INTO kv (key, value) SELECT key, value FROM json_each('{"c":3,"d":4}')
SELECT * FROM kv ORDER BY key
UPDATE kv SET value = value + (SELECT count(*) FROM json_each('[1,2]')) WHERE key IN (SELECT value FROM json_each('["c"]'))
SELECT * FROM kv WHERE key = 'c'
