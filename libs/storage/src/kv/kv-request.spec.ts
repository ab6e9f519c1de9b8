import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvHttpError } from './kv-errors.js';
import { decodeKey, parseKvRequest, type KvOperation } from './kv-request.js';
import { validateKey } from './kv-validate.js';

const NOW = 1_800_000_000;

function parse(method: string, url: string, headers: Record<string, string> = {}): KvOperation {
  return parseKvRequest({ method, url: new URL(url), headers }, NOW);
}

function rejects(
  method: string,
  url: string,
  status: number,
  reason: string,
  headers: Record<string, string> = {},
): void {
  assert.throws(
    () => parse(method, url, headers),
    (error: unknown) => error instanceof KvHttpError && error.status === status && error.reason === reason,
    `${method} ${url} should fail with ${status} ${reason}`,
  );
}

const key = (k: string, query = ''): string => `https://fake-host/${encodeURIComponent(k)}?urlencoded=true${query}`;

describe('decodeKey', () => {
  it("decodes the whole path, as workerd encodes it (the note's example)", () => {
    assert.equal(
      decodeKey(new URL('https://fake-host/dir%2Fa%20b%3Fc%23d%25e&%C3%A9?urlencoded=true')),
      'dir/a b?c#d%e&é',
    );
  });

  it('keeps raw punctuation workerd does not escape', () => {
    assert.equal(decodeKey(new URL("https://fake-host/^|%60~!*()'$,?urlencoded=true")), "^|`~!*()'$,");
  });

  it('round-trips NUL, braces, colons and astral characters', () => {
    for (const k of ['nul\u0000', '{x}:y', 'kv:{a/b}:v:k', '../..', '😀\uffff'])
      assert.equal(decodeKey(new URL(key(k))), k);
  });

  it("refuses WTF-8 lone surrogates with Miniflare's message", () => {
    rejects('GET', 'https://fake-host/lone%ED%A0%80?urlencoded=true', 400, 'Could not URL-decode key name');
  });

  it('leaves the key raw without urlencoded=true', () => {
    assert.equal(decodeKey(new URL('https://fake-host/a%20b')), 'a%20b');
    assert.equal(decodeKey(new URL('https://fake-host/a%20b?urlencoded=TRUE')), 'a b');
  });
});

describe('parseKvRequest routing', () => {
  it('maps methods and paths to operations', () => {
    assert.deepEqual(parse('GET', key('k')), { kind: 'get', key: 'k' });
    assert.deepEqual(parse('GET', 'https://fake-host'), { kind: 'list', limit: 1000, prefix: '', cursor: undefined });
    assert.deepEqual(parse('POST', 'https://fake-host/bulk/get'), { kind: 'bulk-get' });
    assert.deepEqual(parse('DELETE', key('k')), { kind: 'delete', key: 'k' });
    assert.deepEqual(parse('PUT', key('k')), { kind: 'put', key: 'k', expiration: undefined, metadata: undefined });
  });

  it('a key named bulk/get is a single-key request, not a bulk get', () => {
    assert.deepEqual(parse('GET', key('bulk/get')), { kind: 'get', key: 'bulk/get' });
  });

  it('rejects unknown methods and POST paths with 405', () => {
    rejects('PATCH', key('k'), 405, 'Method PATCH is not supported by KV');
    rejects('HEAD', key('k'), 405, 'Method HEAD is not supported by KV');
    rejects('POST', key('k'), 405, 'KV accepts POST only on /bulk/get, not on /k');
  });

  it('rejects empty, dot and over-long keys', () => {
    rejects('PUT', 'https://fake-host/?urlencoded=true', 400, 'Key names must not be empty');
    // "." and ".." cannot even be expressed in an MF-URL (URL parsing drops dot segments); workerd
    // refuses them client-side, and bulk get checks them (kv-bulk.spec.ts).
    assert.throws(() => validateKey('.'), { reason: 'Illegal key name ".". Please use a different name.' });
    assert.throws(() => validateKey('..'), { reason: 'Illegal key name "..". Please use a different name.' });
    rejects('GET', key('x'.repeat(513)), 414, 'UTF-8 encoded length of 513 exceeds key length limit of 512.');
    // Bytes, not characters: 256 × 'é' = 512 bytes passes, 257 × 'é' = 514 does not.
    assert.equal(parse('GET', key('é'.repeat(256))).kind, 'get');
    rejects('GET', key('é'.repeat(257)), 414, 'UTF-8 encoded length of 514 exceeds key length limit of 512.');
  });

  it('validates cache_ttl like Miniflare (parseInt, at least 30)', () => {
    assert.equal(parse('GET', key('k', '&cache_ttl=30')).kind, 'get');
    rejects('GET', key('k', '&cache_ttl=10'), 400, 'Invalid cache_ttl of 10. Cache TTL must be at least 30.');
    rejects('GET', key('k', '&cache_ttl=abc'), 400, 'Invalid cache_ttl of NaN. Cache TTL must be at least 30.');
  });
});

