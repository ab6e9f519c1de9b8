import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { R2Error } from './r2-errors.js';
import { parseRangeHeader, resolveRange } from './r2-range.js';

const is416 = (err: unknown) => err instanceof R2Error && err.status === 416 && err.v4code === 10039;

describe('resolveRange (object form)', () => {
  it('serves offset/length, clamping the length to the end', () => {
    assert.deepEqual(resolveRange({ range: { offset: 2, length: 3 } }, 11), { offset: 2, length: 3 });
    assert.deepEqual(resolveRange({ range: { offset: 3, length: 100 } }, 11), { offset: 3, length: 8 });
    assert.deepEqual(resolveRange({ range: { offset: 5 } }, 11), { offset: 5, length: 6 });
    assert.deepEqual(resolveRange({ range: { length: 4 } }, 11), { offset: 0, length: 4 });
  });

  it('serves a suffix, clamped to the size', () => {
    assert.deepEqual(resolveRange({ range: { suffix: 4 } }, 11), { offset: 7, length: 4 });
    assert.deepEqual(resolveRange({ range: { suffix: 20 } }, 11), { offset: 0, length: 11 });
  });

  it('is 416 past the end, for empty lengths and non-positive suffixes', () => {
    assert.throws(() => resolveRange({ range: { offset: 11 } }, 11), is416);
    assert.throws(() => resolveRange({ range: { offset: 12 } }, 11), is416);
    assert.throws(() => resolveRange({ range: { offset: 11, length: 1 } }, 11), is416);
    assert.throws(() => resolveRange({ range: { offset: 1, length: 0 } }, 11), is416);
    assert.throws(() => resolveRange({ range: { suffix: 0 } }, 11), is416);
    assert.throws(() => resolveRange({ range: { offset: -1 } }, 11), is416);
    assert.throws(() => resolveRange({ range: { offset: 0 } }, 0), is416);
  });

  it('is the whole object without a range', () => {
    assert.equal(resolveRange({}, 11), undefined);
  });
});

describe('resolveRange (Headers form)', () => {
  it('serves exactly one satisfiable range', () => {
    assert.deepEqual(resolveRange({ rangeHeader: 'bytes=2-4' }, 11), { offset: 2, length: 3 });
    assert.deepEqual(resolveRange({ rangeHeader: 'bytes=-3' }, 11), { offset: 8, length: 3 });
    assert.deepEqual(resolveRange({ rangeHeader: 'bytes=5-' }, 11), { offset: 5, length: 6 });
    assert.deepEqual(resolveRange({ rangeHeader: 'bytes=3-100' }, 11), { offset: 3, length: 8 });
  });

  it('serves the whole object for anything else, as Miniflare does', () => {
    for (const header of ['bytes=20-', 'bytes=0-1,3-4', 'junk', 'bytes=-20', 'bytes=4-2', 'bytes='])
      assert.equal(resolveRange({ rangeHeader: header }, 11), undefined, header);
  });

  it('takes precedence over an object range', () => {
    assert.deepEqual(resolveRange({ rangeHeader: 'bytes=0-0', range: { offset: 5 } }, 11), { offset: 0, length: 1 });
  });
});

describe('parseRangeHeader', () => {
  it('parses several ranges with spaces and any case', () => {
    assert.deepEqual(parseRangeHeader(' BYTES = 0-1, 3 - 4', 11), [
      { offset: 0, length: 2 },
      { offset: 3, length: 2 },
    ]);
  });
});
