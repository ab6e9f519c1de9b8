/**
 * SQLite's JSON1 functions. Two result conventions, chosen so the service can give back SQLite's
 * value types: functions that return JSON text (json, json_object, `->`...) return Postgres `json`
 * minified as SQLite prints it (no spaces, key order kept); functions that return an SQL value
 * (json_extract, `->>`) return a `jsonb` scalar, with objects/arrays wrapped as a jsonb *string*
 * holding their JSON text, because SQLite returns those as text.
 */
export const JSON_FUNCTIONS = String.raw`
CREATE OR REPLACE FUNCTION kiln_sqlite.json_min(j json) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE s text := j::text; out text := ''; i int := 1; n int; c text; in_str boolean := false; esc boolean := false; start int := 1;
BEGIN
  IF j IS NULL THEN RETURN NULL; END IF;
  IF s !~ '\s' THEN RETURN j; END IF;
  n := char_length(s);
  WHILE i <= n LOOP
    c := substr(s, i, 1);
    IF in_str THEN
      IF esc THEN esc := false; ELSIF c = '\' THEN esc := true; ELSIF c = '"' THEN in_str := false; END IF;
    ELSIF c = '"' THEN in_str := true;
    ELSIF c IN (' ', E'\n', E'\t', E'\r') THEN
      out := out || substr(s, start, i - start); start := i + 1;
    END IF;
    i := i + 1;
  END LOOP;
  RETURN (out || substr(s, start))::json;
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.json_parse(v text) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF v IS NULL THEN RETURN NULL; END IF;
  RETURN v::json;
EXCEPTION WHEN others THEN RAISE EXCEPTION 'malformed JSON' USING ERRCODE = '22032';
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.json(v text) RETURNS json LANGUAGE sql IMMUTABLE AS $$
  SELECT kiln_sqlite.json_min(kiln_sqlite.json_parse(v)) $$;

-- '$.a.b[2]', '$[#-1]', '$."a b"' to a Postgres path array.
CREATE OR REPLACE FUNCTION kiln_sqlite.json_path(p text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE out text[] := '{}'; rest text; m text[];
BEGIN
  IF p IS NULL OR left(p, 1) <> '$' THEN RAISE EXCEPTION 'bad JSON path: %', p USING ERRCODE = '22032'; END IF;
  rest := substr(p, 2);
  WHILE rest <> '' LOOP
    m := regexp_match(rest, '^\.(?:"([^"]*)"|([^.\[]+))');
    IF m IS NOT NULL THEN
      out := out || COALESCE(m[1], m[2]);
      rest := substr(rest, char_length(substring(rest from '^\.(?:"[^"]*"|[^.\[]+)')) + 1);
      CONTINUE;
    END IF;
    m := regexp_match(rest, '^\[(#-)?([0-9]+)\]');
    IF m IS NOT NULL THEN
      out := out || CASE WHEN m[1] IS NOT NULL THEN '-' || m[2] ELSE m[2] END;
      rest := substr(rest, char_length(substring(rest from '^\[(?:#-)?[0-9]+\]')) + 1);
      CONTINUE;
    END IF;
    RAISE EXCEPTION 'bad JSON path: %', p USING ERRCODE = '22032';
  END LOOP;
  RETURN out;
END $$;

-- SQLite's -> and ->> also take a bare key or an array index instead of a path.
CREATE OR REPLACE FUNCTION kiln_sqlite.json_arrow_path(p text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN left(p, 1) = '$' THEN kiln_sqlite.json_path(p) ELSE ARRAY[p] END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.json_sql_value(v json) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE json_typeof(v)
    WHEN 'object' THEN to_jsonb(kiln_sqlite.json_min(v)::text)
    WHEN 'array' THEN to_jsonb(kiln_sqlite.json_min(v)::text)
    WHEN 'boolean' THEN CASE WHEN v::text = 'true' THEN '1'::jsonb ELSE '0'::jsonb END
    WHEN 'null' THEN NULL
    ELSE v::jsonb END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.json_extract(j text, VARIADIC paths text[]) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE doc json := kiln_sqlite.json_parse(j); parts json[] := '{}'; p text;
BEGIN
  IF doc IS NULL THEN RETURN NULL; END IF;
  IF array_length(paths, 1) = 1 THEN RETURN kiln_sqlite.json_sql_value(doc #> kiln_sqlite.json_path(paths[1])); END IF;
  FOREACH p IN ARRAY paths LOOP parts := parts || COALESCE(doc #> kiln_sqlite.json_path(p), 'null'::json); END LOOP;
  RETURN to_jsonb(kiln_sqlite.json_min(array_to_json(parts))::text);
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.json_arrow(j text, p text) RETURNS json LANGUAGE sql IMMUTABLE AS $$
  SELECT kiln_sqlite.json_min(kiln_sqlite.json_parse(j) #> kiln_sqlite.json_arrow_path(p)) $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.json_arrow2(j text, p text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT kiln_sqlite.json_sql_value(kiln_sqlite.json_parse(j) #> kiln_sqlite.json_arrow_path(p)) $$;

-- Comparing an extracted value: as a number when the other side is numeric, else as text.
CREATE OR REPLACE FUNCTION kiln_sqlite.jnum(v jsonb) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(v) WHEN 'number' THEN (v #>> '{}')::float8 ELSE kiln_sqlite.num_prefix(v #>> '{}') END $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.jtext(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT v #>> '{}' $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.json_type(j text, p text DEFAULT '$') RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE json_typeof(v)
    WHEN 'object' THEN 'object' WHEN 'array' THEN 'array' WHEN 'string' THEN 'text' WHEN 'null' THEN 'null'
    WHEN 'boolean' THEN v::text
    WHEN 'number' THEN CASE WHEN v::text ~ '^-?[0-9]+$' THEN 'integer' ELSE 'real' END END
  FROM (SELECT kiln_sqlite.json_parse(j) #> kiln_sqlite.json_path(p) AS v) s $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.json_array_length(j text, p text DEFAULT '$') RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL THEN NULL WHEN json_typeof(v) = 'array' THEN json_array_length(v)::bigint ELSE 0 END
  FROM (SELECT kiln_sqlite.json_parse(j) #> kiln_sqlite.json_path(p) AS v) s $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.json_valid(j text) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF j IS NULL THEN RETURN NULL; END IF;
  PERFORM j::json; RETURN 1;
EXCEPTION WHEN others THEN RETURN 0;
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.json_quote(v anyelement) RETURNS json LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(to_json(v), 'null'::json) $$;

-- json_set & co. go through jsonb, so objects they rebuild come back with Postgres' key order.
CREATE OR REPLACE FUNCTION kiln_sqlite.json_edit(mode text, j text, VARIADIC kv text[]) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE doc jsonb := kiln_sqlite.json_parse(j)::jsonb; i int := 1; p text[]; v jsonb; present boolean;
BEGIN
  IF doc IS NULL THEN RETURN NULL; END IF;
  WHILE i <= COALESCE(array_length(kv, 1), 0) LOOP
    p := kiln_sqlite.json_path(kv[i]);
    IF mode = 'remove' THEN doc := doc #- p; i := i + 1; CONTINUE; END IF;
    v := kv[i + 1]::jsonb;
    present := doc #> p IS NOT NULL;
    IF mode = 'set' OR (mode = 'insert' AND NOT present) OR (mode = 'replace' AND present) THEN
      doc := jsonb_set(doc, p, v, true);
    END IF;
    i := i + 2;
  END LOOP;
  RETURN kiln_sqlite.json_min(doc::json);
END $$;
`;
