import type { Miniflare } from 'miniflare';
import { type Summary, summarise } from './stats.js';

/** One benchmarked operation: a request to the bench Worker, repeated `iterations` times after a warm-up. */
export interface Op {
  name: string;
  path: (i: number) => string;
  body?: Uint8Array | string;
  iterations: number;
  target?: number;
}

/** Anything that serves the bench Worker: Miniflare itself, or Kiln's runtime around it. */
export type Target = Pick<Miniflare, 'dispatchFetch'>;

export async function time(mf: Target, op: Op): Promise<Summary> {
  const samples: number[] = [];
  const warmup = Math.min(50, op.iterations);
  for (let i = 0; i < warmup + op.iterations; i++) {
    const start = performance.now();
    const res = await mf.dispatchFetch(
      `http://bench${op.path(i)}`,
      op.body === undefined ? {} : { method: 'POST', body: op.body },
    );
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${op.name}: ${res.status}`);
    if (i >= warmup) samples.push(performance.now() - start);
  }
  return summarise(samples);
}

export async function runAll(mf: Target, ops: Op[]): Promise<Summary[]> {
  const out: Summary[] = [];
  for (const op of ops) out.push(await time(mf, op));
  return out;
}
