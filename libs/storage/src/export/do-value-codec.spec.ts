import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serialize } from 'node:v8';
import { DoExportError } from './do-export-error.js';
import { decodeSqlValue, decodeValue, encodeKvValue, encodeSqlValue, encodeValue } from './do-value-codec.js';

/** What the replay Worker receives: the encoded value after a trip through JSON text. */
const overJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('Durable Object value codec (export → replay)', () => {
  it('carries every structured-clone type a DO value commonly holds through JSON', () => {
    const value = {
      text: 'héllo',
      n: 1.5,
      list: [1, null, true, 'x'],
      at: new Date(Date.UTC(2026, 0, 2)),
      tags: new Set(['a', 'b']),
      scores: new Map<unknown, unknown>([
        ['ana', 1],
        [2, new Date(0)],
      ]),
      big: 2n ** 70n,
      bytes: new Uint8Array([0, 1, 255]),
      floats: new Float64Array([0.25, -3]),
      raw: new Uint8Array([5, 6]).buffer,
      pattern: /a+b/gi,
      nothing: undefined,
      odd: [NaN, -0, Infinity, -Infinity],
      tagLike: { $kiln: 'Date', v: 3 },
    };
    assert.deepStrictEqual(decodeValue(overJson(encodeKvValue(serialize(value), 'k'))), value);
  });

  it('refuses what it cannot carry, naming the key', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    assert.throws(
      () => encodeValue(cyclic, 'KV key "c"'),
      (err: unknown) => err instanceof DoExportError && /cycles/.test(err.message),
    );
    assert.throws(
      () => encodeKvValue(serialize(new Error('x')), 'e'),
      (err: unknown) => err instanceof DoExportError && /KV key "e"/.test(err.message),
    );
    assert.throws(() => encodeKvValue(new Uint8Array([1, 2, 3]), 'junk'), DoExportError);
  });

  it('SQL values: BLOBs as bytes, integers beyond 2^53 exact as text', () => {
    assert.equal(encodeSqlValue(42n, 't'), 42);
    assert.deepEqual(encodeSqlValue(2n ** 63n - 1n, 't'), { $int: '9223372036854775807' });
    const blob = decodeSqlValue(overJson(encodeSqlValue(new Uint8Array([9, 8, 7]), 't')));
    assert.ok(blob instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(blob)], [9, 8, 7]);
    assert.equal(decodeSqlValue(overJson(encodeSqlValue(2n ** 63n - 1n, 't'))), '9223372036854775807');
    assert.equal(decodeSqlValue('plain'), 'plain');
  });
});
