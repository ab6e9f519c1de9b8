SELECT length('hello')
SELECT length('héllo')
SELECT length(x'0102')
SELECT length(12345)
SELECT length(NULL)
SELECT instr('hello', 'll')
SELECT instr('hello', 'z')
SELECT substr('hello', 2)
SELECT substr('hello', 2, 3)
SELECT substr('hello', -3)
SELECT substr('hello', -3, 2)
SELECT substr('hello', 0, 2)
SELECT substr('hello', 2, -1)
SELECT substring('hello', 1, 1)
SELECT hex('abc')
SELECT hex(x'00ff')
SELECT hex(255)
SELECT unhex('414243')
SELECT length(randomblob(8))
SELECT typeof(randomblob(4))
SELECT zeroblob(3)
SELECT ifnull(NULL, 'x')
SELECT ifnull(1, 2)
SELECT coalesce(NULL, NULL, 3)
SELECT nullif(1, 1)
SELECT nullif(1, 2)
SELECT iif(1 > 2, 'y', 'n')
SELECT iif(NULL, 1, 2)
SELECT printf('%d items', 5)
SELECT printf('%5.2f', 3.14159)
SELECT printf('%s-%s', 'a', 'b')
SELECT printf('%05d', 42)
SELECT printf('%-5s|', 'ab')
SELECT printf('%x', 255)
SELECT printf('%%')
SELECT format('%d', 7)
SELECT printf('%.3s', 'abcdef')
SELECT replace('aXbXc', 'X', '-')
SELECT upper(NULL)
SELECT lower('ÀB')
SELECT trim('xxhixx', 'x')
SELECT typeof(1)
SELECT typeof(1.5)
SELECT typeof('a')
SELECT typeof(NULL)
SELECT typeof(x'01')
SELECT typeof(1 + 1.0)
SELECT typeof(5 / 2)
SELECT typeof(count(*))
SELECT quote('it''s')
SELECT quote(1)
SELECT quote(NULL)
SELECT quote(x'0a')
SELECT char(72, 105)
SELECT unicode('A')
SELECT abs(-3)
SELECT sign(-4)
SELECT round(1.005, 2)
SELECT round(-2.5)
SELECT random() IS NOT NULL
SELECT likely(1)
SELECT 1 + '2'
SELECT '3' * 2
SELECT 10 - 2.5
SELECT 2 << 3
SELECT 5 & 3
SELECT 5 | 3
SELECT ~5
SELECT CAST('12' AS INTEGER)
SELECT CAST('12abc' AS INTEGER)
SELECT CAST(12.9 AS INTEGER)
SELECT CAST('abc' AS INTEGER)
SELECT CAST(5 AS TEXT)
SELECT CAST('1.5' AS REAL)
SELECT CAST(NULL AS TEXT)
SELECT CAST('x' AS BLOB)
SELECT 'abc' < 'abd'
SELECT 'B' < 'a'
SELECT 'a' = 'A'
SELECT 'abc' LIKE 'ABC'
SELECT 'a_c' LIKE 'abc'
SELECT 'a%' LIKE 'a!%' ESCAPE '!'
SELECT 'abc' GLOB 'a*'
SELECT 'abc' GLOB 'A*'
SELECT 'a1' GLOB 'a[0-9]'
SELECT nosuchfn(1)
SELECT substr()
SELECT sqlite_version() IS NOT NULL
