export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

/** Percentiles by nearest rank over per-operation times in milliseconds. */
export function summarise(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

export const ms = (x: number) => x.toFixed(3);
