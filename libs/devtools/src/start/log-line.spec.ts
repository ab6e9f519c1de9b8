import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatLogLine } from './log-line.js';

describe('formatLogLine', () => {
  it('turns a pino request line into one readable line', () => {
    const line = JSON.stringify({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/api/x' },
      res: { statusCode: 404 },
      responseTime: 3,
    });
    assert.equal(formatLogLine(line), 'INFO   request completed  GET /api/x  → 404  3ms');
  });

  it('shows error messages', () => {
    assert.equal(
      formatLogLine(JSON.stringify({ level: 50, msg: 'boom', err: { message: 'db down' } })),
      'ERROR  boom  error: db down',
    );
  });

  it('passes through text and broken JSON unchanged', () => {
    assert.equal(formatLogLine('✓ Ready in 95ms'), '✓ Ready in 95ms');
    assert.equal(formatLogLine('{not json'), '{not json');
  });
});
