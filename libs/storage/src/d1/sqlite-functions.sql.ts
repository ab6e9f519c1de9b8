/**
 * SQLite's scalar functions and helpers, provided in Postgres under the Kiln-owned `kiln_sqlite`
 * schema. The translator calls them by qualified name; app SQL can never name this schema itself.
 * Everything is `CREATE OR REPLACE`, so running this again upgrades in place.
 */
import { DATETIME_FUNCTIONS } from './sqlite-datetime.sql.js';
import { JSON_FUNCTIONS } from './sqlite-json.sql.js';

export const FUNCTION_SCHEMA = 'kiln_sqlite';

const core = String.raw`
CREATE SCHEMA IF NOT EXISTS kiln_sqlite;

-- The service's clock (kiln.now, epoch ms, set per transaction) so tests can move time.
CREATE OR REPLACE FUNCTION kiln_sqlite.now_ts() RETURNS timestamp LANGUAGE sql STABLE AS $$
  SELECT COALESCE(to_timestamp(NULLIF(current_setting('kiln.now', true), '')::float8 / 1000),
                  statement_timestamp()) AT TIME ZONE 'UTC'
$$;
CREATE OR REPLACE FUNCTION kiln_sqlite.current_timestamp() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(kiln_sqlite.now_ts(), 'YYYY-MM-DD HH24:MI:SS') $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.current_date() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(kiln_sqlite.now_ts(), 'YYYY-MM-DD') $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.current_time() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(kiln_sqlite.now_ts(), 'HH24:MI:SS') $$;

-- SQLite truthiness: numbers are true when non-zero; text is converted by its numeric prefix.
CREATE OR REPLACE FUNCTION kiln_sqlite.truthy(v boolean) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT v $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.truthy(v bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT v <> 0 $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.truthy(v float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT v <> 0 $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.truthy(v numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT v <> 0 $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.truthy(v text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(NULLIF(substring(v from '^\s*[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?'), '')::float8 <> 0, false)
  WHERE v IS NOT NULL $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.truthy(v bytea) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT kiln_sqlite.truthy(convert_from(v, 'UTF8')) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.truthy(v jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT kiln_sqlite.truthy(v #>> '{}') $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.typeof(v anyelement) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE t regtype := pg_typeof(v);
BEGIN
  IF v IS NULL THEN RETURN 'null'; END IF;
  IF t IN ('bigint'::regtype, 'integer'::regtype, 'smallint'::regtype, 'boolean'::regtype) THEN RETURN 'integer'; END IF;
  IF t IN ('double precision'::regtype, 'real'::regtype) THEN RETURN 'real'; END IF;
  IF t = 'numeric'::regtype THEN RETURN CASE WHEN scale(v::numeric) = 0 THEN 'integer' ELSE 'real' END; END IF;
  IF t = 'bytea'::regtype THEN RETURN 'blob'; END IF;
  IF t = 'jsonb'::regtype THEN
    RETURN CASE jsonb_typeof(v::jsonb) WHEN 'null' THEN 'null' WHEN 'string' THEN 'text'
      WHEN 'boolean' THEN 'integer'
      WHEN 'number' THEN CASE WHEN (v::jsonb)::text ~ '^-?[0-9]+$' THEN 'integer' ELSE 'real' END ELSE 'text' END;
  END IF;
  RETURN 'text';
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.length(v text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT char_length(v) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.length(v bytea) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT octet_length(v) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.length(v bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT char_length(v::text) $$;
-- A bare integer literal is int4 in Postgres; without this overload it would resolve to float8.
CREATE OR REPLACE FUNCTION kiln_sqlite.length(v integer) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT char_length(v::text) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.length(v float8) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT char_length(kiln_sqlite.real_text(v)) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.length(v numeric) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT char_length(v::text) $$;

-- SQLite prints integral reals with a trailing '.0'.
CREATE OR REPLACE FUNCTION kiln_sqlite.real_text(v float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v = trunc(v) AND abs(v) < 1e15 THEN trunc(v)::bigint::text || '.0' ELSE v::text END $$;

-- substr with SQLite's 1-based, negative-start and negative-length rules.
CREATE OR REPLACE FUNCTION kiln_sqlite.substr(s text, start bigint, len bigint DEFAULT NULL) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE n bigint := char_length(s); b bigint; e bigint;
BEGIN
  IF s IS NULL OR start IS NULL THEN RETURN NULL; END IF;
  IF start > 0 THEN b := start; ELSIF start < 0 THEN b := n + start + 1; ELSE b := 0; END IF;
  IF len IS NULL THEN e := n + 1;
  ELSIF len >= 0 THEN e := b + len;
  ELSE e := b; b := b + len; END IF;
  IF b < 1 THEN b := 1; END IF;
  IF e > n + 1 THEN e := n + 1; END IF;
  IF e <= b THEN RETURN ''; END IF;
  RETURN substring(s from b::int for (e - b)::int);
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.instr(s text, sub text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT strpos(s, sub) $$;
-- hex(NULL) is '' in SQLite (NULL reads as an empty blob), not NULL.
CREATE OR REPLACE FUNCTION kiln_sqlite.hex(v bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT COALESCE(upper(encode(v, 'hex')), '') $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.hex(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT COALESCE(upper(encode(convert_to(v, 'UTF8'), 'hex')), '') $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.hex(v bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT kiln_sqlite.hex(v::text) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.hex(v integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT kiln_sqlite.hex(v::text) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.hex(v float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT kiln_sqlite.hex(kiln_sqlite.real_text(v)) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.unhex(v text) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN RETURN decode(v, 'hex'); EXCEPTION WHEN others THEN RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.randomblob(n bigint) RETURNS bytea LANGUAGE sql VOLATILE AS $$
  SELECT COALESCE(decode(string_agg(lpad(to_hex(floor(random() * 256)::int), 2, '0'), ''), 'hex'), '\x'::bytea)
  FROM generate_series(1, GREATEST(n, 1)) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.zeroblob(n bigint) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(decode(repeat('00', GREATEST(n, 0)::int), 'hex'), '\x'::bytea) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.random() RETURNS bigint LANGUAGE sql VOLATILE AS $$
  SELECT (floor((random() * 2 - 1) * 9223372036854775807))::bigint $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.quote(v anyelement) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE t regtype := pg_typeof(v);
BEGIN
  IF v IS NULL THEN RETURN 'NULL'; END IF;
  IF t = 'bytea'::regtype THEN RETURN 'X''' || upper(encode(v::bytea, 'hex')) || ''''; END IF;
  IF t IN ('bigint'::regtype, 'integer'::regtype, 'numeric'::regtype, 'double precision'::regtype) THEN RETURN v::text; END IF;
  -- A JSON value (json_extract, json_each): a number as written, text quoted.
  IF t = 'jsonb'::regtype AND jsonb_typeof(v::jsonb) = 'number' THEN RETURN v::text; END IF;
  IF t = 'jsonb'::regtype THEN RETURN '''' || replace(v::jsonb #>> '{}', '''', '''''') || ''''; END IF;
  RETURN '''' || replace(v::text, '''', '''''') || '''';
END $$;

-- LIKE/GLOB in SQLite: GLOB is case-sensitive with *, ?, [...] wildcards.
CREATE OR REPLACE FUNCTION kiln_sqlite.glob(pattern text, v text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE re text := '^'; i int := 1; c text; n int := char_length(pattern);
BEGIN
  IF pattern IS NULL OR v IS NULL THEN RETURN NULL; END IF;
  WHILE i <= n LOOP
    c := substr(pattern, i, 1);
    IF c = '*' THEN re := re || '.*';
    ELSIF c = '?' THEN re := re || '.';
    ELSIF c = '[' THEN
      re := re || '['; i := i + 1;
      IF substr(pattern, i, 1) = '^' THEN re := re || '^'; i := i + 1; END IF;
      WHILE i <= n AND (substr(pattern, i, 1) <> ']' OR right(re, 1) = '[' OR right(re, 2) = '[^') LOOP
        c := substr(pattern, i, 1);
        re := re || CASE WHEN c = '\' THEN '\\' ELSE c END; i := i + 1;
      END LOOP;
      re := re || ']';
    ELSE re := re || regexp_replace(c, '([.^$+(){}|\\\[\]])', '\\\1', 'g');
    END IF;
    i := i + 1;
  END LOOP;
  RETURN v ~ (re || '$');
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.max_scalar(VARIADIC a anycompatiblearray) RETURNS anycompatible LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN array_position(a, NULL) IS NOT NULL THEN NULL ELSE (SELECT max(x) FROM unnest(a) x) END $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.min_scalar(VARIADIC a anycompatiblearray) RETURNS anycompatible LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN array_position(a, NULL) IS NOT NULL THEN NULL ELSE (SELECT min(x) FROM unnest(a) x) END $$;

-- The exact decimal value of a double (v::numeric keeps only 15 digits, so 1.005 would stay
-- 1.005 where the double is 1.00499999999999989...): v = m * 2^k with m an integer below 2^55.
CREATE OR REPLACE FUNCTION kiln_sqlite.exact_numeric(v float8) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v = 0 OR v IS NULL OR v IN ('Infinity', '-Infinity', 'NaN') THEN v::numeric
    WHEN k >= 0 THEN (v / 2::float8 ^ k)::bigint::numeric * 2::numeric ^ k
    ELSE (v / 2::float8 ^ k)::bigint::numeric / 2::numeric ^ (-k) END
  FROM (SELECT GREATEST(floor(ln(abs(v)) / ln(2))::int - 53, -1074) AS k) s $$;
-- SQLite rounds the double's exact decimal digits: round(1.005, 2) is 1.0.
CREATE OR REPLACE FUNCTION kiln_sqlite.round(v float8, digits bigint DEFAULT 0) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT round(kiln_sqlite.exact_numeric(v), GREATEST(digits, 0)::int)::float8 $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.changes() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT COALESCE(NULLIF(current_setting('kiln.changes', true), ''), '0')::bigint $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.total_changes() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT COALESCE(NULLIF(current_setting('kiln.total_changes', true), ''), '0')::bigint $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.last_insert_rowid() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT COALESCE(NULLIF(current_setting('kiln.last_insert_rowid', true), ''), '0')::bigint $$;

-- REPLACE deletes the rows it collides with before inserting, but SQLite picked the new rowid
-- before that delete: the statement leaves the largest deleted rowid here for the next row.
CREATE OR REPLACE FUNCTION kiln_sqlite.rowid_floor(deleted bigint) RETURNS boolean LANGUAGE sql VOLATILE AS $$
  SELECT set_config('kiln.rowid_floor', COALESCE(deleted::text, ''), true) IS NOT NULL $$;
-- Rowids: SQLite hands out max(rowid)+1 (AUTOINCREMENT: also above any rowid ever used, kept
-- in sqlite_sequence). The advisory lock serialises writers per table, as SQLite's single writer does.
CREATE OR REPLACE FUNCTION kiln_sqlite.assign_rowid() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE col text := TG_ARGV[0]; autoinc boolean := TG_ARGV[1] = 'autoinc'; cur bigint; above bigint; nxt bigint; seq bigint; updated bigint;
BEGIN
  cur := (to_jsonb(NEW) ->> col)::bigint;
  above := NULLIF(current_setting('kiln.rowid_floor', true), '')::bigint;
  IF above IS NOT NULL THEN PERFORM set_config('kiln.rowid_floor', '', true); END IF;
  IF cur IS NULL THEN
    PERFORM pg_advisory_xact_lock(TG_RELID::bigint);
    EXECUTE format('SELECT COALESCE(max(%I), 0) FROM %I.%I', col, TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO nxt;
    nxt := GREATEST(nxt, COALESCE(above, 0)) + 1;
    IF autoinc THEN
      EXECUTE format('SELECT seq FROM %I.sqlite_sequence WHERE name = $1', TG_TABLE_SCHEMA) INTO seq USING TG_ARGV[2];
      nxt := GREATEST(nxt, COALESCE(seq, 0) + 1);
    END IF;
    NEW := jsonb_populate_record(NEW, jsonb_build_object(col, nxt));
    cur := nxt;
  END IF;
  IF autoinc THEN
    EXECUTE format('UPDATE %I.sqlite_sequence SET seq = GREATEST(seq, $1) WHERE name = $2', TG_TABLE_SCHEMA) USING cur, TG_ARGV[2];
    -- EXECUTE leaves FOUND alone; the row count says whether the table had a row yet.
    GET DIAGNOSTICS updated = ROW_COUNT;
    IF updated = 0 THEN
      EXECUTE format('INSERT INTO %I.sqlite_sequence(name, seq) VALUES ($1, $2)', TG_TABLE_SCHEMA) USING TG_ARGV[2], cur;
    END IF;
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.printf(fmt text, VARIADIC args text[]) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE out text := ''; i int := 1; n int := char_length(fmt); c text; spec text; argi int := 1; a text;
  m text[]; flags text; width int; prec int; conv text; piece text;
BEGIN
  IF fmt IS NULL THEN RETURN NULL; END IF;
  WHILE i <= n LOOP
    c := substr(fmt, i, 1);
    IF c <> '%' THEN out := out || c; i := i + 1; CONTINUE; END IF;
    m := regexp_match(substr(fmt, i), '^%([-+ 0#,]*)([0-9]*)(?:\.([0-9]+))?([a-zA-Z%])');
    IF m IS NULL THEN out := out || c; i := i + 1; CONTINUE; END IF;
    spec := substring(substr(fmt, i) from '^%[-+ 0#,]*[0-9]*(?:\.[0-9]+)?[a-zA-Z%]');
    i := i + char_length(spec);
    flags := m[1]; width := NULLIF(m[2], '')::int; prec := NULLIF(m[3], '')::int; conv := m[4];
    IF conv = '%' THEN out := out || '%'; CONTINUE; END IF;
    a := args[argi]; argi := argi + 1;
    IF conv IN ('d', 'i') THEN
      piece := COALESCE(trunc(COALESCE(kiln_sqlite.num_prefix(a), 0))::bigint::text, '0');
      IF position('+' in flags) > 0 AND left(piece, 1) <> '-' THEN piece := '+' || piece; END IF;
    ELSIF conv = 'f' THEN
      piece := to_char(round(COALESCE(kiln_sqlite.num_prefix(a), 0)::numeric, COALESCE(prec, 6)), 'FM999999999999999990' || CASE WHEN COALESCE(prec, 6) > 0 THEN '.' || repeat('0', COALESCE(prec, 6)) ELSE '' END);
    ELSIF conv IN ('x', 'X') THEN
      piece := to_hex(trunc(COALESCE(kiln_sqlite.num_prefix(a), 0))::bigint);
      IF conv = 'X' THEN piece := upper(piece); END IF;
    ELSIF conv IN ('s', 'z', 'q', 'Q', 'w') THEN
      piece := COALESCE(a, CASE WHEN conv = 'Q' THEN 'NULL' ELSE '' END);
      IF conv = 'q' THEN piece := replace(piece, '''', ''''''); END IF;
      IF conv = 'Q' AND a IS NOT NULL THEN piece := '''' || replace(piece, '''', '''''') || ''''; END IF;
      IF prec IS NOT NULL THEN piece := left(piece, prec); END IF;
    ELSIF conv = 'c' THEN piece := left(COALESCE(a, ''), 1);
    ELSE piece := COALESCE(a, '');
    END IF;
    IF width IS NOT NULL AND char_length(piece) < width THEN
      IF position('-' in flags) > 0 THEN piece := rpad(piece, width);
      ELSIF position('0' in flags) > 0 AND conv IN ('d', 'i', 'f', 'x', 'X') THEN
        IF left(piece, 1) IN ('-', '+') THEN piece := left(piece, 1) || lpad(substr(piece, 2), width - 1, '0');
        ELSE piece := lpad(piece, width, '0'); END IF;
      ELSE piece := lpad(piece, width); END IF;
    END IF;
    out := out || piece;
  END LOOP;
  RETURN out;
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.num_prefix(v text) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(NULLIF(substring(v from '^\s*([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)'), '')::float8, 0)
  WHERE v IS NOT NULL $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.cast_int(v text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT trunc(kiln_sqlite.num_prefix(v))::bigint $$;

-- Triggers (translate-trigger.ts). RAISE(ABORT, msg) fails with SQLSTATE KLN01, which the
-- service reports as SQLite's SQLITE_CONSTRAINT_TRIGGER; volatile, so it is never pre-evaluated.
CREATE OR REPLACE FUNCTION kiln_sqlite.raise(message text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
BEGIN RAISE EXCEPTION USING MESSAGE = COALESCE(message, ''), ERRCODE = 'KLN01'; END $$;

-- Triggers running now (this transaction), so a trigger's own writes do not fire it again.
CREATE OR REPLACE FUNCTION kiln_sqlite.trigger_enter(name text) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE active text[] := COALESCE(NULLIF(current_setting('kiln.active_triggers', true), ''), '{}')::text[];
BEGIN
  IF name = ANY(active) THEN RETURN false; END IF;
  PERFORM set_config('kiln.active_triggers', (active || name)::text, true);
  RETURN true;
END $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.trigger_leave(name text) RETURNS void LANGUAGE sql VOLATILE AS $$
  SELECT set_config('kiln.active_triggers',
    array_remove(COALESCE(NULLIF(current_setting('kiln.active_triggers', true), ''), '{}')::text[], name)::text, true) $$;
-- Rows written by trigger bodies in this transaction (meta.changes counts them, as D1 does).
CREATE OR REPLACE FUNCTION kiln_sqlite.trigger_changes(n bigint) RETURNS void LANGUAGE sql VOLATILE AS $$
  SELECT set_config('kiln.trigger_changes',
    (COALESCE(NULLIF(current_setting('kiln.trigger_changes', true), ''), '0')::bigint + n)::text, true) $$;

-- SQLite's NOCASE: ASCII letters folded, everything else compared by bytes.
CREATE OR REPLACE FUNCTION kiln_sqlite.fold_ascii(v text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT translate(v, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') COLLATE "C" $$;

-- Nondeterministic collations do not support LIKE, so the translator compares under "C" there.
DO $$ BEGIN
  CREATE COLLATION kiln_sqlite.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
`;

export const SQLITE_FUNCTIONS_SQL = [core, DATETIME_FUNCTIONS, JSON_FUNCTIONS].join('\n');
