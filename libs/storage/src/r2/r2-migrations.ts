import type pg from 'pg';

export const R2_SCHEMA = 'kiln_r2';

/** Any fixed bigint works; this one is "kilnr2" in ASCII, unlikely to collide with other locks. */
const MIGRATION_LOCK = 0x6b696c6e7232;

interface Migration {
  id: number;
  name: string;
  sql: string;
}

/**
 * Append-only: never edit an applied migration, add a new one.
 *
 * Choices in 1:
 * - `key` is bytea (the UTF-8 bytes): R2 lists in UTF-8 byte order, bytea compares bytewise under
 *   any database collation, and a key may contain U+0000, which Postgres text cannot hold.
 * - http_fields / custom_fields are `json`, not `jsonb`: jsonb refuses "\u0000" in strings and
 *   reorders object keys, while a Worker may store either and sees customMetadata in insertion
 *   order.
 * - An object has `blob_key` (one blob) or `part_blobs` (a completed multipart upload keeps its
 *   part blobs: concatenating up to 5 GiB on complete would cost a full copy).
 */
const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'objects-uploads-parts',
    sql: `
      CREATE TABLE ${R2_SCHEMA}.objects (
        app_id        text   NOT NULL,
        bucket        text   NOT NULL,
        key           bytea  NOT NULL,
        version       text   NOT NULL,
        size          bigint NOT NULL,
        etag          text   NOT NULL,
        uploaded      bigint NOT NULL,
        http_fields   json   NOT NULL,
        custom_fields json   NOT NULL,
        checksums     jsonb  NOT NULL,
        storage_class text   NOT NULL,
        blob_key      text,
        part_blobs    jsonb,
        PRIMARY KEY (app_id, bucket, key),
        CHECK ((blob_key IS NULL) <> (part_blobs IS NULL))
      );
      CREATE TABLE ${R2_SCHEMA}.uploads (
        app_id        text     NOT NULL,
        bucket        text     NOT NULL,
        upload_id     text     NOT NULL,
        key           bytea    NOT NULL,
        http_fields   json     NOT NULL,
        custom_fields json     NOT NULL,
        storage_class text     NOT NULL,
        state         smallint NOT NULL DEFAULT 0, -- 0 in progress, 1 completed, 2 aborted
        created       bigint   NOT NULL,
        PRIMARY KEY (app_id, bucket, upload_id)
      );
      CREATE TABLE ${R2_SCHEMA}.parts (
        app_id      text    NOT NULL,
        bucket      text    NOT NULL,
        upload_id   text    NOT NULL,
        part_number integer NOT NULL,
        blob_key    text    NOT NULL,
        size        bigint  NOT NULL,
        etag        text    NOT NULL,
        md5         text    NOT NULL,
        PRIMARY KEY (app_id, bucket, upload_id, part_number),
        FOREIGN KEY (app_id, bucket, upload_id) REFERENCES ${R2_SCHEMA}.uploads ON DELETE CASCADE
      );
    `,
  },
];

/**
 * Creates or upgrades the R2 metadata schema. Safe to call from every gateway at start-up: a
 * session advisory lock serialises concurrent callers, and each migration commits together with
 * its row in `migrations`.
 */
export async function migrateR2Schema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${R2_SCHEMA}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${R2_SCHEMA}.migrations (
           id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ id: number }>(`SELECT id FROM ${R2_SCHEMA}.migrations`);
      const applied = new Set(rows.map((r) => r.id));
      for (const m of MIGRATIONS) {
        if (applied.has(m.id)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query(`INSERT INTO ${R2_SCHEMA}.migrations (id, name) VALUES ($1, $2)`, [m.id, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch((err: Error) => {
        broken = err;
      });
    }
  } finally {
    // A connection whose unlock failed may still hold the lock: destroy it rather than pool it.
    client.release(broken);
  }
}
