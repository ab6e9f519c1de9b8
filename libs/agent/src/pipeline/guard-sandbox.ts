import { AgentError } from '../errors.js';
import type { Sandbox } from './ports.js';

/**
 * The sandbox as the pipeline uses it: any failure of the implementation (HTTP errors from the
 * runner, a dead container) becomes `AgentError('SANDBOX_ERROR')` naming the operation, so the
 * session reports it with a stable code and can be resumed once the runner is back.
 */
export function guardSandbox(sandbox: Sandbox): Sandbox {
  const guard =
    <A extends unknown[], R>(operation: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (error) {
        if (error instanceof AgentError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        throw new AgentError('SANDBOX_ERROR', `sandbox ${operation} failed: ${message}`, { cause: error });
      }
    };
  return {
    createPreview: guard('createPreview', sandbox.createPreview.bind(sandbox)),
    writeFiles: guard('writeFiles', sandbox.writeFiles.bind(sandbox)),
    deleteFiles: guard('deleteFiles', sandbox.deleteFiles.bind(sandbox)),
    exec: guard('exec', sandbox.exec.bind(sandbox)),
    runStaticAnalysis: guard('runStaticAnalysis', sandbox.runStaticAnalysis.bind(sandbox)),
    getRuntimeErrors: guard('getRuntimeErrors', sandbox.getRuntimeErrors.bind(sandbox)),
    waitForReady: guard('waitForReady', sandbox.waitForReady.bind(sandbox)),
    // The optional operations stay absent when the implementation has none.
    ...(sandbox.applyBuild ? { applyBuild: guard('applyBuild', sandbox.applyBuild.bind(sandbox)) } : {}),
    ...(sandbox.probe ? { probe: guard('probe', sandbox.probe.bind(sandbox)) } : {}),
  };
}
