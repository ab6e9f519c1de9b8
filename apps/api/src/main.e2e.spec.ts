import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('./main.js', import.meta.url));

describe('API start-up', () => {
  it('a bad environment stops start-up and names each variable', () => {
    const result = spawnSync(process.execPath, [main], {
      env: { PATH: process.env['PATH'], API_PORT: '99999', REDIS_URL: 'redis://127.0.0.1:1/0' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /API \(apps\/api\): invalid configuration/);
    assert.match(result.stderr, /API_PORT: must be a port number between 1 and 65535 \(got "99999"\)/);
    assert.match(result.stderr, /DATABASE_URL: is required/);
    assert.doesNotMatch(result.stderr, /REDIS_URL/, 'valid variables are not reported');
  });
});
