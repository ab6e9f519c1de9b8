import { AgentError, type Checkpoint, type CheckpointStore } from '@kiln/agent';
import type { DataSource } from 'typeorm';

export interface TSessionListItem {
  sessionId: string;
  appId: string | null;
  mode: 'phasic' | 'agentic';
  status: string;
  /** The blueprint's title; null before the plan (and in agentic mode). */
  title: string | null;
  query: string;
  updatedAt: string;
}

export interface SessionOwnerRecord {
  appId: string;
  userId: string;
  mode: 'phasic' | 'agentic';
  /** The preview the session last deployed to (it may be gone). */
  previewInstanceId?: string;
}

/**
 * Agent session checkpoints in Postgres (`agent_session`). `save` is one statement that only
 * writes when the stored revision is the expected one, so two processes that both believe they own
 * a session cannot overwrite each other: the second one gets CHECKPOINT_CONFLICT.
 */
export class PgCheckpointStore implements CheckpointStore {
  constructor(
    private readonly db: DataSource,
    /** Stored with the first save: what another API process needs to take the session over. */
    private readonly owner?: SessionOwnerRecord,
  ) {}

  /** The most recently active sessions, newest first (what a client lists to go back to one). */
  static async recent(db: DataSource, limit: number): Promise<TSessionListItem[]> {
    const rows: {
      id: string;
      app_id: string | null;
      mode: string;
      status: string | null;
      title: string | null;
      query: string | null;
      updated_at: Date;
    }[] = await db.query(
      `SELECT "id", "app_id", "mode", "state"->>'status' AS "status", "state"->'blueprint'->>'title' AS "title",
              "state"->>'query' AS "query", "updated_at"
       FROM "agent_session" ORDER BY "updated_at" DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      sessionId: r.id,
      appId: r.app_id,
      mode: r.mode === 'agentic' ? 'agentic' : 'phasic',
      status: r.status ?? 'new',
      title: r.title,
      query: r.query ?? '',
      updatedAt: r.updated_at.toISOString(),
    }));
  }

  /** The owner record of a session, if it has one. */
  static async owner(db: DataSource, sessionId: string): Promise<SessionOwnerRecord | undefined> {
    const rows: { app_id: string | null; user_id: string | null; mode: string; preview: string | null }[] =
      await db.query(
        `SELECT "app_id", "user_id", "mode", "state"->'preview'->>'instanceId' AS "preview"
         FROM "agent_session" WHERE "id" = $1`,
        [sessionId],
      );
    const row = rows[0];
    if (!row?.app_id || !row.user_id) return undefined;
    return {
      appId: row.app_id,
      userId: row.user_id,
      mode: row.mode === 'agentic' ? 'agentic' : 'phasic',
      ...(row.preview ? { previewInstanceId: row.preview } : {}),
    };
  }

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
            `INSERT INTO "agent_session" ("id", "revision", "state", "app_id", "user_id", "mode")
             VALUES ($1, 1, $2::jsonb, $3, $4, $5)
             ON CONFLICT ("id") DO NOTHING RETURNING "revision"`,
            [sessionId, json, this.owner?.appId ?? null, this.owner?.userId ?? null, this.owner?.mode ?? 'phasic'],
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
