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

-- SQLite's order for such values: NULL, then numbers, then text (byte order); 0 when equal.
CREATE OR REPLACE FUNCTION kiln_sqlite.value_rank(v jsonb) RETURNS int LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN v IS NULL OR jsonb_typeof(v) = 'null' THEN 0 WHEN jsonb_typeof(v) = 'number' THEN 1 ELSE 2 END $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.value_num(v jsonb) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(v) = 'number' THEN (v #>> '{}')::numeric END $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.value_cmp(a jsonb, b jsonb) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT CASE
    WHEN kiln_sqlite.value_rank(a) <> kiln_sqlite.value_rank(b) THEN sign(kiln_sqlite.value_rank(a) - kiln_sqlite.value_rank(b))::int
    WHEN kiln_sqlite.value_rank(a) = 1 THEN sign(kiln_sqlite.value_num(a) - kiln_sqlite.value_num(b))::int
    WHEN (a #>> '{}') COLLATE "C" < (b #>> '{}') COLLATE "C" THEN -1
    WHEN (a #>> '{}') = (b #>> '{}') THEN 0 ELSE 1 END $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.value_smaller(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL OR jsonb_typeof(a) = 'null' THEN b WHEN b IS NULL OR jsonb_typeof(b) = 'null' THEN a
    WHEN kiln_sqlite.value_cmp(b, a) < 0 THEN b ELSE a END $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.value_larger(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL OR jsonb_typeof(a) = 'null' THEN b WHEN b IS NULL OR jsonb_typeof(b) = 'null' THEN a
    WHEN kiln_sqlite.value_cmp(b, a) > 0 THEN b ELSE a END $$;
-- min()/max() of such values (Postgres has no jsonb min/max, and its jsonb order is not SQLite's).
CREATE OR REPLACE AGGREGATE kiln_sqlite.value_min(jsonb) (SFUNC = kiln_sqlite.value_smaller, STYPE = jsonb);
CREATE OR REPLACE AGGREGATE kiln_sqlite.value_max(jsonb) (SFUNC = kiln_sqlite.value_larger, STYPE = jsonb);

-- SQLite's name for a JSON value's type ('true'/'false' for booleans, 'integer'/'real' for numbers).
CREATE OR REPLACE FUNCTION kiln_sqlite.json_type_name(v json) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE json_typeof(v)
    WHEN 'object' THEN 'object' WHEN 'array' THEN 'array' WHEN 'string' THEN 'text' WHEN 'null' THEN 'null'
    WHEN 'boolean' THEN btrim(v::text, E' \t\n\r')
    WHEN 'number' THEN CASE WHEN btrim(v::text, E' \t\n\r') ~ '^-?[0-9]+$' THEN 'integer' ELSE 'real' END END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.json_type(j text, p text DEFAULT '$') RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT kiln_sqlite.json_type_name(kiln_sqlite.json_parse(j) #> kiln_sqlite.json_path(p)) $$;

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

-- json_each / json_tree. Their id column is the element's byte offset in SQLite's binary JSONB
-- form of the document (an object member's id is its label's offset), so the sizes below follow
-- that format: a 1, 2, 3, 5 or 9-byte header, then the payload (text and numbers as written,
-- containers as their elements). Postgres' json keeps each value's text as written; object keys
-- come back unescaped, so a key written with escapes shifts later ids.
CREATE OR REPLACE FUNCTION kiln_sqlite.jsonb_header(n bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN n <= 11 THEN 1 WHEN n <= 255 THEN 2 WHEN n <= 65535 THEN 3 WHEN n <= 4294967295 THEN 5 ELSE 9 END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.jsonb_label_size(k text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT kiln_sqlite.jsonb_header(n) + n FROM (SELECT octet_length(to_json(k)::text)::bigint - 2 AS n) s $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.jsonb_payload(v json) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE raw text;
BEGIN
  CASE json_typeof(v)
    WHEN 'object' THEN
      RETURN (SELECT COALESCE(sum(kiln_sqlite.jsonb_label_size(m.k) + kiln_sqlite.jsonb_size(m.e)), 0)
                FROM json_each(v) AS m(k, e));
    WHEN 'array' THEN
      RETURN (SELECT COALESCE(sum(kiln_sqlite.jsonb_size(a.e)), 0) FROM json_array_elements(v) AS a(e));
    WHEN 'string' THEN raw := btrim(v::text, E' \t\n\r'); RETURN octet_length(raw) - 2;
    WHEN 'number' THEN raw := btrim(v::text, E' \t\n\r'); RETURN octet_length(raw);
    ELSE RETURN 0;
  END CASE;
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.jsonb_size(v json) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT kiln_sqlite.jsonb_header(n) + n FROM (SELECT kiln_sqlite.jsonb_payload(v) AS n) s $$;

-- A path step as SQLite prints it in fullkey/path: .name when the key is a letter then letters
-- or digits, ."key" otherwise.
CREATE OR REPLACE FUNCTION kiln_sqlite.json_key_step(k text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN k ~ '^[A-Za-z][A-Za-z0-9]*$' THEN '.' || k ELSE '."' || k || '"' END $$;

-- The rows of one container's elements (and, for json_tree, of their descendants, depth first).
-- pos: the container's offset; parent: the id its elements report as parent (NULL for json_each).
CREATE OR REPLACE FUNCTION kiln_sqlite.json_children(node json, pos bigint, full_key text, parent_id bigint, recursive boolean)
RETURNS TABLE(o_key jsonb, o_value jsonb, o_type text, o_atom jsonb, o_id bigint, o_parent bigint, o_fullkey text, o_path text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE child_at bigint := pos + kiln_sqlite.jsonb_header(kiln_sqlite.jsonb_payload(node)); value_at bigint; m record; step text;
BEGIN
  FOR m IN
    SELECT to_jsonb(o.k) AS k, o.k AS name, o.e, o.n FROM json_each(node) WITH ORDINALITY AS o(k, e, n)
      WHERE json_typeof(node) = 'object'
    UNION ALL
    SELECT to_jsonb(a.n - 1), NULL, a.e, a.n FROM json_array_elements(node) WITH ORDINALITY AS a(e, n)
      WHERE json_typeof(node) = 'array'
    ORDER BY 4
  LOOP
    value_at := child_at + CASE WHEN m.name IS NULL THEN 0 ELSE kiln_sqlite.jsonb_label_size(m.name) END;
    step := CASE WHEN m.name IS NULL THEN '[' || (m.n - 1) || ']' ELSE kiln_sqlite.json_key_step(m.name) END;
    o_key := m.k; o_value := kiln_sqlite.json_sql_value(m.e); o_type := kiln_sqlite.json_type_name(m.e);
    o_atom := CASE WHEN o_type IN ('array', 'object') THEN NULL ELSE o_value END;
    o_id := child_at; o_parent := parent_id; o_fullkey := full_key || step; o_path := full_key;
    RETURN NEXT;
    IF recursive AND o_type IN ('array', 'object') THEN
      RETURN QUERY SELECT * FROM kiln_sqlite.json_children(m.e, value_at, full_key || step, child_at, true);
    END IF;
    child_at := value_at + kiln_sqlite.jsonb_size(m.e);
  END LOOP;
END $$;

-- json_each(j, p) (recursive false) and json_tree(j, p) (true) as a set-returning function.
CREATE OR REPLACE FUNCTION kiln_sqlite.json_table(j text, p text, recursive boolean)
RETURNS TABLE(o_key jsonb, o_value jsonb, o_type text, o_atom jsonb, o_id bigint, o_parent bigint, o_fullkey text, o_path text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE node json := kiln_sqlite.json_parse(j); steps text[] := kiln_sqlite.json_path(p); step text;
  pos bigint := 0; id bigint := 0; child_at bigint; full_key text := '$'; parent_path text := '$'; key jsonb;
  found boolean; m record; idx bigint;
BEGIN
  IF node IS NULL THEN RETURN; END IF;
  FOREACH step IN ARRAY steps LOOP
    child_at := pos + kiln_sqlite.jsonb_header(kiln_sqlite.jsonb_payload(node));
    found := false;
    IF json_typeof(node) = 'object' THEN
      FOR m IN SELECT o.k, o.e FROM json_each(node) WITH ORDINALITY AS o(k, e, n) ORDER BY o.n LOOP
        IF m.k = step THEN
          id := child_at; pos := child_at + kiln_sqlite.jsonb_label_size(m.k); node := m.e; found := true;
          parent_path := full_key; full_key := full_key || kiln_sqlite.json_key_step(m.k); key := to_jsonb(m.k);
          EXIT;
        END IF;
        child_at := child_at + kiln_sqlite.jsonb_label_size(m.k) + kiln_sqlite.jsonb_size(m.e);
      END LOOP;
    ELSIF json_typeof(node) = 'array' AND step ~ '^-?[0-9]+$' THEN
      idx := step::bigint;
      IF idx < 0 THEN idx := json_array_length(node) + idx; END IF;
      FOR m IN SELECT a.e, a.n FROM json_array_elements(node) WITH ORDINALITY AS a(e, n) ORDER BY a.n LOOP
        IF m.n - 1 = idx THEN
          id := child_at; pos := child_at; node := m.e; found := true;
          parent_path := full_key; key := to_jsonb(idx);
          full_key := full_key || CASE WHEN step LIKE '-%' THEN '[#' || step || ']' ELSE '[' || idx || ']' END;
          EXIT;
        END IF;
        child_at := child_at + kiln_sqlite.jsonb_size(m.e);
      END LOOP;
    END IF;
    IF NOT found THEN RETURN; END IF;
  END LOOP;
  o_type := kiln_sqlite.json_type_name(node);
  IF recursive OR o_type NOT IN ('array', 'object') THEN
    -- The element itself: json_tree's first row, or json_each of a scalar (no key, path = fullkey).
    o_key := CASE WHEN recursive THEN key END; o_value := kiln_sqlite.json_sql_value(node);
    o_atom := CASE WHEN o_type IN ('array', 'object') THEN NULL ELSE o_value END;
    o_id := id; o_parent := NULL; o_fullkey := full_key; o_path := CASE WHEN recursive THEN parent_path ELSE full_key END;
    RETURN NEXT;
  END IF;
  IF o_type IN ('array', 'object') THEN
    RETURN QUERY SELECT * FROM kiln_sqlite.json_children(node, pos, full_key, CASE WHEN recursive THEN id END, recursive);
  END IF;
END $$;
`;
