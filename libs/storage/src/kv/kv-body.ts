import type { Readable } from 'node:stream';
import { KvHttpError } from './kv-errors.js';

export type BoundedRead = { ok: true; data: Buffer } | { ok: false; received: number };

/**
 * Buffers a request body of at most `limit` bytes. On the first chunk past the limit it drops what
 * it had, answers at once with the number of bytes seen so far, and lets the rest drain unread
 * (flowing, no listener). Destroying the request would reset the socket before the 413 is sent,
 * and merely pausing it stalls the upload (Node only auto-drains requests nobody started reading):
 * both surface in the Worker as "Network connection lost.". Verified through workerd: with the
 * early answer, a 200 MiB streamed put fails in ~0.1 s with the 413 message.
 *
 * Miniflare instead reads an oversize stream to its end and reports the full length; we report
 * the length at which we stopped, so a client cannot make us wait for (or hold) unbounded data.
 */
export function readBounded(body: Readable, limit: number): Promise<BoundedRead> {
  if (body.readableEnded) return Promise.resolve({ ok: true, data: Buffer.alloc(0) });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('close', onClose);
      outcome();
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      received += buf.length;
      if (received > limit) {
        chunks.length = 0;
        finish(() => resolve({ ok: false, received }));
        body.resume();
        return;
      }
      chunks.push(buf);
    };
    const onEnd = (): void => finish(() => resolve({ ok: true, data: Buffer.concat(chunks, received) }));
    const onClose = (): void =>
      finish(() => reject(new KvHttpError(400, 'The request body ended before it was complete.')));
    // Stays attached after we stop reading: an unhandled 'error' on the request would crash the process.
    const onError = (cause: unknown): void =>
      finish(() => reject(new KvHttpError(400, 'The request body could not be read.', { cause })));
    body.on('data', onData);
    body.once('end', onEnd);
    body.once('close', onClose);
    body.on('error', onError);
  });
}
