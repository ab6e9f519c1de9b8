import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FailedRequests, errorsInLog, reloadOutcome } from './runtime-errors.js';

describe('runtime errors', () => {
  it('picks app errors and warnings and runtime errors out of the runtime log, nothing else', () => {
    const log = [
      '{"level":30,"time":0,"msg":"app x serving on http://127.0.0.1:8788/"}',
      '{"level":50,"time":1000,"source":"app","appLevel":"error","msg":"could not load 42"}',
      '{"level":40,"time":2000,"source":"app","appLevel":"warn","msg":"slow"}',
      '{"level":30,"time":2500,"source":"app","appLevel":"log","msg":"plain"}',
      '{"level":50,"time":3000,"err":{"message":"Unexpected end of input"},"msg":"reload failed; the previous version keeps serving"}',
      'not json at all',
      '{"level":50,"time":',
    ].join('\n');
    assert.deepEqual(errorsInLog(log), [
      { kind: 'console', level: 'error', message: 'could not load 42', time: '1970-01-01T00:00:01.000Z' },
      { kind: 'console', level: 'warn', message: 'slow', time: '1970-01-01T00:00:02.000Z' },
      {
        kind: 'runtime',
        level: 'error',
        message: 'reload failed; the previous version keeps serving: Unexpected end of input',
        time: '1970-01-01T00:00:03.000Z',
      },
    ]);
  });

  it('keeps the last 50 failed requests of an instance, with the start of their body', () => {
    const failures = new FailedRequests();
    for (let i = 0; i < 60; i++) failures.record('a', { method: 'GET', path: `/${i}`, status: 500 }, 'x'.repeat(5000));
    const kept = failures.of('a');
    assert.equal(kept.length, 50);
    assert.equal(kept[0]?.request?.path, '/10');
    assert.equal(kept[0]?.message.length, 2048);
    assert.deepEqual(failures.of('b'), []);
  });

  it('finds the end of the reload that read the token, not one that started before it', () => {
    const line = (msg: string, extra: object = {}) => JSON.stringify({ level: 30, time: 1, msg, ...extra });
    const log = [
      line('reload started', { cause: 'signal', token: 'old' }),
      line('worker reloaded', { cause: 'signal', token: 'old' }),
      line('worker reloaded', { cause: 'watch' }),
      line('reload started', { cause: 'signal', token: 'mine' }),
    ].join('\n');
    assert.equal(reloadOutcome(log, 'mine'), undefined);
    assert.deepEqual(reloadOutcome(`${log}\n${line('worker reloaded', { cause: 'signal', token: 'mine' })}`, 'mine'), {
      reloaded: true,
      error: null,
    });
    const failed = JSON.stringify({
      level: 50,
      time: 2,
      cause: 'signal',
      token: 'mine',
      err: { message: 'Unexpected end of input' },
      msg: 'reload failed; the previous version keeps serving',
    });
    assert.deepEqual(reloadOutcome(`${log}\n${failed}`, 'mine'), {
      reloaded: false,
      error: 'reload failed; the previous version keeps serving: Unexpected end of input',
    });
  });
});
