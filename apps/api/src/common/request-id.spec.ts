import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestId } from './request-id.js';

function call(header: string | undefined): { id: string; echoed: unknown } {
  let echoed: unknown;
  const req = { headers: header === undefined ? {} : { 'x-request-id': header } } as IncomingMessage;
  const res = { setHeader: (_: string, v: unknown) => (echoed = v) } as unknown as ServerResponse;
  return { id: requestId(req, res), echoed };
}

describe('requestId', () => {
  it('keeps a safe caller id and echoes it', () => {
    assert.deepEqual(call('abc-123'), { id: 'abc-123', echoed: 'abc-123' });
  });

  it('replaces ids that would inject into logs', () => {
    const { id } = call('x\ninjected');
    assert.match(id, /^[0-9a-f-]{36}$/);
  });

  it('makes one when none is given', () => {
    assert.match(call(undefined).id, /^[0-9a-f-]{36}$/);
  });
});
