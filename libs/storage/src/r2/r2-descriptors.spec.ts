import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeCustomFields, parseReadDescriptor, parseWriteDescriptor } from './r2-descriptors.js';
import { R2Error } from './r2-errors.js';

// Descriptors below are verbatim captures of what workerd sent for the matching Worker calls.

function assertInvalid(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof R2Error && err.status === 400 && err.v4code === 10029);
}

describe('R2 read descriptors', () => {
  it('parses head, get with string ranges and list', () => {
    assert.deepEqual(parseReadDescriptor('{"version":1,"method":"head","object":"dir/obj1"}'), {
      method: 'head',
      object: 'dir/obj1',
    });
    const get = parseReadDescriptor(
      '{"version":1,"method":"get","object":"dir/obj1","range":{"offset":"2","length":"3"}}',
    );
    assert.deepEqual(get, { method: 'get', object: 'dir/obj1', range: { offset: 2, length: 3 } });
    const list = parseReadDescriptor(
      '{"version":1,"method":"list","limit":2,"cursor":"YQA","delimiter":"/","include":[0,1],"newRuntime":true}',
    );
    assert.deepEqual(list, { method: 'list', limit: 2, cursor: 'YQA', delimiter: '/', include: [0, 1] });
  });

  it('parses onlyIf in both the object and the Headers form', () => {
    const object = parseReadDescriptor(
      '{"version":1,"method":"get","object":"k","onlyIf":{"etagMatches":[{"value":"abc","type":"strong"}],' +
        '"etagDoesNotMatch":[{"type":"wildcard"}],"uploadedBefore":"1795597470478"}}',
    );
    assert.equal(object.method, 'get');
    assert.deepEqual(object.method === 'get' && object.onlyIf, {
      etagMatches: [{ type: 'strong', value: 'abc' }],
      etagDoesNotMatch: [{ type: 'wildcard' }],
      uploadedBefore: 1795597470478,
    });
    const headers = parseReadDescriptor(
      '{"version":1,"method":"get","object":"k","onlyIf":{"etagMatches":[{"value":"abc","type":"weak"}],' +
        '"uploadedAfter":"1795604670000","secondsGranularity":true}}',
    );
    assert.deepEqual(headers.method === 'get' && headers.onlyIf, {
      etagMatches: [{ type: 'weak', value: 'abc' }],
      uploadedAfter: 1795604670000,
      secondsGranularity: true,
    });
  });

  it('keeps rangeHeader as the raw Range value', () => {
    const d = parseReadDescriptor('{"version":1,"method":"get","object":"k","rangeHeader":"bytes=0-1,3-4"}');
    assert.equal(d.method === 'get' && d.rangeHeader, 'bytes=0-1,3-4');
  });

  it('answers 10029 for a missing header, bad JSON, unknown methods and bad shapes', () => {
    assertInvalid(() => parseReadDescriptor(undefined));
    assertInvalid(() => parseReadDescriptor('{"version":1,'));
    assertInvalid(() => parseReadDescriptor('{"version":1,"method":"put","object":"k"}'));
    assertInvalid(() => parseReadDescriptor('{"version":1,"method":"head"}'));
    assertInvalid(() => parseReadDescriptor('{"version":1,"method":"get","object":"k","range":{"offset":"x"}}'));
    assertInvalid(() => parseReadDescriptor('{"method":"get","object":"k","onlyIf":{"etagMatches":[]}}'));
  });
});

describe('R2 write descriptors', () => {
  it('parses a put with every option', () => {
    const d = parseWriteDescriptor(
      JSON.stringify({
        version: 1,
        method: 'put',
        object: 'dir/obj1',
        customFields: [{ k: 'a', v: '1' }],
        httpFields: { contentType: 'text/plain', cacheExpiry: '1700000000000' },
        onlyIf: { etagDoesNotMatch: [{ type: 'wildcard' }] },
        md5: 'XrY7u+Ae7tCTyyK7j1rNww==',
        sha256: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
        storageClass: 'InfrequentAccess',
      }),
    );
    assert.equal(d.method, 'put');
    if (d.method !== 'put') return;
    assert.equal(d.httpFields?.cacheExpiry, 1700000000000);
    // md5 arrives base64, sha* hex; both become the raw digest bytes.
    assert.equal(d.md5?.toString('hex'), '5eb63bbbe01eeed093cb22bb8f5acdc3');
    assert.equal(d.sha256?.toString('hex'), 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9');
    assert.equal(d.storageClass, 'InfrequentAccess');
  });

  it('parses delete of one key and of many, and nothing else', () => {
    assert.deepEqual(parseWriteDescriptor('{"version":1,"method":"delete","object":"a"}'), {
      method: 'delete',
      object: 'a',
    });
    assert.deepEqual(parseWriteDescriptor('{"version":1,"method":"delete","objects":["b","Z"]}'), {
      method: 'delete',
      objects: ['b', 'Z'],
    });
    assertInvalid(() => parseWriteDescriptor('{"version":1,"method":"delete"}'));
  });

  it('parses the multipart calls (note `part`, not `partNumber`, on complete)', () => {
    const complete = parseWriteDescriptor(
      '{"version":1,"method":"completeMultipartUpload","object":"mp","uploadId":"u1","parts":[{"etag":"e1","part":1}]}',
    );
    assert.deepEqual(complete, {
      method: 'completeMultipartUpload',
      object: 'mp',
      uploadId: 'u1',
      parts: [{ etag: 'e1', part: 1 }],
    });
    const part = parseWriteDescriptor(
      '{"version":1,"method":"uploadPart","object":"mp","uploadId":"u1","partNumber":2}',
    );
    assert.equal(part.method === 'uploadPart' && part.partNumber, 2);
  });

  it('refuses malformed checksums and unknown storage classes', () => {
    assertInvalid(() => parseWriteDescriptor('{"version":1,"method":"put","object":"k","sha1":"xyz"}'));
    assertInvalid(() => parseWriteDescriptor('{"version":1,"method":"put","object":"k","md5":"not base64!"}'));
    assertInvalid(() => parseWriteDescriptor('{"version":1,"method":"put","object":"k","storageClass":"Glacier"}'));
  });
});

describe('normalizeCustomFields', () => {
  it('keeps the last value of a repeated key, in JavaScript key order', () => {
    const fields = normalizeCustomFields([
      { k: 'b', v: 'two' },
      { k: 'a', v: '1' },
      { k: '10', v: 'n' },
      { k: 'b', v: 'again' },
    ]);
    // Integer-like keys come first in a JS record: that is what a Worker sees on Cloudflare too.
    assert.deepEqual(fields, [
      { k: '10', v: 'n' },
      { k: 'b', v: 'again' },
      { k: 'a', v: '1' },
    ]);
  });
});
