import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TAgentServerMessage } from '@kiln/contracts';
import { applySearchReplace, applyUnifiedDiff, parseUnifiedDiff } from './apply-edit.js';
import { FileBlockParser, type ParserEvent } from './file-block-parser.js';
import { FileOutputProcessor } from './file-output-processor.js';
import { sanitizeFilePath } from './file-path.js';

describe('sanitizeFilePath', () => {
  it('keeps plain relative paths and repairs cosmetic noise', () => {
    assert.deepEqual(sanitizeFilePath('src/App.tsx'), { ok: true, path: 'src/App.tsx', repairs: [] });
    const quoted = sanitizeFilePath('`./src//App.tsx`');
    assert.equal(quoted.ok && quoted.path, 'src/App.tsx');
    assert.equal(quoted.ok && quoted.repairs.length, 2);
  });

  for (const bad of [
    '../x',
    'a/../../x',
    '/etc/passwd',
    'C:\\x',
    'C:/x',
    'a\\b',
    'a\0b',
    '~/x',
    '%2e%2e/x',
    '.git/config',
    'a/.GIT/x',
    '',
    '.',
    'file:///etc/x',
    'a\tb',
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.equal(sanitizeFilePath(bad).ok, false);
    });
  }
});

describe('FileBlockParser streaming', () => {
  it('announces a block, streams its lines, then completes it — also when tags are split across chunks', () => {
    const events: ParserEvent[] = [];
    const parser = new FileBlockParser((e) => events.push(e));
    for (const chunk of [
      'Intro\n<fi',
      'le path="src/a.ts" purpose="math">\nexport const',
      ' a = 1;\nexport const b = 2;\n</f',
      'ile>\nbye',
    ]) {
      parser.push(chunk);
    }
    parser.end();
    const kinds = events.filter((e) => e.type !== 'prose').map((e) => e.type);
    assert.deepEqual(kinds, ['block-start', 'block-chunk', 'block-chunk', 'block-end']);
    const start = events.find((e) => e.type === 'block-start');
    assert.deepEqual(start, { type: 'block-start', path: 'src/a.ts', purpose: 'math' });
    const end = events.find((e) => e.type === 'block-end');
    assert.equal(end?.type === 'block-end' && end.block.body, 'export const a = 1;\nexport const b = 2;\n');
  });

  it('emits the chunks of a block before the block is complete', () => {
    const seen: string[] = [];
    const parser = new FileBlockParser((e) => seen.push(e.type));
    parser.push('<file path="a.ts">\nline 1\nline 2\n');
    assert.deepEqual(seen, ['block-start', 'block-chunk', 'block-chunk']);
    parser.push('</file>\n');
    assert.equal(seen.at(-1), 'block-end');
  });
});

describe('FileOutputProcessor events', () => {
  it('maps blocks to VibeSDK file_generating / file_chunk_generated / file_generated and rejections to error', () => {
    const events: TAgentServerMessage[] = [];
    const processor = new FileOutputProcessor({
      readFile: () => undefined,
      emit: (e) => events.push(e),
      purposeOf: (p) => (p === 'src/b.ts' ? 'from the phase plan' : undefined),
    });
    processor.push('<file path="src/b.ts">\nexport {};\n</file>\n<file path="../evil.ts">\nx\n</file>\n');
    const result = processor.end();
    assert.deepEqual(events, [
      { type: 'file_generating', filePath: 'src/b.ts', filePurpose: 'from the phase plan' },
      { type: 'file_chunk_generated', filePath: 'src/b.ts', chunk: 'export {};\n' },
      {
        type: 'file_generated',
        file: { filePath: 'src/b.ts', fileContents: 'export {};\n', filePurpose: 'from the phase plan' },
      },
      {
        type: 'error',
        error: '[UNSAFE_PATH] ../evil.ts escapes the app folder (..)',
        code: 'FILE_REJECTED',
        filePath: '../evil.ts',
      },
    ]);
    assert.deepEqual([...result.files.keys()], ['src/b.ts']);
  });
});

describe('edits', () => {
  const file = 'one\ntwo\nthree\ntwo\nfive\n';

  it('search/replace keeps a missing trailing newline as it was', () => {
    const r = applySearchReplace('a\nb', '<<<<<<< SEARCH\nb\n=======\nc\n>>>>>>> REPLACE');
    assert.deepEqual(r, { ok: true, content: 'a\nc', repairs: [] });
  });

  it('a unified diff hunk whose context occurs twice is placed by its header line', () => {
    const [section] = parseUnifiedDiff('--- a/f\n+++ b/f\n@@ -4,1 +4,1 @@\n-two\n+TWO\n');
    const r = applyUnifiedDiff(file, section!, true);
    assert.deepEqual(r.ok && r.content, 'one\ntwo\nthree\nTWO\nfive\n');
  });

  it('a removed SQL comment line ("--- x" inside a hunk) is not a new file header', () => {
    const [section, ...rest] = parseUnifiedDiff(
      '--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,1 @@\n--- old note\n select 1;\n',
    );
    assert.equal(rest.length, 0);
    const r = applyUnifiedDiff('-- old note\nselect 1;\n', section!, true);
    assert.deepEqual(r.ok && r.content, 'select 1;\n');
  });

  it('hunks apply in order; a failing hunk leaves the whole file untouched', () => {
    const [section] = parseUnifiedDiff('--- a/f\n+++ b/f\n@@ -1 +1 @@\n-one\n+ONE\n@@ -5 +5 @@\n-missing\n+x\n');
    const r = applyUnifiedDiff(file, section!, true);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'EDIT_NO_MATCH');
  });
});
