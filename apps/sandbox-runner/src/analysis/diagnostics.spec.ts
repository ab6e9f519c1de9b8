import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDiagnostics, toStaticAnalysis } from './diagnostics.js';

const line = (d: object) => JSON.stringify(d);
const typeError = {
  source: 'tsc',
  file: 'src/worker/index.ts',
  line: 12,
  column: 7,
  code: 'TS2322',
  message: "Type 'string' is not assignable to type 'number'.",
  severity: 'error',
};
const run = (stdout: string, over: Partial<Parameters<typeof toStaticAnalysis>[0]> = {}) =>
  toStaticAnalysis({ exitCode: 0, timedOut: false, oomKilled: false, stdout, stderr: '', ...over });

describe('static analysis diagnostics', () => {
  it('reads one diagnostic per line and keeps what is not one apart', () => {
    const out = [line(typeError), '', 'Killed', line({ ...typeError, line: 'twelve' })].join('\n');
    const { diagnostics, unreadable } = parseDiagnostics(out);
    assert.deepEqual(diagnostics, [typeError]);
    assert.deepEqual(unreadable, ['Killed', line({ ...typeError, line: 'twelve' })]);
  });

  it('a run with no output and exit 0 is a clean app', () => {
    const result = run('');
    assert.equal(result.success, true);
    assert.deepEqual(result.typecheck, { issues: [], summary: { errorCount: 0, warningCount: 0, infoCount: 0 } });
    assert.equal(result.error, undefined);
  });

  it('turns type errors into typecheck issues and other sources into lint issues', () => {
    const lint = { ...typeError, source: 'oxlint', code: 'no-unused-vars', severity: 'warning', message: 'x unused' };
    const result = run([line(typeError), line(lint)].join('\n'), { exitCode: 1 });
    assert.equal(result.success, false);
    assert.deepEqual(result.typecheck.issues, [
      {
        message: typeError.message,
        filePath: 'src/worker/index.ts',
        line: 12,
        column: 7,
        severity: 'error',
        ruleId: 'TS2322',
        source: 'tsc',
      },
    ]);
    assert.equal(result.typecheck.summary?.errorCount, 1);
    assert.deepEqual(
      result.lint.issues.map((i) => [i.ruleId, i.severity]),
      [['no-unused-vars', 'warning']],
    );
    assert.equal(result.lint.summary?.warningCount, 1);
    assert.equal(result.error, undefined);
  });

  it('warnings alone still succeed; a project-wide diagnostic has an empty path and line 0', () => {
    const global = { ...typeError, file: null, line: null, column: null, code: 'TS6133', severity: 'warning' };
    const result = run(line(global));
    assert.equal(result.success, true);
    assert.deepEqual(result.typecheck.issues[0], {
      message: typeError.message,
      filePath: '',
      line: 0,
      severity: 'warning',
      ruleId: 'TS6133',
      source: 'tsc',
    });
  });

  it('reports an analysis that could not run as an error, never as a clean app', () => {
    const cases: [Parameters<typeof run>, RegExp][] = [
      [['', { exitCode: 124, timedOut: true }], /timed out/],
      [['', { exitCode: 137, oomKilled: true }], /out of memory/],
      [['', { exitCode: 127, stderr: 'spawn node ENOENT' }], /exited with 127: spawn node ENOENT/],
      [['', { exitCode: 1 }], /failure without an error diagnostic/],
      [['<--- Last few GCs --->'], /unreadable analyzer output: <--- Last few GCs --->/],
      [
        [line({ ...typeError, file: null, line: null, column: null, code: 'KILN_ANALYZE', message: 'tsc was killed' })],
        /tsc was killed/,
      ],
    ];
    for (const [[stdout, over], error] of cases) {
      const result = run(stdout, over);
      assert.equal(result.success, false, stdout);
      assert.match(result.error ?? '', error);
      assert.deepEqual(result.typecheck.issues, [], 'a failure of the analyzer is not an issue of the app');
    }
  });
});