describe('parseKvRequest put options', () => {
  it('computes expiration from expiration_ttl against the clock, ttl winning over expiration', () => {
    assert.deepEqual(parse('PUT', key('k', '&expiration_ttl=60')), {
      kind: 'put',
      key: 'k',
      expiration: NOW + 60,
      metadata: undefined,
    });
    assert.equal(
      (parse('PUT', key('k', '&expiration_ttl=100&expiration=5')) as { expiration: number }).expiration,
      NOW + 100,
    );
    assert.equal((parse('PUT', key('k', '&expiration_ttl=60.9')) as { expiration: number }).expiration, NOW + 60);
  });

  it('rejects bad expiration_ttl values', () => {
    for (const bad of ['0', '-5', 'abc', '']) {
      rejects(
        'PUT',
        key('k', `&expiration_ttl=${bad}`),
        400,
        `Invalid expiration_ttl of ${bad}. Please specify integer greater than 0.`,
      );
    }
    rejects(
      'PUT',
      key('k', '&expiration_ttl=59'),
      400,
      'Invalid expiration_ttl of 59. Expiration TTL must be at least 60.',
    );
  });

  it('accepts an absolute expiration exactly 60 s ahead and rejects anything sooner', () => {
    assert.equal((parse('PUT', key('k', `&expiration=${NOW + 60}`)) as { expiration: number }).expiration, NOW + 60);
    rejects(
      'PUT',
      key('k', `&expiration=${NOW + 59}`),
      400,
      `Invalid expiration of ${NOW + 59}. Expiration times must be at least 60 seconds in the future.`,
    );
    for (const bad of [String(NOW), '5', 'soon']) {
      rejects(
        'PUT',
        key('k', `&expiration=${bad}`),
        400,
        `Invalid expiration of ${bad}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
      );
    }
  });

  it('normalises metadata and limits it to 1024 UTF-8 bytes', () => {
    const op = parse('PUT', key('k'), { 'cf-kv-metadata': '{ "a" : 1, "s": "é" }' });
    assert.equal((op as { metadata: string }).metadata, '{"a":1,"s":"é"}');
    const atLimit = JSON.stringify('é'.repeat(511)); // 1022 + 2 quotes = 1024 bytes
    assert.equal(parse('PUT', key('k'), { 'cf-kv-metadata': atLimit }).kind, 'put');
    const over = JSON.stringify('é'.repeat(511) + 'a');
    rejects('PUT', key('k'), 413, 'Metadata length of 1025 exceeds limit of 1024.', { 'cf-kv-metadata': over });
    rejects('PUT', key('k'), 400, 'Invalid metadata: the cf-kv-metadata header is not valid JSON.', {
      'cf-kv-metadata': '{',
    });
  });

  it('checks the key before the options, as Miniflare does', () => {
    rejects(
      'PUT',
      key('x'.repeat(600), '&expiration_ttl=1'),
      414,
      'UTF-8 encoded length of 600 exceeds key length limit of 512.',
    );
  });
});

describe('parseKvRequest list options', () => {
  it('reads prefix, cursor and limit', () => {
    assert.deepEqual(parse('GET', 'https://fake-host?key_count_limit=5&prefix=p%26x+%C3%A9&cursor=ab%2B%2F%3D'), {
      kind: 'list',
      limit: 5,
      prefix: 'p&x é',
      cursor: 'ab+/=',
    });
    assert.equal((parse('GET', 'https://fake-host?key_count_limit=1000') as { limit: number }).limit, 1000);
  });

  it('rejects limits outside 1..1000 and over-long prefixes', () => {
    rejects(
      'GET',
      'https://fake-host?key_count_limit=0',
      400,
      'Invalid key_count_limit of 0. Please specify an integer greater than 0.',
    );
    rejects(
      'GET',
      'https://fake-host?key_count_limit=x',
      400,
      'Invalid key_count_limit of NaN. Please specify an integer greater than 0.',
    );
    rejects(
      'GET',
      'https://fake-host?key_count_limit=1001',
      400,
      'Invalid key_count_limit of 1001. Please specify an integer less than 1000.',
    );
    rejects(
      'GET',
      `https://fake-host?prefix=${'p'.repeat(513)}`,
      414,
      'UTF-8 encoded length of 513 exceeds key length limit of 512.',
    );
  });
});
