import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ZAgentServerMessage, type TAgentServerMessage } from '@kiln/contracts';
import { FileOutputProcessor, type FileOutputResult } from './file-output-processor.js';

/**
 * The malformed-output corpus: `test/malformed/NNN-name.txt` is a model's answer as it arrived,
 * `NNN-name.expected.json` says what must come of it — the files written (exact content) and
 * the rejections (code and path, in order). Every case runs whole and in many chunkings, since
 * the parser sees the answer in whatever pieces the provider streams.
 */

interface Expected {
  category: string;
  description: string;
  existing?: Record<string, string>;
  truncated?: boolean;
  written: Record<string, string>;
  rejected: { code: string; path?: string }[];
  unattributed?: number;
}

const dir = fileURLToPath(new URL('../../test/malformed/', import.meta.url));
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((f) => {
    const name = f.slice(0, -'.txt'.length);
    return {
      name,
      text: readFileSync(`${dir}${f}`, 'utf8'),
      expected: JSON.parse(readFileSync(`${dir}${name}.expected.json`, 'utf8')) as Expected,
    };
  });

function run(text: string, expected: Expected, chunks: string[]) {
  const existing = new Map(Object.entries(expected.existing ?? {}));
  const events: TAgentServerMessage[] = [];
  const processor = new FileOutputProcessor({ readFile: (p) => existing.get(p), emit: (e) => events.push(e) });
  for (const c of chunks) processor.push(c);
  const result = processor.end({ truncated: expected.truncated === true });
  return { result, events };
}

/** Deterministic pseudo-random chunk sizes (mulberry32). */
function chunkings(text: string): string[][] {
  const out: string[][] = [[text], [...text]];
  for (let seed = 1; seed <= 6; seed++) {
    let s = seed * 0x9e3779b9;
    const rand = () => {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pieces: string[] = [];
    for (let i = 0; i < text.length;) {
      const n = 1 + Math.floor(rand() * (seed * 4));
      pieces.push(text.slice(i, i + n));
      i += n;
    }
    out.push(pieces);
  }
  return out;
}

function outcome(result: FileOutputResult) {
  return {
    written: Object.fromEntries(result.files),
    rejected: result.rejected.map((r) => (r.path === undefined ? { code: r.code } : { code: r.code, path: r.path })),
  };
}

describe('malformed model output corpus', () => {
  it('has at least 50 cases, each with an expectation', () => {
    assert.ok(cases.length >= 50, `corpus has ${cases.length} cases`);
  });

  const counts = new Map<string, { cases: number; clean: number; repaired: number; rejected: number }>();

  for (const c of cases) {
    it(`${c.name} (${c.expected.category}): ${c.expected.description}`, () => {
      const reference = run(c.text, c.expected, [c.text]);
      assert.deepEqual(outcome(reference.result), { written: c.expected.written, rejected: c.expected.rejected });
      if (c.expected.unattributed !== undefined)
        assert.equal(reference.result.unattributedCodeBlocks, c.expected.unattributed);

      // The same outcome whatever the chunking.
      for (const chunks of chunkings(c.text)) {
        assert.deepEqual(
          outcome(run(c.text, c.expected, chunks).result),
          outcome(reference.result),
          `chunked into ${chunks.length} pieces`,
        );
      }

      // Every event has the contract's shape; every rejection is announced as an error naming its
      // file; every written file as file_generated — and nothing rejected was written.
      for (const e of reference.events) ZAgentServerMessage.parse(e);
      const errors = reference.events.filter((e) => e.type === 'error');
      assert.equal(errors.length, reference.result.rejected.length);
      for (const [i, r] of reference.result.rejected.entries()) {
        assert.equal(errors[i]!.type === 'error' ? errors[i]!.filePath : 'not an error', r.path);
        assert.ok(errors[i]!.type === 'error' && errors[i]!.error.includes(r.code));
      }
      const generated = reference.events.filter((e) => e.type === 'file_generated');
      assert.equal(generated.length, reference.result.written.length);
      for (const r of reference.result.rejected) {
        if (r.path !== undefined && c.expected.existing?.[r.path] !== undefined && !(r.path in c.expected.written)) {
          assert.equal(reference.result.files.has(r.path), false, `${r.path} must stay untouched`);
        }
      }

      const count = counts.get(c.expected.category) ?? { cases: 0, clean: 0, repaired: 0, rejected: 0 };
      count.cases += 1;
      if (reference.result.rejected.length > 0) count.rejected += 1;
      else if (reference.result.written.some((w) => w.repairs.length > 0)) count.repaired += 1;
      else count.clean += 1;
      counts.set(c.expected.category, count);
    });
  }

  it('reports per-category counts', (t) => {
    let total = 0;
    for (const [category, n] of [...counts.entries()].sort()) {
      t.diagnostic(
        `${category}: ${n.cases} cases — ${n.repaired} repaired, ${n.rejected} rejected, ${n.clean} accepted as written`,
      );
      total += n.cases;
    }
    t.diagnostic(`total: ${total} cases`);
    assert.equal(total, cases.length, 'every case must have run and passed');
  });
});
