import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conditionHolds } from './r2-conditions.js';

const object = { etag: 'abc', uploaded: 1_700_000_000_500 };

describe('conditionHolds', () => {
  it('etagMatches compares strongly: a weak etag never matches', () => {
    assert.equal(conditionHolds({ etagMatches: [{ type: 'strong', value: 'abc' }] }, object), true);
    assert.equal(conditionHolds({ etagMatches: [{ type: 'weak', value: 'abc' }] }, object), false);
    assert.equal(conditionHolds({ etagMatches: [{ type: 'strong', value: 'x' }] }, object), false);
    assert.equal(
      conditionHolds(
        {
          etagMatches: [
            { type: 'strong', value: 'x' },
            { type: 'strong', value: 'abc' },
          ],
        },
        object,
      ),
      true,
    );
    assert.equal(conditionHolds({ etagMatches: [{ type: 'wildcard' }] }, object), true);
  });

  it('etagDoesNotMatch compares weakly: W/"abc" counts as abc', () => {
    assert.equal(conditionHolds({ etagDoesNotMatch: [{ type: 'strong', value: 'abc' }] }, object), false);
    assert.equal(conditionHolds({ etagDoesNotMatch: [{ type: 'weak', value: 'abc' }] }, object), false);
    assert.equal(conditionHolds({ etagDoesNotMatch: [{ type: 'strong', value: 'x' }] }, object), true);
    assert.equal(conditionHolds({ etagDoesNotMatch: [{ type: 'wildcard' }] }, object), false);
  });

  it('compares upload times exclusively, to the second when asked', () => {
    assert.equal(conditionHolds({ uploadedBefore: object.uploaded + 1 }, object), true);
    assert.equal(conditionHolds({ uploadedBefore: object.uploaded }, object), false);
    assert.equal(conditionHolds({ uploadedAfter: object.uploaded - 1 }, object), true);
    assert.equal(conditionHolds({ uploadedAfter: object.uploaded }, object), false);
    // HTTP dates have whole seconds: 1_700_000_000_000 and ..._500 are the same second.
    assert.equal(conditionHolds({ uploadedAfter: 1_700_000_000_000 }, object), true);
    assert.equal(conditionHolds({ uploadedAfter: 1_700_000_000_000, secondsGranularity: true }, object), false);
    assert.equal(conditionHolds({ uploadedBefore: 1_700_000_001_000, secondsGranularity: true }, object), true);
  });

  it('If-None-Match overrides If-Modified-Since, If-Match overrides If-Unmodified-Since', () => {
    const future = object.uploaded + 10_000;
    const past = object.uploaded - 10_000;
    assert.equal(
      conditionHolds({ etagDoesNotMatch: [{ type: 'strong', value: 'x' }], uploadedAfter: future }, object),
      true,
    );
    assert.equal(
      conditionHolds({ etagMatches: [{ type: 'strong', value: 'abc' }], uploadedBefore: past }, object),
      true,
    );
    assert.equal(conditionHolds({ uploadedAfter: future }, object), false);
    assert.equal(conditionHolds({ uploadedBefore: past }, object), false);
  });

  it('a missing object fails only etagMatches and uploadedAfter', () => {
    assert.equal(conditionHolds({ etagDoesNotMatch: [{ type: 'wildcard' }] }, undefined), true);
    assert.equal(conditionHolds({ uploadedBefore: 1 }, undefined), true);
    assert.equal(conditionHolds({ etagMatches: [{ type: 'wildcard' }] }, undefined), false);
    assert.equal(conditionHolds({ uploadedAfter: 1 }, undefined), false);
  });
});
