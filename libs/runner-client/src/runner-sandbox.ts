import type {
  CreatePreviewRequest,
  Sandbox,
  TExecResult,
  TPreviewInstance,
  TProbeResult,
  TReadiness,
  TSandboxFile,
  TSandboxRuntimeError,
  TStaticAnalysisReport,
} from '@kiln/agent';
import type { TCodeIssue } from '@kiln/contracts';
import type { RunnerClient } from './runner-client.js';

/** How long a probed path may take to answer (a hanging handler counts as no answer). */
const PROBE_TIMEOUT_MS = 10_000;

/** Who a session's preview belongs to: the app (its bindings' data) and the user (runner caps). */
export interface SandboxOwner {
  appId: string;
  userId: string;
  /** The app's binding-gateway token (appToken of the gateway secret). */
  gatewayToken: string;
}

/**
 * The agent's Sandbox port on the sandbox runner: one preview instance per session, created from
 * the template plus the session's files and reused while it lives.
 */
export class RunnerSandbox implements Sandbox {
  private instanceId: string | undefined;

  constructor(
    private readonly runner: RunnerClient,
    private readonly owner: SandboxOwner,
    /** The preview an earlier owner of the session used: reused when it still runs. */
    instanceId?: string,
  ) {
    this.instanceId = instanceId;
  }

  async createPreview(request: CreatePreviewRequest): Promise<TPreviewInstance> {
    if (this.instanceId) {
      const live = await this.runner.get(this.instanceId).catch(() => undefined);
      if (live && live.state !== 'exited') {
        if (request.files.length) await this.runner.writeFiles(live.id, request.files);
        return { instanceId: live.id, previewURL: this.runner.previewUrl(live) };
      }
    }
    const instance = await this.runner.create({
      appId: this.owner.appId,
      userId: this.owner.userId,
      template: request.template,
      files: request.files,
      gatewayToken: this.owner.gatewayToken,
    });
    this.instanceId = instance.id;
    return { instanceId: instance.id, previewURL: this.runner.previewUrl(instance) };
  }

  async writeFiles(instanceId: string, files: TSandboxFile[]): Promise<void> {
    if (files.length) await this.runner.writeFiles(instanceId, files);
  }

  async deleteFiles(instanceId: string, paths: string[]): Promise<void> {
    for (const path of paths) await this.runner.deleteFile(instanceId, path);
  }

  exec(instanceId: string, command: string[], options: { timeoutMs: number }): Promise<TExecResult> {
    return this.runner.exec(instanceId, { command, timeoutMs: options.timeoutMs });
  }

  /** The runtime reloads now and answers once it has; a failed reload shows in the runtime errors. */
  async applyBuild(instanceId: string): Promise<void> {
    await this.runner.reload(instanceId);
  }

  /**
   * GETs each path through the runner's preview proxy, which records the app's 5xx answers among
   * the instance's errors; the start of a failed answer's body comes back as `detail`.
   */
  async probe(instanceId: string, paths: string[], signal?: AbortSignal): Promise<TProbeResult[]> {
    const base = this.runner.previewUrl(await this.runner.get(instanceId));
    const results: TProbeResult[] = [];
    for (const path of paths) {
      const url = new URL(path.slice(1), base.endsWith('/') ? base : `${base}/`);
      try {
        const res = await fetch(url, {
          signal: signal
            ? AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)])
            : AbortSignal.timeout(PROBE_TIMEOUT_MS),
          redirect: 'manual',
        });
        const body = await res.text();
        results.push({ path, status: res.status, ...(res.status >= 500 ? { detail: body.slice(0, 1000) } : {}) });
      } catch (error) {
        if (signal?.aborted) throw error;
        results.push({ path, status: 0, detail: error instanceof Error ? error.message : String(error) });
      }
    }
    return results;
  }

  async runStaticAnalysis(instanceId: string): Promise<TStaticAnalysisReport> {
    const analysis = await this.runner.analyze(instanceId);
    if (analysis.error) throw new Error(`static analysis could not run: ${analysis.error}`);
    const diagnostics = [
      ...analysis.typecheck.issues.map((i) => diagnostic(i, 'typecheck')),
      ...analysis.lint.issues.map((i) => diagnostic(i, 'lint')),
    ];
    const rawOutput = [analysis.typecheck.rawOutput, analysis.lint.rawOutput].filter(Boolean).join('\n');
    return { diagnostics, ...(rawOutput ? { rawOutput } : {}) };
  }

  getRuntimeErrors(instanceId: string, options?: { since?: string }): Promise<TSandboxRuntimeError[]> {
    return this.runner.errors(instanceId, options?.since);
  }

  async waitForReady(instanceId: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<TReadiness> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const instance = await this.runner.get(instanceId);
      const previewURL = this.runner.previewUrl(instance);
      if (instance.state === 'ready') return { ready: true, previewURL };
      if (instance.state === 'exited' || Date.now() >= deadline || options.signal?.aborted)
        return { ready: false, previewURL };
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function diagnostic(issue: TCodeIssue, source: 'typecheck' | 'lint') {
  return {
    file: issue.filePath,
    line: issue.line,
    column: issue.column ?? 0,
    code: issue.ruleId ?? '',
    message: issue.message,
    severity: issue.severity,
    source,
  };
}
