import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCursor, encodeCursor, listRange, listResponseBody, type KvListEntry } from './kv-list.js';

const entry = (key: string, expiration?: number, metadata?: string): KvListEntry => ({
  key: Buffer.from(key),
  expiration,
  metadata,
});

describe('list cursor', () => {
  it('is base64 of the last key, like Miniflare (so its cursors work here too)', () => {
    assert.equal(encodeCursor(Buffer.from('c')), 'Yw==');
    assert.equal(decodeCursor('Yw==').toString(), 'c');
    assert.equal(decodeCursor(encodeCursor(Buffer.from('é😀\u0000'))).toString(), 'é😀\u0000');
  });

  it('treats garbage as an (empty) key instead of failing', () => {
    assert.equal(decodeCursor('!!!').length, 0);
  });
});

describe('listRange', () => {
  it('covers everything without prefix or cursor', () => {
    assert.deepEqual(listRange('', undefined), { min: Buffer.from('-'), max: Buffer.from('+') });
  });

  it('bounds a prefix by prefix + 0xFF, which no UTF-8 key contains', () => {
    const { min, max } = listRange('ab', undefined);
    assert.deepEqual(min, Buffer.from('[ab'));
    assert.deepEqual(max, Buffer.concat([Buffer.from('(ab'), Buffer.from([0xff])]));
  });

  it('starts strictly after the cursor key', () => {
    assert.deepEqual(listRange('', encodeCursor(Buffer.from('k5'))).min, Buffer.from('(k5'));
    assert.deepEqual(listRange('k', encodeCursor(Buffer.from('k5'))).min, Buffer.from('(k5'));
  });

  it('ignores a cursor that sorts before the prefix, and an empty one', () => {
    assert.deepEqual(listRange('m', encodeCursor(Buffer.from('a'))).min, Buffer.from('[m'));
    assert.deepEqual(listRange('', '').min, Buffer.from('-'));
  });
});

describe('listResponseBody', () => {
  it('marks the listing complete without a cursor when no extra key was found', () => {
    const body = JSON.parse(listResponseBody([entry('a'), entry('b')], 2)) as Record<string, unknown>;
    assert.deepEqual(body, { keys: [{ name: 'a' }, { name: 'b' }], list_complete: true, cacheStatus: null });
  });

  it('returns a cursor for the last key of the page when another key exists', () => {
    const text = listResponseBody([entry('a'), entry('b'), entry('c')], 2);
    assert.equal(text, '{"keys":[{"name":"a"},{"name":"b"}],"list_complete":false,"cursor":"Yg==","cacheStatus":null}');
  });

  it('sends metadata as JSON text and expiration in seconds, omitting unset fields', () => {
    const body = JSON.parse(listResponseBody([entry('a', 1_900_000_000, '{"x":1}'), entry('b')], 10)) as {
      keys: unknown[];
    };
    assert.deepEqual(body.keys, [{ name: 'a', expiration: 1_900_000_000, metadata: '{"x":1}' }, { name: 'b' }]);
  });

  it('handles an empty namespace', () => {
    assert.equal(listResponseBody([], 1000), '{"keys":[],"list_complete":true,"cacheStatus":null}');
  });
});
