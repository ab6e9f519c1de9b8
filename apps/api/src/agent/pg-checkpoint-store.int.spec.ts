import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentError } from '@kiln/agent';
import { createTestDatabase, type TestDatabase } from '@kiln/devtools/testing';
import { DataSource } from 'typeorm';
import { migrations } from '../migrations/index.js';
import { PgCheckpointStore } from './pg-checkpoint-store.js';

describe('agent session checkpoints in Postgres', () => {
  let db: TestDatabase;
  let source: DataSource;
  let store: PgCheckpointStore;

  before(async () => {
    db = await createTestDatabase();
    source = new DataSource({ type: 'postgres', url: db.url, migrations });
    await source.initialize();
    await source.runMigrations();
    store = new PgCheckpointStore(source);
  });
  after(async () => {
    await source?.destroy();
    await db?.drop();
  });

  it('saves revisions 1, 2, … and loads the last one', async () => {
    assert.equal(await store.load('s1'), undefined);
    assert.deepEqual(await store.save('s1', { step: 'blueprint' }, 0), { revision: 1 });
    assert.deepEqual(await store.save('s1', { step: 'phase-1', files: { 'a.ts': 'x' } }, 1), { revision: 2 });
    assert.deepEqual(await store.load('s1'), { revision: 2, state: { step: 'phase-1', files: { 'a.ts': 'x' } } });
  });

  it('a save from a stale revision is refused and changes nothing', async () => {
    await store.save('s2', { owner: 'a' }, 0);
    await store.save('s2', { owner: 'a', n: 2 }, 1);
    await assert.rejects(
      () => store.save('s2', { owner: 'b' }, 1),
      (err: unknown) =>
        err instanceof AgentError && err.code === 'CHECKPOINT_CONFLICT' && /revision 2, not 1/.test(err.message),
    );
    await assert.rejects(() => store.save('s2', { owner: 'c' }, 0), AgentError);
    assert.deepEqual(await store.load('s2'), { revision: 2, state: { owner: 'a', n: 2 } });
  });

  it('two concurrent saves from the same revision: exactly one wins', async () => {
    await store.save('s3', { v: 0 }, 0);
    const results = await Promise.allSettled([store.save('s3', { v: 'x' }, 1), store.save('s3', { v: 'y' }, 1)]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.equal((await store.load('s3'))?.revision, 2);
  });
});
