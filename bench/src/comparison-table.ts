import { type Summary, ms } from './stats.js';
import type { Op } from './time-requests.js';

export const REFERENCE = 'Miniflare local';

export interface Comparison {
  title: string;
  /** Lines under the title: what is measured and against what. */
  intro: string[];
  ops: Op[];
  /** Column labels of Kiln's variants, in table order. */
  variants: string[];
  /** Per label (REFERENCE and each variant): one summary per op, in op order. */
  results: Map<string, Summary[]>;
  /** Variants whose best p50 ratio is held against an op's target, and how that is named. */
  judged: { labels: string[]; name: string };
  log: (line: string) => void;
}

/** A markdown section: per op, the reference and every variant as p50 / p99 (p50 ratio), and the target verdict. */
export function comparisonTable(c: Comparison): string {
  const ref = c.results.get(REFERENCE) ?? [];
  const rows = c.ops.map((op, i) => {
    const base = ref[i];
    const ratio = (label: string) => {
      const s = c.results.get(label)?.[i];
      return s && base ? s.p50 / base.p50 : NaN;
    };
    const cells = c.variants.map((label) => {
      const s = c.results.get(label)?.[i];
      return s && base ? `${ms(s.p50)} / ${ms(s.p99)} (${ratio(label).toFixed(2)}x)` : '';
    });
    const best = Math.min(...c.judged.labels.map(ratio));
    const target =
      op.target === undefined
        ? ''
        : `${op.target}x: ${best <= op.target ? 'met' : 'missed'} (${c.judged.name} ${best.toFixed(2)}x)`;
    c.log(`${op.name}: Miniflare ${ms(base?.p50 ?? NaN)} ms; ${cells.join('; ')}`);
    return `| ${op.name} | ${base ? `${ms(base.p50)} / ${ms(base.p99)}` : ''} | ${cells.join(' | ')} | ${target} |`;
  });
  return [
    c.title,
    '',
    ...c.intro,
    '',
    `| operation | ${REFERENCE} | ${c.variants.join(' | ')} | target |`,
    `| --- | --- | ${c.variants.map(() => '---').join(' | ')} | --- |`,
    ...rows,
  ].join('\n');
}
