import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, defineEnv } from './define-env.js';
import { envPort, envUrl } from './parsers.js';
import { renderEnvMarkdown } from './render-markdown.js';

const env = defineEnv('test service', {
  PORT: { schema: envPort, description: 'port', default: '4000' },
  DATABASE_URL: { schema: envUrl(['postgres', 'postgresql']), description: 'Postgres URL', secret: true },
});

describe('defineEnv', () => {
  it('applies defaults and coerces numbers', () => {
    assert.deepEqual(env.parse({ DATABASE_URL: 'postgres://u@h/db' }), {
      PORT: 4000,
      DATABASE_URL: 'postgres://u@h/db',
    });
  });

  it('names every bad or missing variable in one error', () => {
    assert.throws(
      () => env.parse({ PORT: 'abc' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.deepEqual(
          err.problems.map((p) => p.variable),
          ['PORT', 'DATABASE_URL'],
        );
        assert.match(err.message, /PORT: .*port number.*\(got "abc"\)/);
        assert.match(err.message, /DATABASE_URL: is required/);
        return true;
      },
    );
  });

  it('never echoes secret values', () => {
    assert.throws(
      () => env.parse({ DATABASE_URL: 'mysql://user:hunter2@h/db' }),
      (err: Error) => !err.message.includes('hunter2') && /DATABASE_URL: must be a URL/.test(err.message),
    );
  });

  it('rejects out-of-range ports', () => {
    assert.throws(() => env.parse({ PORT: '70000', DATABASE_URL: 'postgres://h/db' }), /between 1 and 65535/);
  });

  it('renders a markdown table with defaults and required marks', () => {
    const md = renderEnvMarkdown(env);
    assert.match(md, /\| `PORT` \| `4000` \| port \|/);
    assert.match(md, /\| `DATABASE_URL` \| \*\*required\*\* \|/);
  });
});
