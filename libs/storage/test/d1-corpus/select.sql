CREATE TABLE emp (id INTEGER PRIMARY KEY, name TEXT, dept TEXT, salary INTEGER, mgr INTEGER, hired TEXT)
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('ann', 'eng', 1000, NULL, '2023-01-10')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('bob', 'ops', 1137, NULL, '2023-02-11')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('cid', 'sales', 1274, 1, '2023-03-12')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('dee', NULL, 1411, 1, '2023-04-13')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('eve', 'eng', 1548, 2, '2023-05-14')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('fay', 'ops', 1685, 2, '2023-06-15')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('gus', 'sales', 1822, 3, '2023-07-16')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('hal', NULL, 1059, 3, '2023-08-17')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('ivy', 'eng', 1196, 4, '2023-09-18')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('jon', 'ops', 1333, 4, '2023-01-10')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('kim', 'sales', 1470, 5, '2023-02-11')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('lee', NULL, 1607, 5, '2023-03-12')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('max', 'eng', 1744, 6, '2023-04-13')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('ned', 'ops', 1881, 6, '2023-05-14')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('oli', 'sales', 1118, 7, '2023-06-15')
INSERT INTO emp (name, dept, salary, mgr, hired) VALUES ('pam', NULL, 1255, 7, '2023-07-16')
SELECT * FROM emp ORDER BY id
SELECT name FROM emp WHERE salary > 1500 ORDER BY name
SELECT name, dept FROM emp ORDER BY dept, name
SELECT name, dept FROM emp ORDER BY dept DESC, name
SELECT name FROM emp ORDER BY name LIMIT 3
SELECT name FROM emp ORDER BY name LIMIT 3 OFFSET 2
SELECT name FROM emp ORDER BY name LIMIT -1 OFFSET 14
SELECT name FROM emp ORDER BY name LIMIT 2, 3
SELECT name FROM emp ORDER BY id LIMIT ? -- params: [2]
SELECT name FROM emp ORDER BY id LIMIT ? OFFSET ? -- params: [2, 5]
SELECT DISTINCT dept FROM emp ORDER BY dept
SELECT name FROM emp WHERE dept IS NULL
SELECT name FROM emp WHERE dept IS NOT NULL AND salary < 1300 ORDER BY 1
SELECT name FROM emp WHERE dept IS 'eng' ORDER BY name
SELECT name FROM emp WHERE name LIKE 'A%'
SELECT name FROM emp WHERE name LIKE '%e%' ORDER BY name
SELECT name FROM emp WHERE name NOT LIKE '%a%' ORDER BY name
SELECT name FROM emp WHERE name GLOB '?e*' ORDER BY name
SELECT name FROM emp WHERE name GLOB 'A*'
SELECT name FROM emp WHERE salary BETWEEN 1200 AND 1600 ORDER BY name
SELECT name FROM emp WHERE id IN (1, 3, 5) ORDER BY id
SELECT name FROM emp WHERE id NOT IN (SELECT mgr FROM emp WHERE mgr IS NOT NULL) ORDER BY id
SELECT name, salary / 100, salary % 7, salary * 2, -salary FROM emp WHERE id < 4
SELECT 7 / 2, 7.0 / 2, 7 % 3, 1 / 0, 5 % 0
SELECT 'a' || 'b' || 1 || NULL
SELECT 'x' || 1, 1 || 2
SELECT name, CASE WHEN salary > 1500 THEN 'high' WHEN salary > 1200 THEN 'mid' ELSE 'low' END AS band FROM emp ORDER BY id
SELECT CASE dept WHEN 'eng' THEN 1 ELSE 0 END FROM emp WHERE id < 5
SELECT name FROM emp WHERE EXISTS (SELECT 1 FROM emp e2 WHERE e2.mgr = emp.id) ORDER BY name
SELECT (SELECT max(salary) FROM emp) AS top
SELECT name, (SELECT count(*) FROM emp e2 WHERE e2.mgr = e.id) AS reports FROM emp e ORDER BY id
SELECT name FROM emp WHERE salary = (SELECT max(salary) FROM emp)
WITH d AS (SELECT dept, count(*) AS n FROM emp GROUP BY dept) SELECT * FROM d ORDER BY n DESC, dept
WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < 10) SELECT x FROM cnt
SELECT 1 UNION SELECT 2 UNION SELECT 1 ORDER BY 1
SELECT name FROM emp WHERE id < 3 UNION ALL SELECT dept FROM emp WHERE id < 3
SELECT name FROM emp WHERE id < 6 INTERSECT SELECT name FROM emp WHERE id > 3
SELECT name FROM emp WHERE id < 6 EXCEPT SELECT name FROM emp WHERE id > 3 ORDER BY name
SELECT 1 = 1, 1 = 2, 2 > 1, NULL IS NULL, 1 IS NOT NULL
SELECT NOT 0, NOT 1, 1 AND 0, 1 OR 0
SELECT name FROM emp WHERE 1 ORDER BY id LIMIT 1
SELECT name FROM emp WHERE 0
SELECT id, name FROM emp WHERE id = ? -- params: [3]
SELECT id, name FROM emp WHERE id = ? -- params: ["3"]
SELECT id FROM emp WHERE name = ? -- params: ["eve"]
SELECT ? AS v -- params: [42]
SELECT ?, ?, ? -- params: [1, "two", null]
SELECT ? -- params: [1.5]
SELECT count(*) AS n FROM emp WHERE dept = :dept -- params: ["eng"]
SELECT $a, $a -- params: [9]
SELECT ?1, ?1 -- params: [5]
SELECT name AS Name FROM emp ORDER BY Name LIMIT 2
SELECT salary AS s FROM emp ORDER BY s DESC LIMIT 3
SELECT rowid, name FROM emp WHERE rowid = 2
SELECT e.* FROM emp e WHERE e.id = 1
SELECT main.emp.name FROM main.emp WHERE id = 1
SELECT name, salary FROM emp ORDER BY salary DESC, id LIMIT 5
SELECT name, hired FROM emp WHERE hired > '2023-05' ORDER BY hired, id
SELECT max(1, 2, 3), min(4, 2, 9), max(1, NULL)
SELECT abs(-5), abs(2.5), round(2.567, 2), round(2.5), lower('ABC'), upper('abc'), trim('  x  '), ltrim('xxa', 'x'), rtrim('ayy', 'y')
SELECT name FROM emp ORDER BY dept NULLS LAST, id LIMIT 5
SELECT count(*) FROM (SELECT * FROM emp WHERE salary > 1000)
SELECT coalesce(dept, 'none') FROM emp ORDER BY id LIMIT 5
SELECT nullif(dept, 'eng') FROM emp ORDER BY id LIMIT 4
