import { AgentError, type Checkpoint, type CheckpointStore } from '@kiln/agent';
import type { DataSource } from 'typeorm';

/**
 * Agent session checkpoints in Postgres (`agent_session`). `save` is one statement that only
 * writes when the stored revision is the expected one, so two processes that both believe they own
 * a session cannot overwrite each other: the second one gets CHECKPOINT_CONFLICT.
 */
export class PgCheckpointStore implements CheckpointStore {
  constructor(private readonly db: DataSource) {}

  async load(sessionId: string): Promise<Checkpoint | undefined> {
    const rows: { revision: number; state: unknown }[] = await this.db.query(
      'SELECT "revision", "state" FROM "agent_session" WHERE "id" = $1',
      [sessionId],
    );
    const row = rows[0];
    return row ? { revision: row.revision, state: row.state } : undefined;
  }

  async save(sessionId: string, state: unknown, expectedRevision: number): Promise<{ revision: number }> {
    const json = JSON.stringify(state);
    const rows: { revision: number }[] =
      expectedRevision === 0
        ? await this.db.query(
            `INSERT INTO "agent_session" ("id", "revision", "state") VALUES ($1, 1, $2::jsonb)
             ON CONFLICT ("id") DO NOTHING RETURNING "revision"`,
            [sessionId, json],
          )
        : // In a CTE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with its rows.
          await this.db.query(
            `WITH saved AS (
               UPDATE "agent_session" SET "revision" = "revision" + 1, "state" = $2::jsonb, "updated_at" = now()
               WHERE "id" = $1 AND "revision" = $3 RETURNING "revision")
             SELECT "revision" FROM saved`,
            [sessionId, json, expectedRevision],
          );
    const saved = rows[0];
    if (!saved) {
      const current = await this.load(sessionId);
      throw new AgentError(
        'CHECKPOINT_CONFLICT',
        `session ${sessionId} is at revision ${current?.revision ?? 0}, not ${expectedRevision}: another process owns it`,
      );
    }
    return { revision: saved.revision };
  }
}
