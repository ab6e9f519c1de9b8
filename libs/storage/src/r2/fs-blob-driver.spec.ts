import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { assertBlobKey, BlobDriverError, BlobNotFoundError } from './blob-driver.js';
import { FsBlobDriver } from './fs-blob-driver.js';

describe('FsBlobDriver', () => {
  let root: string;
  let driver: FsBlobDriver;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'kiln-fsblob-'));
    driver = new FsBlobDriver(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('stores, reads whole and ranged, and deletes', async () => {
    await driver.put('app/b/v1', Readable.from([Buffer.from('hello '), Buffer.from('world')]), 11);
    assert.equal(await text(await driver.get('app/b/v1')), 'hello world');
    assert.equal(await text(await driver.get('app/b/v1', { offset: 2, length: 3 })), 'llo');
    assert.equal(await text(await driver.get('app/b/v1', { offset: 2, length: 0 })), '');
    assert.equal(await driver.exists('app/b/v1'), true);
    await driver.delete(['app/b/v1', 'app/b/never']);
    assert.equal(await driver.exists('app/b/v1'), false);
    await assert.rejects(driver.get('app/b/v1'), BlobNotFoundError);
  });

  it('publishes nothing when the stream is short, long or fails', async () => {
    await assert.rejects(driver.put('app/b/short', Readable.from([Buffer.from('abc')]), 4), /expected 4/);
    await assert.rejects(driver.put('app/b/long', Readable.from([Buffer.from('abcde')]), 4), /expected 4/);
    const failing = new Readable({
      read() {
        this.push(Buffer.from('ab'));
        this.destroy(new Error('reset'));
      },
    });
    await assert.rejects(driver.put('app/b/failed', failing, 4), /reset/);
    for (const key of ['app/b/short', 'app/b/long', 'app/b/failed']) assert.equal(await driver.exists(key), false);
    assert.deepEqual(await readdir(join(root, '.tmp')), []);
  });

  it('refuses keys that could leave the root or reach its temp files', async () => {
    for (const key of ['../x', 'a/../../x', '/etc/passwd', 'a//b', '.tmp/x', 'a/.hidden', 'a\0b', 'a\\b', '', 'a/'])
      await assert.rejects(driver.get(key), BlobDriverError, key);
    assert.throws(() => assertBlobKey('a/%2F/b'), BlobDriverError);
    assert.doesNotThrow(() => assertBlobKey('app-1/bucket_2/0123abcd'));
  });
});
