import migration from '../../migrations/0001_create_todos.sql?raw';

let ready: Promise<unknown> | undefined;

/**
 * The database, with its tables created on first use in each Worker instance. The migration only
 * has `CREATE ... IF NOT EXISTS` statements, so running it again is harmless.
 */
export async function database(db: D1Database): Promise<D1Database> {
  ready ??= db
    .batch(
      migration
        .replace(/--.*$/gm, '')
        .split(';')
        .map((sql) => sql.trim())
        .filter(Boolean)
        .map((sql) => db.prepare(sql)),
    )
    .catch((err: unknown) => {
      ready = undefined;
      throw err;
    });
  await ready;
  return db;
}
