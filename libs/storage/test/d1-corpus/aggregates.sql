CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, product TEXT, amount INTEGER, price REAL)
INSERT INTO sales (region, product, amount, price) VALUES ('n', 'x', 0, 1.5)
INSERT INTO sales (region, product, amount, price) VALUES ('s', 'y', 7, 2.25)
INSERT INTO sales (region, product, amount, price) VALUES ('e', 'z', 14, 3.0)
INSERT INTO sales (region, product, amount, price) VALUES ('w', 'x', 21, 3.75)
INSERT INTO sales (region, product, amount, price) VALUES ('n', 'y', 5, 4.5)
INSERT INTO sales (region, product, amount, price) VALUES ('s', 'z', 12, 5.25)
INSERT INTO sales (region, product, amount, price) VALUES ('e', 'x', 19, 6.0)
INSERT INTO sales (region, product, amount, price) VALUES ('w', 'y', 3, 6.75)
INSERT INTO sales (region, product, amount, price) VALUES ('n', 'z', 10, 7.5)
INSERT INTO sales (region, product, amount, price) VALUES ('s', 'x', 17, 8.25)
INSERT INTO sales (region, product, amount, price) VALUES ('e', 'y', 1, 9.0)
INSERT INTO sales (region, product, amount, price) VALUES ('w', 'z', 8, 9.75)
INSERT INTO sales (region, product, amount, price) VALUES ('n', 'x', 15, 10.5)
INSERT INTO sales (region, product, amount, price) VALUES ('s', 'y', 22, 11.25)
INSERT INTO sales (region, product, amount, price) VALUES ('e', 'z', 6, 12.0)
INSERT INTO sales (region, product, amount, price) VALUES ('w', 'x', 13, 12.75)
INSERT INTO sales (region, product, amount, price) VALUES ('n', 'y', 20, 13.5)
INSERT INTO sales (region, product, amount, price) VALUES ('s', 'z', 4, 14.25)
INSERT INTO sales (region, product, amount, price) VALUES ('e', 'x', 11, 15.0)
INSERT INTO sales (region, product, amount, price) VALUES ('w', 'y', 18, 15.75)
INSERT INTO sales (region, product, amount, price) VALUES ('n', 'z', 2, 16.5)
INSERT INTO sales (region, product, amount, price) VALUES ('s', 'x', 9, 17.25)
INSERT INTO sales (region, product, amount, price) VALUES ('e', 'y', 16, 18.0)
INSERT INTO sales (region, product, amount, price) VALUES ('w', 'z', 0, 18.75)
INSERT INTO sales (region, product, amount, price) VALUES ('n', 'x', 7, 19.5)
INSERT INTO sales (region, product, amount, price) VALUES ('s', 'y', 14, 20.25)
INSERT INTO sales (region, product, amount, price) VALUES ('e', 'z', 21, 21.0)
INSERT INTO sales (region, product, amount, price) VALUES ('w', 'x', 5, 21.75)
INSERT INTO sales (region, product, amount, price) VALUES ('n', 'y', 12, 22.5)
INSERT INTO sales (region, product, amount, price) VALUES ('s', 'z', 19, 23.25)
SELECT count(*), sum(amount), min(amount), max(amount) FROM sales
SELECT avg(amount) FROM sales
SELECT total(amount), total(NULL) FROM sales
SELECT sum(amount) FROM sales WHERE 0
SELECT count(amount), count(DISTINCT region) FROM sales
SELECT region, sum(amount) FROM sales GROUP BY region ORDER BY region
SELECT region, product, count(*) FROM sales GROUP BY region, product ORDER BY region, product
SELECT region, sum(amount) AS s FROM sales GROUP BY region HAVING s > 80 ORDER BY region
SELECT region, sum(amount) FROM sales GROUP BY region HAVING count(*) > 7 ORDER BY 2 DESC
SELECT group_concat(product) FROM (SELECT product FROM sales WHERE id < 5 ORDER BY id)
SELECT group_concat(DISTINCT region) FROM (SELECT region FROM sales ORDER BY region)
SELECT group_concat(region, ';') FROM (SELECT region FROM sales WHERE id < 4 ORDER BY id)
SELECT region, max(price) FROM sales GROUP BY region ORDER BY region
SELECT sum(price) FROM sales
SELECT avg(price) FROM sales WHERE region = 'n'
SELECT product, count(*) AS c FROM sales GROUP BY product ORDER BY c DESC, product
SELECT count(*) FILTER (WHERE amount > 10) FROM sales
SELECT sum(CASE WHEN amount > 10 THEN 1 ELSE 0 END) FROM sales
SELECT sum(amount > 10) FROM sales
SELECT id, amount, row_number() OVER (ORDER BY amount, id) FROM sales WHERE id < 8 ORDER BY id
SELECT id, rank() OVER (PARTITION BY region ORDER BY amount) FROM sales WHERE id < 10 ORDER BY id
SELECT id, sum(amount) OVER (ORDER BY id) FROM sales WHERE id < 6
SELECT id, lag(amount) OVER (ORDER BY id), lead(amount, 1, 0) OVER (ORDER BY id) FROM sales WHERE id < 6
SELECT region, count(*) FROM sales WHERE amount > ? GROUP BY region ORDER BY region -- params: [5]
SELECT max(region), min(product) FROM sales
SELECT count(*) FROM sales GROUP BY region ORDER BY 1
SELECT region FROM sales GROUP BY region HAVING sum(amount) = (SELECT max(s) FROM (SELECT sum(amount) s FROM sales GROUP BY region))
