import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '@kiln/config';
import { apiEnv } from './config.js';

const valid = { DATABASE_URL: 'postgres://kiln:pw@localhost:5432/kiln', REDIS_URL: 'redis://localhost:6379/0' };

describe('API configuration', () => {
  it('fills defaults', () => {
    const config = apiEnv.parse(valid);
    assert.equal(config.API_PORT, 4000);
    assert.equal(config.API_HOST, '127.0.0.1');
    assert.equal(config.LOG_LEVEL, 'info');
  });

  it('names a bad port and a missing database URL', () => {
    assert.throws(
      () => apiEnv.parse({ REDIS_URL: valid.REDIS_URL, API_PORT: 'eighty' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.map((p) => p.variable).join(',') === 'API_PORT,DATABASE_URL' &&
        err.message.includes('API (apps/api): invalid configuration'),
    );
  });

  it('rejects a Redis URL with the wrong scheme without echoing credentials', () => {
    assert.throws(
      () => apiEnv.parse({ ...valid, REDIS_URL: 'http://:topsecret@localhost:6379' }),
      (err: Error) =>
        /REDIS_URL: must be a URL with scheme redis:\/\//.test(err.message) && !err.message.includes('topsecret'),
    );
  });

  it('rejects an unknown log level', () => {
    assert.throws(() => apiEnv.parse({ ...valid, LOG_LEVEL: 'loud' }), /LOG_LEVEL: must be one of/);
  });
});
