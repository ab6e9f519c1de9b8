import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toExportEntry } from './kv-export.js';

describe('toExportEntry', () => {
  const listed = { key: Buffer.from('k'), expiration: undefined, metadata: undefined };

  it('keeps UTF-8 values as text and base64-encodes anything else', () => {
    assert.deepEqual(toExportEntry(listed, Buffer.from('héllo')), { key: 'k', value: 'héllo' });
    assert.deepEqual(toExportEntry(listed, Buffer.from([0xff, 0])), { key: 'k', value: '/wA=', base64: true });
    assert.deepEqual(toExportEntry(listed, Buffer.alloc(0)), { key: 'k', value: '' });
  });

  it('carries expiration and parsed metadata', () => {
    assert.deepEqual(
      toExportEntry({ key: Buffer.from('k'), expiration: 1_900_000_000, metadata: '{"a":[1]}' }, Buffer.from('v')),
      {
        key: 'k',
        value: 'v',
        expiration: 1_900_000_000,
        metadata: { a: [1] },
      },
    );
  });
});
