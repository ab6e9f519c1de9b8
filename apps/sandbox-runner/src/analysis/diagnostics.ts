import type { TCodeIssue, TExecResult, TStaticAnalysis } from '@kiln/contracts';
import { z } from 'zod';

/**
 * Static analysis of an instance's app: this argv, run through exec in /app, prints one JSON
 * diagnostic per line (infra/runtime/tools/analyze.mjs, shipped in the runtime image).
 */
export const ANALYZE_COMMAND = ['node', '/opt/kiln/tools/analyze.mjs'] as const;

/** One line of the analyzer's output. `file`/`line`/`column` are null for a project-wide problem. */
export const ZAnalyzerDiagnostic = z.object({
  /** `tsc` for type errors; any other tool's findings are lint. */
  source: z.string().min(1),
  file: z.string().nullable(),
  line: z.number().int().nonnegative().nullable(),
  column: z.number().int().nonnegative().nullable(),
  /** `TS2322`, a lint rule id, or `KILN_ANALYZE` when the analysis itself failed. */
  code: z.string(),
  message: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
});
export type TAnalyzerDiagnostic = z.infer<typeof ZAnalyzerDiagnostic>;

/** Code of a diagnostic about the analyzer rather than the app (no checker ran, or it crashed). */
export const ANALYZER_FAILURE = 'KILN_ANALYZE';

/** The analyzer's stdout as diagnostics, and the lines that are not diagnostics. */
export function parseDiagnostics(stdout: string): { diagnostics: TAnalyzerDiagnostic[]; unreadable: string[] } {
  const diagnostics: TAnalyzerDiagnostic[] = [];
  const unreadable: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      unreadable.push(line);
      continue;
    }
    const parsed = ZAnalyzerDiagnostic.safeParse(value);
    if (parsed.success) diagnostics.push(parsed.data);
    else unreadable.push(line);
  }
  return { diagnostics, unreadable };
}

type AnalyzerRun = Pick<TExecResult, 'exitCode' | 'timedOut' | 'oomKilled' | 'stdout' | 'stderr'>;

/**
 * The exec result of {@link ANALYZE_COMMAND} as VibeSDK's static analysis shape. `success` is
 * true only when the analyzer ran to the end and reported no error; when it could not run
 * (timeout, OOM, a crash, output it did not write), `error` says why, so an empty issue list is
 * never mistaken for a clean app.
 */
export function toStaticAnalysis(run: AnalyzerRun): TStaticAnalysis {
  const { diagnostics, unreadable } = parseDiagnostics(run.stdout);
  const issues = diagnostics.filter((d) => d.code !== ANALYZER_FAILURE).map(toIssue);
  const failures = diagnostics.filter((d) => d.code === ANALYZER_FAILURE).map((d) => d.message);
  if (run.timedOut) failures.push('static analysis timed out');
  else if (run.oomKilled) failures.push('static analysis ran out of memory');
  else if (run.exitCode !== 0 && run.exitCode !== 1)
    failures.push(`the analyzer exited with ${run.exitCode ?? 'no code'}${stderrTail(run.stderr)}`);
  else if (run.exitCode === 1 && !issues.some((i) => i.severity === 'error') && failures.length === 0)
    failures.push(`the analyzer reported failure without an error diagnostic${stderrTail(run.stderr)}`);
  if (unreadable.length > 0) failures.push(`unreadable analyzer output: ${unreadable.slice(0, 3).join(' | ')}`);
  const typecheck = issues.filter((i) => i.source === 'tsc');
  const lint = issues.filter((i) => i.source !== 'tsc');
  return {
    success: failures.length === 0 && !issues.some((i) => i.severity === 'error'),
    typecheck: { issues: typecheck, summary: summarize(typecheck) },
    lint: { issues: lint, summary: summarize(lint) },
    ...(failures.length > 0 ? { error: failures.join('; ') } : {}),
  };
}

/** A project-wide diagnostic (no file) gets an empty path and line 0: the contract needs both. */
function toIssue(d: TAnalyzerDiagnostic): TCodeIssue {
  return {
    message: d.message,
    filePath: d.file ?? '',
    line: d.line ?? 0,
    ...(d.column !== null ? { column: d.column } : {}),
    severity: d.severity,
    ruleId: d.code,
    source: d.source,
  };
}

function summarize(issues: TCodeIssue[]): { errorCount: number; warningCount: number; infoCount: number } {
  const count = (s: TCodeIssue['severity']) => issues.filter((i) => i.severity === s).length;
  return { errorCount: count('error'), warningCount: count('warning'), infoCount: count('info') };
}

function stderrTail(stderr: string): string {
  const text = stderr.trim();
  return text ? `: ${text.slice(-500)}` : '';
}
