import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { invalidMetadata } from './r2-errors.js';

/** A write descriptor is small (customMetadata ≤ 2 KiB plus a few fields); refuse to buffer more. */
const MAX_DESCRIPTOR_BYTES = 64 * 1024;

/**
 * Reads the first `size` bytes of a write request (the descriptor JSON) and leaves the stream
 * positioned at the value bytes that follow it.
 */
export async function readPrefix(body: Readable, size: number): Promise<Buffer> {
  if (!Number.isInteger(size) || size <= 0 || size > MAX_DESCRIPTOR_BYTES) throw invalidMetadata();
  const chunks: Buffer[] = [];
  let have = 0;
  while (have < size) {
    const chunk = body.read() as Buffer | null;
    if (chunk === null) {
      if (body.readableEnded || body.destroyed) throw invalidMetadata();
      await readableOrEnd(body);
      continue;
    }
    chunks.push(chunk);
    have += chunk.length;
  }
  // No await between the last read() and unshift(): once read() drains an ended stream, 'end' is
  // only scheduled, and putting the value bytes back in this tick cancels it.
  const all = Buffer.concat(chunks);
  if (all.length > size) body.unshift(all.subarray(size));
  return all.subarray(0, size);
}

function readableOrEnd(body: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      body.off('readable', done);
      body.off('end', done);
      body.off('close', done);
      body.off('error', fail);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    body.on('readable', done);
    body.on('end', done);
    body.on('close', done);
    body.on('error', fail);
  });
}

/** Node's names for R2's checksum algorithms, in R2's index order ("0".."4"). */
export const HASHES = [
  { index: '0', field: 'md5', node: 'md5', r2Name: 'MD5' },
  { index: '1', field: 'sha1', node: 'sha1', r2Name: 'SHA-1' },
  { index: '2', field: 'sha256', node: 'sha256', r2Name: 'SHA-256' },
  { index: '3', field: 'sha384', node: 'sha384', r2Name: 'SHA-384' },
  { index: '4', field: 'sha512', node: 'sha512', r2Name: 'SHA-512' },
] as const;
export type HashField = (typeof HASHES)[number]['field'];

/**
 * Hashes and counts the bytes on their way to the blob store, so no object is ever held in memory.
 * Fails the stream as soon as more than `expected` bytes arrive, or at the end if fewer did: the
 * blob driver then discards what it wrote.
 */
export class Digester extends Transform {
  private readonly hashes: Map<HashField, Hash>;
  private count = 0;

  constructor(
    fields: readonly HashField[],
    private readonly expected: number,
  ) {
    super();
    this.hashes = new Map(fields.map((f) => [f, createHash(HASHES.find((h) => h.field === f)!.node)]));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.expected) return done(lengthMismatch(this.expected, this.count));
    for (const hash of this.hashes.values()) hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(this.count === this.expected ? null : lengthMismatch(this.expected, this.count));
  }

  /** Call once the stream has ended. */
  digests(): Map<HashField, Buffer> {
    return new Map([...this.hashes].map(([f, h]) => [f, h.digest()]));
  }
}

export class BodyLengthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyLengthError';
  }
}

function lengthMismatch(expected: number, got: number): BodyLengthError {
  return new BodyLengthError(`request body: expected ${expected} value bytes, received at least ${got}`);
}

/**
 * Feeds `source` through `digester`. A source that fails or closes early (the client went away)
 * fails the digester, so the blob driver discards what it wrote instead of waiting forever; the
 * source itself is left alone, so the gateway can still answer.
 */
export function digestStream(source: Readable, digester: Digester): Digester {
  const fail = (err?: Error | null) => digester.destroy(err ?? new BodyLengthError('request body closed early'));
  // The blob driver sees any failure through its own reading, but may not be reading yet (it can
  // be awaiting a mkdir or an S3 call): without a listener, that 'error' would crash the process.
  digester.on('error', () => undefined);
  if (source.errored || (source.destroyed && !source.readableEnded)) {
    fail(source.errored);
    return digester;
  }
  source.once('error', fail);
  source.once('close', () => {
    if (!source.readableEnded) fail(source.errored);
  });
  return source.pipe(digester);
}

/**
 * `head` followed by the bytes of each opened stream in turn. Streams after the first are opened
 * only when reached, so a 10,000-part object holds one connection at a time. `onClose` runs once,
 * when the result ends, fails or is destroyed by the consumer.
 */
export function concatStreams(
  head: Buffer,
  first: Readable | undefined,
  rest: ReadonlyArray<() => Promise<Readable>>,
  onClose: () => void,
): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    let current = first;
    let i = 0;
    try {
      while (current) {
        for await (const chunk of current) yield chunk as Buffer;
        current = i < rest.length ? await rest[i++]!() : undefined;
      }
    } finally {
      current?.destroy();
    }
  }
  // The first stream is open before anyone reads: a failure then (an S3 connection reset) must
  // not be an unhandled 'error'. Iterating it later still surfaces that error.
  first?.on('error', () => undefined);
  const out = Readable.from(chunks(), { objectMode: false });
  out.once('close', () => {
    // A consumer that destroys us before the first read never starts the generator.
    first?.destroy();
    onClose();
  });
  return out;
}
