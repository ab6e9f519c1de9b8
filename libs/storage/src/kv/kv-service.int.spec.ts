import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { namespaceKeys } from './kv-keys.js';
import { assertError, assertOk, bodyOf, del, freshRef, get, keyUrl, put, wire, kvSuite } from './kv-testing.js';

const MiB = 1024 * 1024;

describe('KvService get / put / delete', () => {
  const suite = kvSuite();

  it('stores a value and returns it with 200 and no headers when none were set', async () => {
    const ref = freshRef();
    assertOk(await suite.kv.handle(ref, put('greeting', 'héllo')));
    const res = await suite.kv.handle(ref, get('greeting'));
    assertOk(res);
    assert.deepEqual(res.headers, {});
    assert.equal((await bodyOf(res)).toString(), 'héllo');
  });

  it('answers a missing key with a bare 404', async () => {
    const res = await suite.kv.handle(freshRef(), get('nope'));
    assertError(res, 404, 'Not Found');
  });

  it('returns CF-KV-Metadata as normalised JSON and CF-Expiration in seconds', async () => {
    const ref = freshRef();
    const expiration = Math.floor(Date.now() / 1000) + 3600;
    const req = wire('PUT', keyUrl('m', `&expiration=${expiration}`), {
      body: 'v',
      headers: { 'cf-kv-metadata': '{ "s" : "é", "n": [1, null] }' },
    });
    assertOk(await suite.kv.handle(ref, req));
    const res = await suite.kv.handle(ref, get('m'));
    assert.deepEqual(res.headers, { 'CF-Expiration': String(expiration), 'CF-KV-Metadata': '{"s":"é","n":[1,null]}' });
  });

  it('overwrites value, metadata and expiration together', async () => {
    const ref = freshRef();
    await suite.kv.handle(ref, put('k', 'one', { metadata: { v: 1 }, query: '&expiration_ttl=600' }));
    await suite.kv.handle(ref, put('k', 'two'));
    const res = await suite.kv.handle(ref, get('k'));
    assert.deepEqual(res.headers, {});
    assert.equal((await bodyOf(res)).toString(), 'two');
  });

  it('stores empty and binary values byte for byte', async () => {
    const ref = freshRef();
    const binary = Buffer.from([0, 255, 0xc3, 0x28, 10, 13]);
    await suite.kv.handle(ref, put('empty', ''));
    await suite.kv.handle(ref, put('bin', binary));
    assert.equal((await bodyOf(await suite.kv.handle(ref, get('empty')))).length, 0);
    assertOk(await suite.kv.handle(ref, get('empty')));
    assert.deepEqual(await bodyOf(await suite.kv.handle(ref, get('bin'))), binary);
  });

  it('keeps unicode and binary-ish keys apart and intact', async () => {
    const ref = freshRef();
    const keys = [
      'a',
      'a\u0000',
      'é',
      '😀',
      'kv:{x/y}:v:a',
      '{}:',
      '../a',
      'dir/a b?c#d%e&é',
      '\uffff',
      '\ufffd',
      'a'.repeat(512),
    ];
    for (const [i, key] of keys.entries()) assertOk(await suite.kv.handle(ref, put(key, `v${i}`)));
    for (const [i, key] of keys.entries()) {
      assert.equal((await bodyOf(await suite.kv.handle(ref, get(key)))).toString(), `v${i}`, JSON.stringify(key));
    }
    const ns = namespaceKeys(ref);
    assert.equal(await suite.redis.zcard(ns.index), keys.length);
  });

  it('deletes a key, and deleting a missing key succeeds', async () => {
    const ref = freshRef();
    await suite.kv.handle(ref, put('k', 'v'));
    assertOk(await suite.kv.handle(ref, del('k')));
    assertError(await suite.kv.handle(ref, get('k')), 404, 'Not Found');
    assertOk(await suite.kv.handle(ref, del('k')));
    const ns = namespaceKeys(ref);
    assert.equal(await suite.redis.exists(ns.record('k')), 0);
    assert.equal(await suite.redis.zcard(ns.index), 0);
  });

  it('accepts a streamed put without content length', async () => {
    const ref = freshRef();
    const chunks = [Buffer.from('par'), Buffer.from('tial '), Buffer.from('chunks')];
    assertOk(await suite.kv.handle(ref, put('s', Readable.from(chunks))));
    assert.equal((await bodyOf(await suite.kv.handle(ref, get('s')))).toString(), 'partial chunks');
  });

  it('stores a value of exactly 25 MiB', async () => {
    const ref = freshRef();
    const value = Buffer.alloc(25 * MiB, 0x61);
    value[value.length - 1] = 0x7a;
    assertOk(await suite.kv.handle(ref, put('big', value)));
    const back = await bodyOf(await suite.kv.handle(ref, get('big')));
    assert.equal(back.length, 25 * MiB);
    assert.ok(back.equals(value));
  });

  it('refuses 25 MiB + 1 announced by content length before reading, writing nothing', async () => {
    const ref = freshRef();
    await suite.kv.handle(ref, put('big', 'old'));
    let read = false;
    const body = new Readable({
      read() {
        read = true;
        this.push(null);
      },
    });
    const res = await suite.kv.handle(ref, wire('PUT', keyUrl('big'), { body, contentLength: 25 * MiB + 1 }));
    assertError(res, 413, 'Value length of 26214401 exceeds limit of 26214400.');
    assert.equal(read, false);
    assert.equal((await bodyOf(await suite.kv.handle(ref, get('big')))).toString(), 'old');
  });

  it('refuses a streamed 25 MiB + 1 at the first byte over, writing nothing', async () => {
    const ref = freshRef();
    const chunk = Buffer.alloc(MiB);
    let sent = 0;
    const body = new Readable({
      highWaterMark: MiB,
      read() {
        if (sent < 25 * MiB) {
          sent += MiB;
          this.push(chunk);
        } else if (sent === 25 * MiB) {
          sent += 1;
          this.push(Buffer.alloc(1));
        } else if (sent < 40 * MiB) {
          sent += MiB;
          this.push(chunk);
        } else this.push(null);
      },
    });
    const ended = once(body, 'end');
    const res = await suite.kv.handle(ref, wire('PUT', keyUrl('big'), { body }));
    // The length at which buffering stopped, not the 40 MiB the client would have sent.
    assertError(res, 413, 'Value length of 26214401 exceeds limit of 26214400.');
    // The rest is drained, not destroyed, so the HTTP exchange can deliver the 413.
    await ended;
    assertError(await suite.kv.handle(ref, get('big')), 404, 'Not Found');
    assert.equal(await suite.redis.zcard(namespaceKeys(ref).index), 0);
  });

  it('changes nothing when a put fails validation', async () => {
    const ref = freshRef();
    await suite.kv.handle(ref, put('k', 'old', { metadata: { keep: true } }));
    const bad = [
      put('k', 'new', { query: '&expiration_ttl=30' }),
      put('k', 'new', { metadata: 'x'.repeat(1100) }),
      put('k', 'new', { query: '&expiration=5' }),
    ];
    for (const req of bad) assert.equal((await suite.kv.handle(ref, req)).status >= 400, true);
    const res = await suite.kv.handle(ref, get('k'));
    assert.equal((await bodyOf(res)).toString(), 'old');
    assert.deepEqual(res.headers, { 'CF-KV-Metadata': '{"keep":true}' });
  });

  it("answers every single-key error row with Miniflare's reason phrase", async () => {
    const ref = freshRef();
    const now = Math.floor(Date.now() / 1000);
    const cases: [ReturnType<typeof get>, number, string][] = [
      [get('x'.repeat(513)), 414, 'UTF-8 encoded length of 513 exceeds key length limit of 512.'],
      [get('k', '&cache_ttl=10'), 400, 'Invalid cache_ttl of 10. Cache TTL must be at least 30.'],
      [
        put('k', 'v', { query: '&expiration_ttl=0' }),
        400,
        'Invalid expiration_ttl of 0. Please specify integer greater than 0.',
      ],
      [
        put('k', 'v', { query: '&expiration_ttl=59' }),
        400,
        'Invalid expiration_ttl of 59. Expiration TTL must be at least 60.',
      ],
      [
        put('k', 'v', { query: `&expiration=${now}` }),
        400,
        `Invalid expiration of ${now}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
      ],
      [
        put('k', 'v', { query: `&expiration=${now + 30}` }),
        400,
        `Invalid expiration of ${now + 30}. Expiration times must be at least 60 seconds in the future.`,
      ],
      [put('k', 'v', { metadata: 'm'.repeat(1023) }), 413, 'Metadata length of 1025 exceeds limit of 1024.'],
      [del('x'.repeat(513)), 414, 'UTF-8 encoded length of 513 exceeds key length limit of 512.'],
      [wire('GET', 'https://fake-host/lone%ED%A0%80?urlencoded=true'), 400, 'Could not URL-decode key name'],
      [wire('PUT', 'https://fake-host/?urlencoded=true', { body: 'v' }), 400, 'Key names must not be empty'],
    ];
    for (const [req, status, reason] of cases) assertError(await suite.kv.handle(ref, req), status, reason);
    assert.equal(await suite.redis.zcard(namespaceKeys(ref).index), 0);
  });

  it('refuses unknown methods and paths with a 405 and a reason', async () => {
    const ref = freshRef();
    assertError(await suite.kv.handle(ref, wire('PATCH', keyUrl('k'))), 405, 'Method PATCH is not supported by KV');
    assertError(
      await suite.kv.handle(ref, wire('POST', keyUrl('k'))),
      405,
      'KV accepts POST only on /bulk/get, not on /k',
    );
  });

  it('does a single get in one Redis round trip', async () => {
    const ref = freshRef();
    await suite.kv.handle(ref, put('k', 'v', { metadata: { a: 1 }, query: '&expiration_ttl=600' }));
    const monitor = await suite.redis.monitor();
    const commands: string[] = [];
    // Other test files may run concurrently against the same Redis: keep this app's commands only.
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((arg) => String(arg).includes(ref.appId))) commands.push(String(args[0]).toLowerCase());
    });
    try {
      await suite.kv.handle(ref, get('k'));
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      monitor.disconnect();
    }
    assert.deepEqual(commands, ['hmget']);
  });
});
