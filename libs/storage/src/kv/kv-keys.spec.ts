import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvTenantError } from './kv-errors.js';
import { namespaceKeys } from './kv-keys.js';

describe('namespaceKeys', () => {
  it('puts a namespace under one hash-tagged prefix', () => {
    const ns = namespaceKeys({ appId: 'app-1', resourceId: 'main' });
    assert.equal(ns.index.toString(), 'kv:{app-1/main}:i');
    assert.equal(ns.record('a:b').toString(), 'kv:{app-1/main}:v:a:b');
  });

  it('stores keys as raw UTF-8 bytes after the prefix', () => {
    const ns = namespaceKeys({ appId: 'a', resourceId: 'b' });
    assert.deepEqual(ns.record('\u0000é').subarray(ns.recordPrefix.length), Buffer.from([0, 0xc3, 0xa9]));
  });

  it('cannot be escaped: no key of one namespace equals a key of another', () => {
    const a = namespaceKeys({ appId: 'a', resourceId: 'b-c' });
    const b = namespaceKeys({ appId: 'a-b', resourceId: 'c' });
    const hostile = ['}:v:x', '/../a-b}:v:x', '{a-b/c}', ':i', '\u0000'];
    for (const k of hostile) {
      assert.ok(a.record(k).subarray(0, a.recordPrefix.length).equals(a.recordPrefix));
      for (const other of hostile) assert.ok(!a.record(k).equals(b.record(other)));
      assert.ok(!a.record(k).equals(a.index));
    }
    // No prefix is a prefix of another namespace's prefix.
    assert.ok(!b.recordPrefix.toString().startsWith(a.recordPrefix.toString()));
    assert.ok(!a.recordPrefix.toString().startsWith(b.recordPrefix.toString()));
  });

  it('refuses ids that could break the layout', () => {
    for (const appId of ['', 'A', 'a/b', 'a}b', 'a:b', '-a', 'x'.repeat(64)]) {
      assert.throws(() => namespaceKeys({ appId, resourceId: 'main' }), KvTenantError);
    }
    for (const resourceId of ['', 'a/b', 'a}', 'a:b', 'x'.repeat(65)]) {
      assert.throws(() => namespaceKeys({ appId: 'app', resourceId }), KvTenantError);
    }
  });
});
