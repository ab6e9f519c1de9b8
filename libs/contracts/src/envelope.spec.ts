import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ZEnvelope, fail, ok } from './envelope.js';
import { ZReadiness } from './health.js';

describe('envelope', () => {
  const schema = ZEnvelope(z.object({ n: z.number() }));

  it('accepts a success with data and a null error', () => {
    assert.deepEqual(schema.parse(ok({ n: 1 })), { success: true, data: { n: 1 }, error: null });
  });

  it('accepts a failure with a known code', () => {
    const parsed = schema.parse(fail({ code: 'NOT_FOUND', message: 'no app abc' }));
    assert.equal(parsed.success, false);
  });

  it('rejects a success that also carries an error', () => {
    const bad = { success: true, data: { n: 1 }, error: { code: 'INTERNAL', message: 'x' } };
    assert.equal(schema.safeParse(bad).success, false);
  });

  it('rejects an unknown error code', () => {
    const bad = { success: false, data: null, error: { code: 'OOPS', message: 'x' } };
    assert.equal(schema.safeParse(bad).success, false);
  });

  it('readiness requires a status per check', () => {
    assert.equal(ZReadiness.safeParse({ status: 'ok', checks: { postgres: { latencyMs: 1 } } }).success, false);
  });
});
