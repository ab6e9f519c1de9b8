import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readNdjsonLines } from './ndjson.js';

describe('readNdjsonLines', () => {
  it('joins lines split across chunks and skips blank ones', async () => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of ['{"a":', '1}\n{"b":2}\n\n{"c"', ':3}']) controller.enqueue(encoder.encode(part));
        controller.close();
      },
    });
    const lines: string[] = [];
    await readNdjsonLines(body, (line) => lines.push(line));
    assert.deepEqual(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
  });
});
