import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { R2Error } from './r2-errors.js';
import { multipartEtag } from './r2-multipart.js';
import { prefixEnd } from './r2-list.js';
import { concatStreams, Digester, digestStream, readPrefix } from './r2-streams.js';

const chunked = (...parts: string[]) =>
  Readable.from(
    parts.map((p) => Buffer.from(p)),
    { objectMode: false },
  );

describe('readPrefix', () => {
  it('reads a descriptor split across chunks and leaves the value in the stream', async () => {
    const body = chunked('{"a"', ':1}va', 'lue');
    const prefix = await readPrefix(body, 7);
    assert.equal(prefix.toString(), '{"a":1}');
    assert.equal(await text(body), 'value');
  });

  it('leaves an empty value when the descriptor is all there is', async () => {
    const body = chunked('{"a":1}');
    assert.equal((await readPrefix(body, 7)).toString(), '{"a":1}');
    assert.equal(await text(body), '');
  });

  it('answers 10029 when the body is shorter than the declared descriptor, or the size is absurd', async () => {
    const invalid = (err: unknown) => err instanceof R2Error && err.v4code === 10029;
    await assert.rejects(readPrefix(chunked('{"a"'), 7), invalid);
    await assert.rejects(readPrefix(chunked('x'), Number.NaN), invalid);
    await assert.rejects(readPrefix(chunked('x'), 0), invalid);
    await assert.rejects(readPrefix(chunked('x'), 10_000_000), invalid);
  });
});

describe('Digester', () => {
  it('hashes what flows through', async () => {
    const d = digestStream(chunked('hello', ' world'), new Digester(['md5', 'sha256'], 11));
    assert.equal(await text(d), 'hello world');
    const digests = d.digests();
    assert.equal(digests.get('md5')?.toString('hex'), '5eb63bbbe01eeed093cb22bb8f5acdc3');
    assert.equal(digests.get('sha256')?.toString('hex'), createHash('sha256').update('hello world').digest('hex'));
  });

  it('fails a body longer or shorter than declared', async () => {
    await assert.rejects(text(digestStream(chunked('hello world'), new Digester(['md5'], 5))), /expected 5/);
    await assert.rejects(text(digestStream(chunked('hi'), new Digester(['md5'], 5))), /expected 5/);
  });

  it('passes a source failure on', async () => {
    const source = new Readable({ read() {} });
    const d = digestStream(source, new Digester(['md5'], 5));
    source.destroy(new Error('client went away'));
    await assert.rejects(text(d), /client went away/);
  });
});

describe('concatStreams', () => {
  it('yields the head, then each stream in turn, opening later ones lazily', async () => {
    const opened: number[] = [];
    let closed = 0;
    const out = concatStreams(
      Buffer.from('<'),
      chunked('a', 'b'),
      [1, 2].map((n) => () => {
        opened.push(n);
        return Promise.resolve(chunked(String(n)));
      }),
      () => closed++,
    );
    assert.deepEqual(opened, []);
    assert.equal(await text(out), '<ab12');
    assert.deepEqual(opened, [1, 2]);
    assert.equal(closed, 1);
  });

  it('passes on a failure of the first stream that happened before anyone read', async () => {
    const first = new Readable({ read() {} });
    const out = concatStreams(Buffer.alloc(0), first, [], () => undefined);
    first.destroy(new Error('socket reset'));
    await new Promise((r) => setImmediate(r));
    await assert.rejects(text(out), /socket reset/);
  });

  it('releases when destroyed before being read', async () => {
    let closed = 0;
    const first = chunked('a');
    const out = concatStreams(Buffer.alloc(0), first, [], () => closed++);
    out.destroy();
    await new Promise((r) => setImmediate(r));
    assert.equal(closed, 1);
    assert.equal(first.destroyed, true);
  });
});

describe('key arithmetic', () => {
  it('prefixEnd is the first byte string after every key with the prefix', () => {
    assert.equal(prefixEnd(Buffer.from('')), null);
    assert.deepEqual(prefixEnd(Buffer.from('dir/')), Buffer.from('dir0'));
    assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff, 0xff])), Buffer.from([0x62]));
    assert.equal(prefixEnd(Buffer.from([0xff])), null);
  });

  it('multipartEtag is the md5 of the binary part md5s, then the part count', () => {
    const parts = ['hello', ' world'].map((s) => createHash('md5').update(s).digest());
    const expected = createHash('md5').update(Buffer.concat(parts)).digest('hex');
    assert.equal(multipartEtag(parts.map((p) => p.toString('hex'))), `${expected}-2`);
  });
});
