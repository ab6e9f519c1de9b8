import {
  type TCreateInstance,
  type TErrorCode,
  type TExecRequest,
  type TExecResult,
  type TInstance,
  type TInstanceError,
  type TReloadResult,
  type TStaticAnalysis,
  type TWriteFiles,
  ZErrorCode,
  ZExecResult,
  ZFileContent,
  ZInstance,
  ZInstanceError,
  ZReloadResult,
  ZStaticAnalysis,
} from '@kiln/contracts';
import { z } from 'zod';

/** The runner answered with an error envelope (its code and message are kept) or not at all. */
export class RunnerRequestError extends Error {
  override readonly name = 'RunnerRequestError';
  constructor(
    /** HTTP status; 0 when the runner did not answer. */
    readonly status: number,
    readonly code: TErrorCode,
    message: string,
    cause?: unknown,
  ) {
    super(`sandbox runner: ${message}`, cause === undefined ? undefined : { cause });
  }
}

const ZErrorEnvelope = z.object({
  success: z.literal(false),
  error: z.object({ code: ZErrorCode, message: z.string() }),
});

/**
 * The sandbox runner's REST API (apps/sandbox-runner, contract in libs/contracts/src/sandbox.ts)
 * as typed calls. Every answer is parsed with the contract's schema, so a runner of another
 * version fails loudly here instead of somewhere downstream.
 */
export class RunnerClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 120_000,
  ) {}

  create(input: TCreateInstance): Promise<TInstance> {
    return this.call('POST', '/instances', ZInstance, input);
  }

  get(id: string): Promise<TInstance> {
    return this.call('GET', `/instances/${id}`, ZInstance);
  }

  writeFiles(id: string, files: TWriteFiles['files']): Promise<{ written: number }> {
    return this.call('PUT', `/instances/${id}/files`, z.object({ written: z.number() }), { files });
  }

  async readFile(id: string, path: string): Promise<string> {
    const file = await this.call('GET', `/instances/${id}/files?path=${encodeURIComponent(path)}`, ZFileContent);
    return Buffer.from(file.content, 'base64').toString('utf8');
  }

  deleteFile(id: string, path: string): Promise<{ deleted: string }> {
    return this.call(
      'DELETE',
      `/instances/${id}/files?path=${encodeURIComponent(path)}`,
      z.object({ deleted: z.string() }),
    );
  }

  exec(id: string, request: TExecRequest): Promise<TExecResult> {
    return this.call('POST', `/instances/${id}/exec`, ZExecResult, request, (request.timeoutMs ?? 10_000) + 30_000);
  }

  errors(id: string, since?: string): Promise<TInstanceError[]> {
    const query = since ? `?since=${encodeURIComponent(since)}` : '';
    return this.call('GET', `/instances/${id}/errors${query}`, z.array(ZInstanceError));
  }

  /** tsc (and lint) of the app in its container, in VibeSDK's static-analysis shape. */
  analyze(id: string): Promise<TStaticAnalysis> {
    return this.call('POST', `/instances/${id}/analyze`, ZStaticAnalysis, undefined, 180_000);
  }

  /** Applies the app's current files (after a build) and answers once the runtime has. */
  reload(id: string): Promise<TReloadResult> {
    return this.call('POST', `/instances/${id}/reload`, ZReloadResult);
  }

  restart(id: string): Promise<TInstance> {
    return this.call('POST', `/instances/${id}/restart`, ZInstance);
  }

  remove(id: string): Promise<{ id: string }> {
    return this.call('DELETE', `/instances/${id}`, z.object({ id: z.string() }));
  }

  /** The URL a browser opens for the preview (through the runner's proxy). */
  previewUrl(instance: TInstance): string {
    return new URL(instance.previewPath, this.baseUrl).href;
  }

  private async call<T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new RunnerRequestError(0, 'DEPENDENCY_UNAVAILABLE', `${method} ${path} failed: ${String(err)}`, err);
    }
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const parsed = ZErrorEnvelope.safeParse(json);
      if (parsed.success) throw new RunnerRequestError(res.status, parsed.data.error.code, parsed.data.error.message);
      throw new RunnerRequestError(res.status, 'DEPENDENCY_UNAVAILABLE', `${method} ${path} answered ${res.status}`);
    }
    const envelope = z.object({ success: z.literal(true), data: schema }).safeParse(json);
    if (!envelope.success)
      throw new RunnerRequestError(
        res.status,
        'INTERNAL',
        `${method} ${path}: unexpected answer (${envelope.error.issues[0]?.message ?? 'not the contract'})`,
      );
    return envelope.data.data;
  }
}
