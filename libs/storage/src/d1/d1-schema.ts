import { createHash } from 'node:crypto';
import type pg from 'pg';
import { APP_ID, RESOURCE_ID, type TenantRef } from '../gateway/wire.js';
import { D1TenantError } from './d1-errors.js';
import { SQLITE_FUNCTIONS_SQL } from './sqlite-functions.sql.js';
import { MASTER_TABLE } from './translate/identifiers.js';

/** Any fixed key: serialises concurrent migrations of the function schema. */
const MIGRATION_LOCK = 0x6b1d1;

/**
 * One Postgres schema per D1 database. The name is a hash, so neither the app nor a crafted id
 * can choose or guess a schema to aim at, and it is always a valid unquoted identifier.
 */
export function schemaFor(ref: TenantRef): string {
  if (!APP_ID.test(ref.appId) && !/^[0-9a-f-]{36}$/i.test(ref.appId))
    throw new D1TenantError(`invalid app id: ${ref.appId}`);
  if (!RESOURCE_ID.test(ref.resourceId)) throw new D1TenantError(`invalid D1 database id: ${ref.resourceId}`);
  const digest = createHash('sha256').update(`${ref.appId}\0${ref.resourceId}`).digest('hex');
  return `d1_${digest.slice(0, 40)}`;
}

/** Creates or upgrades the shared `kiln_sqlite` function schema. Idempotent. */
export async function migrateD1Schema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    // Functions refer to each other; bodies are checked when called, not in definition order.
    await client.query('SET LOCAL check_function_bodies = off');
    await client.query(SQLITE_FUNCTIONS_SQL);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** The emulated sqlite_master: SQLite's columns, in creation order. */
export function createDatabaseSql(schema: string): string {
  return `CREATE SCHEMA IF NOT EXISTS ${schema};
CREATE TABLE IF NOT EXISTS ${schema}.${MASTER_TABLE} (
  type text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, tbl_name text COLLATE "C" NOT NULL,
  rootpage bigint NOT NULL DEFAULT 0, sql text COLLATE "C", kiln_rowid bigserial);`;
}
