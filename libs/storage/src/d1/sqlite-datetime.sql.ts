/**
 * SQLite's date and time functions over a `timestamp` (UTC, microseconds). Every argument arrives
 * as text (the translator casts), the first being the time value and the rest modifiers, as in
 * SQLite. Invalid input gives NULL rather than an error, which is what SQLite does.
 */
export const DATETIME_FUNCTIONS = String.raw`
CREATE OR REPLACE FUNCTION kiln_sqlite.dt_value(v text, numeric_as text) RETURNS timestamp LANGUAGE plpgsql STABLE AS $$
DECLARE m text[]; s text := btrim(v); base timestamp; tz interval;
BEGIN
  IF v IS NULL THEN RETURN NULL; END IF;
  IF lower(s) = 'now' THEN RETURN kiln_sqlite.now_ts(); END IF;
  IF s ~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)$' THEN
    IF numeric_as = 'unixepoch' OR (numeric_as = 'auto' AND s::float8 NOT BETWEEN 0 AND 5373484.5) THEN
      RETURN to_timestamp(s::float8) AT TIME ZONE 'UTC';
    END IF;
    RETURN to_timestamp((s::float8 - 2440587.5) * 86400) AT TIME ZONE 'UTC';
  END IF;
  m := regexp_match(s, '^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2}(?:\.[0-9]+)?))?)?\s*(Z|[-+][0-9]{2}:?[0-9]{2})?$', 'i');
  IF m IS NOT NULL THEN
    IF m[2]::int NOT BETWEEN 1 AND 12 OR m[3]::int NOT BETWEEN 1 AND 31 OR COALESCE(m[4], '0')::int > 24 OR COALESCE(m[5], '0')::int > 59 THEN
      RETURN NULL;
    END IF;
    base := make_timestamp(m[1]::int, m[2]::int, 1, COALESCE(m[4], '0')::int, COALESCE(m[5], '0')::int, COALESCE(m[6], '0')::float8)
            + (m[3]::int - 1) * interval '1 day';
    IF m[7] IS NOT NULL AND upper(m[7]) <> 'Z' THEN
      tz := make_interval(hours => substr(m[7], 2, 2)::int, mins => right(m[7], 2)::int);
      IF left(m[7], 1) = '+' THEN base := base - tz; ELSE base := base + tz; END IF;
    END IF;
    RETURN base;
  END IF;
  m := regexp_match(s, '^([0-9]{2}):([0-9]{2})(?::([0-9]{2}(?:\.[0-9]+)?))?$');
  IF m IS NOT NULL THEN
    RETURN make_timestamp(2000, 1, 1, m[1]::int, m[2]::int, COALESCE(m[3], '0')::float8);
  END IF;
  RETURN NULL;
EXCEPTION WHEN others THEN RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.dt(args text[]) RETURNS timestamp LANGUAGE plpgsql STABLE AS $$
DECLARE t timestamp; i int; md text; m text[]; n float8; unit text; numeric_as text := 'julian'; wd int;
BEGIN
  IF array_length(args, 1) IS NULL THEN RETURN kiln_sqlite.now_ts(); END IF;
  FOR i IN 2 .. COALESCE(array_length(args, 1), 1) LOOP
    IF lower(btrim(args[i])) IN ('unixepoch', 'auto') THEN numeric_as := lower(btrim(args[i])); END IF;
  END LOOP;
  t := kiln_sqlite.dt_value(args[1], numeric_as);
  FOR i IN 2 .. COALESCE(array_length(args, 1), 1) LOOP
    EXIT WHEN t IS NULL;
    md := lower(btrim(args[i]));
    IF md IS NULL THEN RETURN NULL; END IF;
    IF md IN ('unixepoch', 'auto', 'utc', 'localtime', 'subsec', 'subsecond') THEN CONTINUE; END IF;
    IF md = 'start of day' THEN t := date_trunc('day', t);
    ELSIF md = 'start of month' THEN t := date_trunc('month', t);
    ELSIF md = 'start of year' THEN t := date_trunc('year', t);
    ELSIF md ~ '^weekday [0-6]$' THEN
      wd := right(md, 1)::int;
      t := t + ((wd - extract(dow from t)::int + 7) % 7) * interval '1 day';
    ELSE
      m := regexp_match(md, '^([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))\s*(second|minute|hour|day|month|year)s?$');
      IF m IS NULL THEN RETURN NULL; END IF;
      n := m[1]::float8; unit := m[2];
      IF unit = 'month' THEN t := t + make_interval(months => trunc(n)::int);
      ELSIF unit = 'year' THEN t := t + make_interval(years => trunc(n)::int);
      ELSE t := t + n * ('1 ' || unit)::interval;
      END IF;
    END IF;
  END LOOP;
  RETURN t;
END $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.has_subsec(args text[]) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT EXISTS (SELECT 1 FROM unnest(args[2:]) a WHERE lower(btrim(a)) IN ('subsec', 'subsecond')) $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.datetime(VARIADIC args text[]) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t, CASE WHEN kiln_sqlite.has_subsec(args) THEN 'YYYY-MM-DD HH24:MI:SS.MS' ELSE 'YYYY-MM-DD HH24:MI:SS' END)
  FROM kiln_sqlite.dt(args) t $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.date(VARIADIC args text[]) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(kiln_sqlite.dt(args), 'YYYY-MM-DD') $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.time(VARIADIC args text[]) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT to_char(t, CASE WHEN kiln_sqlite.has_subsec(args) THEN 'HH24:MI:SS.MS' ELSE 'HH24:MI:SS' END)
  FROM kiln_sqlite.dt(args) t $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.julianday(VARIADIC args text[]) RETURNS float8 LANGUAGE sql STABLE AS $$
  SELECT extract(epoch from kiln_sqlite.dt(args))::float8 / 86400 + 2440587.5 $$;
CREATE OR REPLACE FUNCTION kiln_sqlite.unixepoch(VARIADIC args text[]) RETURNS numeric LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN kiln_sqlite.has_subsec(args) THEN round(extract(epoch from t), 3)
              ELSE floor(extract(epoch from t)) END
  FROM kiln_sqlite.dt(args) t $$;

CREATE OR REPLACE FUNCTION kiln_sqlite.strftime(fmt text, VARIADIC args text[]) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE t timestamp := kiln_sqlite.dt(args); out text := ''; i int := 1; c text; n int := char_length(fmt);
BEGIN
  IF t IS NULL OR fmt IS NULL THEN RETURN NULL; END IF;
  WHILE i <= n LOOP
    c := substr(fmt, i, 1);
    IF c = '%' AND i < n THEN
      i := i + 1; c := substr(fmt, i, 1);
      out := out || CASE c
        WHEN 'Y' THEN to_char(t, 'YYYY') WHEN 'm' THEN to_char(t, 'MM') WHEN 'd' THEN to_char(t, 'DD')
        WHEN 'H' THEN to_char(t, 'HH24') WHEN 'M' THEN to_char(t, 'MI') WHEN 'S' THEN to_char(t, 'SS')
        WHEN 'f' THEN to_char(t, 'SS.MS') WHEN 'j' THEN to_char(t, 'DDD')
        WHEN 's' THEN floor(extract(epoch from t))::bigint::text
        WHEN 'J' THEN (extract(epoch from t)::float8 / 86400 + 2440587.5)::text
        WHEN 'w' THEN extract(dow from t)::int::text
        WHEN 'u' THEN extract(isodow from t)::int::text
        WHEN 'W' THEN lpad(((extract(doy from t)::int + 6 - ((extract(dow from t)::int + 6) % 7)) / 7)::text, 2, '0')
        WHEN 'e' THEN lpad(extract(day from t)::int::text, 2) WHEN 'k' THEN lpad(extract(hour from t)::int::text, 2)
        WHEN 'I' THEN to_char(t, 'HH12') WHEN 'p' THEN to_char(t, 'AM') WHEN 'P' THEN lower(to_char(t, 'AM'))
        WHEN 'F' THEN to_char(t, 'YYYY-MM-DD') WHEN 'T' THEN to_char(t, 'HH24:MI:SS') WHEN 'R' THEN to_char(t, 'HH24:MI')
        WHEN '%' THEN '%' ELSE NULL END;
      IF out IS NULL THEN RETURN NULL; END IF;
    ELSE out := out || c;
    END IF;
    i := i + 1;
  END LOOP;
  RETURN out;
END $$;
`;
