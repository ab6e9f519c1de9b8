import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readBounded } from './kv-body.js';
import { KvHttpError, toReasonPhrase } from './kv-errors.js';

describe('reason phrases', () => {
  it('are printable ASCII and at most 512 characters', () => {
    assert.equal(toReasonPhrase('Invalid expiration_ttl of é\r\n.'), 'Invalid expiration_ttl of ???.');
    assert.equal(toReasonPhrase('x'.repeat(600)).length, 512);
    assert.deepEqual(new KvHttpError(404, 'Not Found').toResponse(), {
      status: 404,
      statusText: 'Not Found',
      body: 'Not Found',
    });
  });
});

describe('readBounded', () => {
  it('collects a body up to the limit', async () => {
    assert.deepEqual(await readBounded(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4), {
      ok: true,
      data: Buffer.from('abcd'),
    });
    assert.deepEqual(await readBounded(Readable.from([]), 4), { ok: true, data: Buffer.alloc(0) });
  });

  it('answers at the first chunk past the limit, then drains the rest unbuffered', async () => {
    let pulled = 0;
    const body = new Readable({
      highWaterMark: 1,
      read() {
        pulled += 1;
        this.push(pulled <= 100 ? Buffer.alloc(10) : null);
      },
    });
    const ended = once(body, 'end');
    const result = await readBounded(body, 25);
    // Counted up to the first chunk over the limit, not the 1000 bytes the source holds.
    assert.deepEqual(result, { ok: false, received: 30 });
    // Not destroyed (that would reset the client's socket before it sees the 413): drained to the end.
    await ended;
    assert.equal(pulled, 101);
  });

  it('turns a broken body into a KvHttpError', async () => {
    const body = new Readable({ read() {} });
    const pending = readBounded(body, 10);
    body.destroy(new Error('socket hang up'));
    await assert.rejects(pending, KvHttpError);
  });
});
