SELECT json_extract('{"a":1}', '$.a')
SELECT json_extract('{"a":"x"}', '$.a')
SELECT json_extract('{"a":{"b":[1,2,3]}}', '$.a.b[1]')
SELECT json_extract('{"a":{"b":[1,2,3]}}', '$.a.b')
SELECT json_extract('{"a":{"b":2}}', '$.a')
SELECT json_extract('{"a":1.5}', '$.a')
SELECT json_extract('{"a":true}', '$.a')
SELECT json_extract('{"a":null}', '$.a')
SELECT json_extract('{"a":1}', '$.b')
SELECT json_extract('[10,20,30]', '$[2]')
SELECT json_extract('[10,20,30]', '$[#-1]')
SELECT json_extract('{"a":1,"b":2}', '$.a', '$.b')
SELECT json_extract(NULL, '$.a')
SELECT '{"a":{"b":1}}' -> '$.a'
SELECT '{"a":{"b":1}}' ->> '$.a.b'
SELECT '{"a":"x"}' -> 'a'
SELECT '{"a":"x"}' ->> 'a'
SELECT '[1,2]' -> 1
SELECT json_object('a', 1, 'b', 'two')
SELECT json_object('a', NULL)
SELECT json_object()
SELECT json_array(1, 'a', NULL, 2.5)
SELECT json_array()
SELECT json('{ "a" : 1 }')
SELECT json('[1, 2]')
SELECT json_type('{"a":1}')
SELECT json_type('[1]')
SELECT json_type('{"a":1}', '$.a')
SELECT json_type('{"a":"s"}', '$.a')
SELECT json_array_length('[1,2,3]')
SELECT json_array_length('{"a":[1,2]}', '$.a')
SELECT json_valid('{"a":1}')
SELECT json_valid('{a:1}')
SELECT json_quote('x')
SELECT json_quote(1)
SELECT json_set('{"a":1}', '$.a', 2)
SELECT json_set('{"a":1}', '$.b', 'x')
SELECT json_insert('{"a":1}', '$.a', 5)
SELECT json_replace('{"a":1}', '$.a', 5)
SELECT json_remove('{"a":1,"b":2}', '$.a')
SELECT json_object('n', json('[1,2]'))
SELECT json_extract('not json', '$.a')
SELECT json_array(json_object('k', 1))
CREATE TABLE docs (id INTEGER PRIMARY KEY, data TEXT)
INSERT INTO docs (data) VALUES ('{"name":"a","age":30,"tags":["x","y"]}'), ('{"name":"b","age":25,"tags":[]}'), ('{"name":"c","age":41}')
SELECT id, json_extract(data, '$.name') FROM docs ORDER BY id
SELECT id FROM docs WHERE json_extract(data, '$.age') > 28 ORDER BY id
SELECT id FROM docs WHERE data ->> '$.name' = 'b'
SELECT data ->> 'age' + 1 FROM docs ORDER BY id
SELECT json_group_array(json_extract(data, '$.name')) FROM (SELECT data FROM docs ORDER BY id)
SELECT json_group_object(id, json_extract(data, '$.age')) FROM (SELECT * FROM docs ORDER BY id)
SELECT json_array_length(data, '$.tags') FROM docs ORDER BY id
INSERT INTO docs (data) VALUES (json_object('name', ?, 'age', ?)) -- params: ["d", 50]
SELECT data FROM docs WHERE id = 4
UPDATE docs SET data = json_set(data, '$.age', 31) WHERE id = 1
SELECT json_extract(data, '$.age') FROM docs WHERE id = 1
