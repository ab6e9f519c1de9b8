import type { TExecResult, TStaticAnalysis } from '@kiln/contracts';
import type { EventSink, Sandbox, TDiagnostic, TProbeResult, TSandboxRuntimeError } from './ports.js';

export interface AppCheckRequest {
  instanceId: string;
  /** The template's build command (argv in the app folder). */
  buildCommand: readonly string[];
  timeoutMs: number;
  /** Runtime errors older than the last write are about code that is gone. */
  runtimeErrorsSince?: string | undefined;
  /**
   * Paths requested (GET) through the preview after a successful build, so that errors that only
   * happen when the code runs are logged (the sandbox's `probe`; `/` and the blueprint's checks).
   */
  probePaths?: readonly string[];
  signal?: AbortSignal | undefined;
}

export interface AppCheck {
  /** Errors only: static analysis, and a build failure static analysis did not see. */
  diagnostics: TDiagnostic[];
  runtimeErrors: TSandboxRuntimeError[];
  build: TExecResult;
}

/**
 * Checks the preview's app as a whole: static analysis, the build (applied to the preview when it
 * succeeds) and the preview's runtime errors; reports them as `static_analysis_results` and
 * `runtime_error_found` events. Only reads the app, so it is safe to repeat after a resume.
 */
export async function checkApp(sandbox: Sandbox, events: EventSink, request: AppCheckRequest): Promise<AppCheck> {
  const { instanceId, buildCommand, signal } = request;
  const report = await sandbox.runStaticAnalysis(instanceId, signal);
  const build = await sandbox.exec(instanceId, [...buildCommand], {
    timeoutMs: request.timeoutMs,
    ...(signal ? { signal } : {}),
  });
  let probed: TProbeResult[] = [];
  if (build.exitCode === 0) {
    await sandbox.applyBuild?.(instanceId, signal);
    const paths = [...new Set(request.probePaths ?? [])];
    if (paths.length) probed = (await sandbox.probe?.(instanceId, paths, signal)) ?? [];
  }
  const reported = [...report.diagnostics];
  // A failing build usually repeats what tsc said; only a build failure tsc did not see is new.
  if (build.exitCode !== 0 && !reported.some((d) => d.severity === 'error')) {
    const output = `${build.stderr}\n${build.stdout}`.trim();
    reported.push({
      file: '',
      line: 0,
      column: 0,
      code: build.timedOut ? 'BUILD_TIMEOUT' : 'BUILD_FAILED',
      message: `${buildCommand.join(' ')} exited with ${build.exitCode ?? 'a signal'}: ${output.slice(-2000)}`,
      severity: 'error',
      source: 'build',
    });
  }
  await events.emit({ type: 'static_analysis_results', staticAnalysis: toStaticAnalysis(reported, report.rawOutput) });
  const logged = await sandbox.getRuntimeErrors(instanceId, {
    ...(request.runtimeErrorsSince ? { since: request.runtimeErrorsSince } : {}),
    ...(signal ? { signal } : {}),
  });
  const runtimeErrors = [...logged.filter((e) => e.level === 'error'), ...unloggedFailures(probed, logged)];
  if (runtimeErrors.length) {
    await events.emit({
      type: 'runtime_error_found',
      // VibeSDK's runtime errors are pino lines: level 50 = error.
      errors: runtimeErrors.map((e) => ({
        timestamp: e.time,
        level: 50,
        message: e.message,
        rawOutput: JSON.stringify(e),
      })),
      count: runtimeErrors.length,
    });
  }
  return { diagnostics: reported.filter((d) => d.severity === 'error'), runtimeErrors, build };
}

/**
 * Server errors the probe saw that the preview's log does not hold (yet): the sandbox may
 * collect them asynchronously, and the fix loop must not miss them.
 */
function unloggedFailures(
  probed: readonly TProbeResult[],
  logged: readonly TSandboxRuntimeError[],
): TSandboxRuntimeError[] {
  return probed
    .filter((p) => p.status >= 500 || p.status === 0)
    .filter((p) => !logged.some((e) => e.request?.path === p.path && e.request.status === p.status))
    .map((p) => ({
      kind: 'request' as const,
      level: 'error' as const,
      message: p.detail ?? (p.status === 0 ? 'the preview did not answer' : `answered ${p.status}`),
      time: new Date().toISOString(),
      request: { method: 'GET', path: p.path, status: p.status },
    }));
}

/** A runtime error as a diagnostic, so that one list holds every open problem. */
export function runtimeDiagnostic(error: TSandboxRuntimeError): TDiagnostic {
  return {
    file: '',
    line: 0,
    column: 0,
    code: error.request ? `HTTP_${error.request.status}` : `RUNTIME_${error.kind.toUpperCase()}`,
    message: error.request ? `${error.request.method} ${error.request.path}: ${error.message}` : error.message,
    severity: 'error',
    source: 'runtime',
  };
}

export function toStaticAnalysis(diagnostics: readonly TDiagnostic[], rawOutput: string | undefined): TStaticAnalysis {
  const issues = (source: 'lint' | 'typecheck') =>
    diagnostics
      .filter((d) => (source === 'lint' ? d.source === 'lint' : d.source !== 'lint'))
      .map((d) => ({
        message: d.message,
        filePath: d.file,
        line: d.line,
        column: d.column,
        severity: d.severity,
        ruleId: d.code,
        source: d.source,
      }));
  const typecheck = issues('typecheck');
  return {
    success: !diagnostics.some((d) => d.severity === 'error'),
    lint: { issues: issues('lint') },
    typecheck: { issues: typecheck, ...(rawOutput ? { rawOutput } : {}) },
  };
}
