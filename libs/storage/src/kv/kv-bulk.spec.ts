import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bulkGetResponseBody, parseBulkGetRequest } from './kv-bulk.js';
import { KvHttpError } from './kv-errors.js';
import type { KvStoredValue } from './kv-store.js';

const stored = (value: string | Buffer, metadata?: string): KvStoredValue => ({
  value: Buffer.isBuffer(value) ? value : Buffer.from(value),
  expiration: undefined,
  metadata,
});

function failsWith(fn: () => unknown, status: number, reason: string): void {
  assert.throws(
    fn,
    (error: unknown) => error instanceof KvHttpError && error.status === status && error.reason === reason,
  );
}

describe('parseBulkGetRequest', () => {
  it('reads keys, type and withMetadata', () => {
    assert.deepEqual(parseBulkGetRequest('{"keys":["a","b"],"type":"json","withMetadata":true,"cacheTtl":"60"}'), {
      keys: ['a', 'b'],
      type: 'json',
      withMetadata: true,
      pending: undefined,
    });
    assert.equal(parseBulkGetRequest('{"keys":["a"],"type":""}').type, 'text');
  });

  it("rejects types other than text/json with Miniflare's wording", () => {
    failsWith(
      () => parseBulkGetRequest('{"keys":["a"],"type":"stream"}'),
      400,
      '"stream" is not a valid type. Use "json" or "text"',
    );
    failsWith(
      () => parseBulkGetRequest('{"keys":["a"],"type":"arrayBuffer"}'),
      400,
      '"arrayBuffer" is not a valid type. Use "json" or "text"',
    );
  });

  it('rejects 0 and more than 100 keys', () => {
    failsWith(() => parseBulkGetRequest('{"keys":[]}'), 400, 'You must request a minimum of 1 key');
    const keys = JSON.stringify({ keys: Array.from({ length: 101 }, (_, i) => `k${i}`) });
    failsWith(() => parseBulkGetRequest(keys), 400, 'You can request a maximum of 100 keys');
    assert.equal(
      parseBulkGetRequest(JSON.stringify({ keys: Array.from({ length: 100 }, (_, i) => `k${i}`) })).keys.length,
      100,
    );
  });

  it('checks the type before the key count', () => {
    failsWith(
      () => parseBulkGetRequest('{"keys":[],"type":"stream"}'),
      400,
      '"stream" is not a valid type. Use "json" or "text"',
    );
  });

  it('defers the first invalid key so earlier keys are processed first', () => {
    const request = parseBulkGetRequest(JSON.stringify({ keys: ['a', 'x'.repeat(513), ''] }));
    assert.deepEqual(request.keys, ['a']);
    assert.equal(request.pending?.status, 414);
    assert.equal(parseBulkGetRequest('{"keys":["a",""]}').pending?.reason, 'Key names must not be empty');
    assert.equal(
      parseBulkGetRequest('{"keys":["."]}').pending?.reason,
      'Illegal key name ".". Please use a different name.',
    );
  });

  it('validates cacheTtl (a string from workerd) per key', () => {
    const request = parseBulkGetRequest('{"keys":["a"],"cacheTtl":"10"}');
    assert.deepEqual(request.keys, []);
    assert.equal(request.pending?.reason, 'Invalid cache_ttl of 10. Cache TTL must be at least 30.');
  });

  it('rejects bodies that are not a bulk get request', () => {
    failsWith(() => parseBulkGetRequest('nope'), 400, 'Invalid bulk get request: the body is not JSON.');
    failsWith(
      () => parseBulkGetRequest('{"keys":"ab"}'),
      400,
      'Invalid bulk get request: "keys" must be an array of key names.',
    );
    assert.equal(parseBulkGetRequest('{"keys":[1]}').pending?.status, 400);
  });
});

describe('bulkGetResponseBody', () => {
  it('maps every requested key, null when missing', () => {
    const request = parseBulkGetRequest('{"keys":["a","missing","e"]}');
    assert.equal(bulkGetResponseBody(request, [stored('va'), null, stored('')]), '{"a":"va","missing":null,"e":""}');
  });

  it('parses values as JSON for type json and fails on non-JSON values', () => {
    const request = parseBulkGetRequest('{"keys":["a","b"],"type":"json"}');
    assert.equal(bulkGetResponseBody(request, [stored('{"x":[1]}'), stored('0')]), '{"a":{"x":[1]},"b":0}');
    failsWith(
      () => bulkGetResponseBody(request, [stored('{"x":1}'), stored('not json')]),
      400,
      'At least one of the requested keys corresponds to a non-json value',
    );
    failsWith(
      () => bulkGetResponseBody(request, [stored(''), null]),
      400,
      'At least one of the requested keys corresponds to a non-json value',
    );
  });

  it('wraps values with metadata, also falsy ones (Cloudflare shape)', () => {
    const request = parseBulkGetRequest('{"keys":["a","e","missing"],"withMetadata":true}');
    const body = JSON.parse(bulkGetResponseBody(request, [stored('v', '{"m":1}'), stored(''), null])) as unknown;
    assert.deepEqual(body, { a: { value: 'v', metadata: { m: 1 } }, e: { value: '', metadata: null }, missing: null });
  });

  it('reports a non-JSON value before a later invalid key, and the invalid key otherwise', () => {
    const request = parseBulkGetRequest(JSON.stringify({ keys: ['a', 'b', ''], type: 'json' }));
    failsWith(
      () => bulkGetResponseBody(request, [stored('1'), stored('x')]),
      400,
      'At least one of the requested keys corresponds to a non-json value',
    );
    failsWith(() => bulkGetResponseBody(request, [stored('1'), stored('2')]), 400, 'Key names must not be empty');
  });

  it('limits the total decoded size to 25 MiB', () => {
    const half = stored(Buffer.alloc(13 * 1024 * 1024, 0x61));
    const request = parseBulkGetRequest('{"keys":["a","b"]}');
    failsWith(() => bulkGetResponseBody(request, [half, half]), 413, 'Total size of request exceeds the limit of 25MB');
    const exact = parseBulkGetRequest('{"keys":["a"]}');
    assert.equal(
      bulkGetResponseBody(exact, [stored(Buffer.alloc(25 * 1024 * 1024, 0x61))]).length,
      25 * 1024 * 1024 + 8,
    );
  });

  it('decodes invalid UTF-8 with replacement characters, like TextDecoder in Miniflare', () => {
    const request = parseBulkGetRequest('{"keys":["b"]}');
    assert.equal(bulkGetResponseBody(request, [stored(Buffer.from([0x61, 0xff, 0x62]))]), '{"b":"a\ufffdb"}');
  });

  it('keeps a key named __proto__ as data', () => {
    const request = parseBulkGetRequest('{"keys":["__proto__"]}');
    assert.equal(bulkGetResponseBody(request, [stored('v')]), '{"__proto__":"v"}');
  });
});
