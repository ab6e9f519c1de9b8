// Static analysis of the app in a preview container: `node /opt/kiln/tools/analyze.mjs [appDir]`
// (default: the working directory, /app when run through the runner's exec).
//
// Runs the type checker (`tsc -b --noEmit` with the app's own tsconfig.json: a
// solution file with references, as the templates have, or a plain one) and the linter (oxlint
// with the app's .oxlintrc.json, or its defaults), and prints one JSON object per finding on
// stdout:
//   {"source":"tsc","file":"src/a.ts","line":3,"column":7,"code":"TS2322","message":"…","severity":"error"}
//   {"source":"oxlint","file":"src/b.tsx","line":9,"column":5,"code":"react/jsx-key","message":"…","severity":"error"}
// `file`, `line` and `column` (1-based) are null for a finding about no file (a broken
// tsconfig.json). Exit code: 0 when no finding is an error, 1 when one is.
//
// Nothing is dropped silently: output a tool printed that this script cannot read, or a tool
// that fails without saying why, becomes a finding with code KILN_ANALYZE, so "no output" always
// means "clean". The tools are resolved from the app (Node's resolution walks up from /app to the
// image's /node_modules). tsc keeps its incremental state where the tsconfig says (the templates
// use node_modules/.tmp in the app), so a second run only re-checks what changed.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const appDir = resolve(process.argv[2] ?? '.');

/** A finding about the analysis itself rather than the app's code. */
const toolFailure = (source, message) => ({
  source,
  file: null,
  line: null,
  column: null,
  code: 'KILN_ANALYZE',
  message,
  severity: 'error',
});

/** The file `bin` of package `name`, as the app resolves it; undefined when it cannot. */
function resolveBin(name, bin) {
  try {
    const pkg = createRequire(join(appDir, 'package.json')).resolve(`${name}/package.json`);
    return join(dirname(pkg), bin);
  } catch {
    return undefined;
  }
}

/** Runs a Node script in the app folder and collects its output. */
function run(script, args) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: appDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout = [];
    const stderr = [];
    child.stdout.on('data', (c) => stdout.push(c));
    child.stderr.on('data', (c) => stderr.push(c));
    child.on('error', (error) => done({ error, status: null, signal: null, stdout: '', stderr: '' }));
    child.on('close', (status, signal) =>
      done({
        error: undefined,
        status,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/** A finding for a tool that exited non-zero without reporting an error. */
function unexplainedFailure(source, result) {
  const why = result.signal ? `was killed by ${result.signal}` : `exited with ${result.status}`;
  const stderr = result.stderr.trim();
  return toolFailure(source, `${source} ${why} without reporting an error${stderr ? `: ${stderr.slice(-1000)}` : ''}`);
}

// `src/a.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.`
const TSC_LOCATED = /^(.+?)\((\d+),(\d+)\): (error|warning|message) (TS\d+): (.*)$/;
// `error TS5083: Cannot read file '/app/tsconfig.json'.`
const TSC_GLOBAL = /^(error|warning|message) (TS\d+): (.*)$/;
const TSC_SEVERITY = { error: 'error', warning: 'warning', message: 'info' };

/** tsc's `--pretty false` output as findings; indented lines continue the previous message. */
function parseTsc(text) {
  const out = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const located = TSC_LOCATED.exec(line);
    const global = located ? null : TSC_GLOBAL.exec(line);
    if (located) {
      const [, file, ln, col, severity, code, message] = located;
      out.push({
        source: 'tsc',
        file,
        line: Number(ln),
        column: Number(col),
        code,
        message,
        severity: TSC_SEVERITY[severity],
      });
    } else if (global) {
      const [, severity, code, message] = global;
      out.push({
        source: 'tsc',
        file: null,
        line: null,
        column: null,
        code,
        message,
        severity: TSC_SEVERITY[severity],
      });
    } else if (/^\s/.test(line) && out.length > 0) {
      out[out.length - 1].message += `\n${line.trim()}`;
    } else {
      out.push(toolFailure('tsc', `unrecognised tsc output: ${line}`));
    }
  }
  return out;
}

async function typeCheck() {
  const tsc = resolveBin('typescript', 'bin/tsc');
  if (!tsc) return [toolFailure('tsc', `typescript cannot be resolved from ${appDir}`)];
  const result = await run(tsc, ['-b', '--noEmit', '--pretty', 'false']);
  if (result.error) return [toolFailure('tsc', `tsc did not run: ${result.error.message}`)];
  const findings = parseTsc(result.stdout);
  if (result.status !== 0 && !findings.some((d) => d.severity === 'error'))
    findings.push(unexplainedFailure('tsc', result));
  return findings;
}

const OXLINT_SEVERITY = { error: 'error', warning: 'warning', advice: 'info' };

/** oxlint's `--format json` report as findings; rule codes as ESLint names them. */
function parseOxlint(text) {
  let report;
  try {
    report = JSON.parse(text);
  } catch {
    return [toolFailure('oxlint', `unreadable oxlint output: ${text.slice(0, 500)}`)];
  }
  return (report.diagnostics ?? []).map((d) => {
    const span = d.labels?.[0]?.span;
    // `eslint(no-unused-vars)` → `no-unused-vars`, `react(jsx-key)` → `react/jsx-key`.
    const rule = /^([\w-]+)\((.+)\)$/.exec(d.code ?? '');
    const code = !rule ? (d.code ?? 'oxlint') : rule[1] === 'eslint' ? rule[2] : `${rule[1]}/${rule[2]}`;
    return {
      source: 'oxlint',
      file: d.filename ?? null,
      line: span?.line ?? null,
      column: span?.column ?? null,
      code,
      message: d.help ? `${d.message}${/[.!?]$/.test(d.message) ? '' : '.'} ${d.help}` : d.message,
      severity: OXLINT_SEVERITY[d.severity] ?? 'warning',
    };
  });
}

async function lint() {
  const oxlint = resolveBin('oxlint', 'bin/oxlint');
  if (!oxlint) return [toolFailure('oxlint', `oxlint cannot be resolved from ${appDir}`)];
  // Build output and dependencies are never the app's source, whatever its config says.
  const ignore = ['--ignore-pattern', 'dist/**', '--ignore-pattern', 'node_modules/**'];
  const result = await run(oxlint, ['--format', 'json', ...ignore]);
  if (result.error) return [toolFailure('oxlint', `oxlint did not run: ${result.error.message}`)];
  const findings = parseOxlint(result.stdout);
  if (result.status !== 0 && !findings.some((d) => d.severity === 'error'))
    findings.push(unexplainedFailure('oxlint', result));
  return findings;
}

// One after the other: each peaks at ~250 MB, and the container (512 MB by default) also runs the app.
const findings = [...(await typeCheck()), ...(await lint())];
process.stdout.write(findings.map((d) => `${JSON.stringify(d)}\n`).join(''));
process.exitCode = findings.some((d) => d.severity === 'error') ? 1 : 0;
