import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ts from 'typescript';
import { typecheck } from '../testing/in-memory-sandbox.js';
import { deterministicFixes, exportKind } from './deterministic-fixes.js';

/** The diagnostics come from the real TypeScript checker over the files, never written by hand. */
const BUNDLER: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  types: [],
  strict: true,
  noEmit: true,
};
const NODENEXT: ts.CompilerOptions = {
  ...BUNDLER,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
};

function fixAll(files: Record<string, string>, options = BUNDLER) {
  const map = new Map(Object.entries(files));
  const before = typecheck(map, options).diagnostics;
  const fixes = deterministicFixes(map, before);
  for (const f of fixes) map.set(f.path, f.content);
  return { before, fixes, after: typecheck(map, options).diagnostics, files: map };
}

describe('deterministic fixes', () => {
  it('adds the import of a name exactly one file exports (value and type)', () => {
    const { before, fixes, after, files } = fixAll({
      'src/util/math.ts': 'export function double(n: number): number {\n  return n * 2;\n}\n',
      'src/types.ts': 'export interface Point {\n  x: number;\n}\n',
      'src/main.ts': "import { x } from './x';\nexport const p: Point = { x: double(x) };\n",
      'src/x.ts': 'export const x = 1;\n',
    });
    assert.deepEqual(before.map((d) => d.code).sort(), ['TS2304', 'TS2304']);
    assert.equal(fixes.length, 1);
    assert.deepEqual(after, []);
    assert.equal(
      files.get('src/main.ts'),
      "import { x } from './x';\nimport type { Point } from './types';\nimport { double } from './util/math';\nexport const p: Point = { x: double(x) };\n",
    );
  });

  it('leaves an ambiguous name alone (two files export it)', () => {
    const { before, fixes } = fixAll({
      'src/a.ts': 'export const helper = 1;\n',
      'src/b.ts': 'export const helper = 2;\n',
      'src/main.ts': 'export const y = helper;\n',
    });
    assert.equal(before.length, 1);
    assert.deepEqual(fixes, []);
  });

  it('corrects a relative import whose file lives elsewhere', () => {
    const { before, fixes, after, files } = fixAll({
      'src/lib/db.ts': 'export const db = 1;\n',
      'src/routes/todos.ts': "import { db } from './db';\nexport const t = db;\n",
    });
    assert.deepEqual(
      before.map((d) => d.code),
      ['TS2307'],
    );
    assert.equal(fixes.length, 1);
    assert.deepEqual(after, []);
    assert.equal(files.get('src/routes/todos.ts'), "import { db } from '../lib/db';\nexport const t = db;\n");
  });

  it('adds the extension NodeNext requires, as tsc suggests it', () => {
    const { before, after, files } = fixAll(
      {
        'package.json': '{ "type": "module" }\n',
        'src/a.ts': 'export const a = 1;\n',
        'src/main.ts': "import { a } from './a';\nexport const b = a;\n",
      },
      NODENEXT,
    );
    assert.deepEqual(
      before.map((d) => d.code),
      ['TS2835'],
    );
    assert.deepEqual(after, []);
    assert.equal(files.get('src/main.ts'), "import { a } from './a.js';\nexport const b = a;\n");
  });

  it('uses .js in added imports when the app already does', () => {
    const { after, files } = fixAll(
      {
        'package.json': '{ "type": "module" }\n',
        'src/a.ts': 'export const a = 1;\n',
        'src/b.ts': "import { a } from './a.js';\nexport const b = a + twice(1);\n",
        'src/twice.ts': 'export function twice(n: number) {\n  return 2 * n;\n}\n',
      },
      NODENEXT,
    );
    assert.deepEqual(after, []);
    assert.match(files.get('src/b.ts')!, /^import \{ twice \} from '\.\/twice\.js';$/m);
  });

  it('does nothing for errors it has no rule for', () => {
    const { before, fixes } = fixAll({ 'src/a.ts': "export const n: number = 'one';\n" });
    assert.deepEqual(
      before.map((d) => d.code),
      ['TS2322'],
    );
    assert.deepEqual(fixes, []);
  });

  it('recognises exports by declaration and by export list', () => {
    assert.equal(exportKind('export async function load() {}', 'load'), 'value');
    assert.equal(exportKind('export type Id = string;', 'Id'), 'type');
    assert.equal(exportKind('const a = 1;\nexport { a as b, c };', 'b'), 'value');
    assert.equal(exportKind('export type { T } ;', 'T'), 'type');
    assert.equal(exportKind("export { a } from './x';", 'a'), undefined, 're-exports are left to tsc');
    assert.equal(exportKind('export const loader = 1;', 'load'), undefined);
  });
});
