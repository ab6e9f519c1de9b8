import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tierOf } from './find-tests.js';

describe('tierOf', () => {
  it('classifies compiled test files by suffix', () => {
    assert.equal(tierOf('config.spec.js'), 'unit');
    assert.equal(tierOf('api.int.spec.js'), 'integration');
    assert.equal(tierOf('start.e2e.spec.js'), 'e2e');
    assert.equal(tierOf('config.js'), undefined);
    assert.equal(tierOf('config.spec.d.ts'), undefined);
  });
});
