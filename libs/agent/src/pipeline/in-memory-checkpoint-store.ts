import { AgentError } from '../errors.js';
import type { Checkpoint, CheckpointStore } from './ports.js';

/**
 * Checkpoints in process memory, for the one-machine mode and for tests. States are stored as
 * JSON text so that anything not serializable fails here, as it would in Postgres.
 */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly rows = new Map<string, { revision: number; json: string }>();

  load(sessionId: string): Promise<Checkpoint | undefined> {
    const row = this.rows.get(sessionId);
    return Promise.resolve(row ? { revision: row.revision, state: JSON.parse(row.json) as unknown } : undefined);
  }

  save(sessionId: string, state: unknown, expectedRevision: number): Promise<{ revision: number }> {
    const current = this.rows.get(sessionId)?.revision ?? 0;
    if (current !== expectedRevision) {
      return Promise.reject(
        new AgentError(
          'CHECKPOINT_CONFLICT',
          `session ${sessionId} is at revision ${current}, not ${expectedRevision}: another owner wrote it`,
        ),
      );
    }
    const revision = current + 1;
    this.rows.set(sessionId, { revision, json: JSON.stringify(state) });
    return Promise.resolve({ revision });
  }

  /** Every saved revision is kept only as the latest; this tells how many saves there were. */
  revisionOf(sessionId: string): number {
    return this.rows.get(sessionId)?.revision ?? 0;
  }
}
