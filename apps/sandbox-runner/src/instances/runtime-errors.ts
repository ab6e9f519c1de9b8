import type { TInstanceError, TReloadResult } from '@kiln/contracts';

const PER_INSTANCE = 50;
const BODY_EXCERPT = 2048;

/**
 * Failed requests seen by the preview proxy, the last 50 per instance. In memory on purpose:
 * they are diagnostics for the agent's next fix round, not records; a runner restart forgets them.
 */
export class FailedRequests {
  private readonly byInstance = new Map<string, TInstanceError[]>();

  record(id: string, request: { method: string; path: string; status: number }, body: string): void {
    const list = this.byInstance.get(id) ?? [];
    list.push({
      kind: 'request',
      level: 'error',
      message: body.slice(0, BODY_EXCERPT) || `${request.status} with an empty body`,
      time: new Date().toISOString(),
      request,
    });
    if (list.length > PER_INSTANCE) list.splice(0, list.length - PER_INSTANCE);
    this.byInstance.set(id, list);
  }

  of(id: string): TInstanceError[] {
    return this.byInstance.get(id) ?? [];
  }

  forget(id: string): void {
    this.byInstance.delete(id);
  }
}

interface LogLine {
  level?: number;
  time?: number;
  msg?: string;
  source?: string;
  token?: string;
  err?: { message?: string; stack?: string };
}

function* logLines(text: string): Generator<LogLine> {
  for (const raw of text.split('\n')) {
    if (!raw.startsWith('{')) continue;
    try {
      yield JSON.parse(raw) as LogLine;
    } catch {
      // Not one of the runtime's lines.
    }
  }
}

/**
 * The end of the reload that read `token` (the runner wrote it before its SIGHUP), in the
 * runtime's log: loaded, or failed with the reason. Undefined while it has not ended.
 */
export function reloadOutcome(text: string, token: string): TReloadResult | undefined {
  for (const line of logLines(text)) {
    if (line.token !== token) continue;
    if (line.msg === 'worker reloaded' || line.msg === 'runtime restarted after a failed reload')
      return { reloaded: true, error: null };
    if (line.msg?.startsWith('reload failed'))
      return { reloaded: false, error: `${line.msg}${line.err?.message ? `: ${line.err.message}` : ''}` };
  }
  return undefined;
}

/**
 * The errors in a runtime's log output (pino JSON lines, libs/runtime): the app's console
 * errors and warnings (`source: "app"`) and the runtime's own errors (level 50 and up). Lines
 * that are not JSON (the entrypoint's, Node's) are skipped.
 */
export function errorsInLog(text: string): TInstanceError[] {
  const errors: TInstanceError[] = [];
  for (const line of logLines(text)) {
    const level = line.level ?? 0;
    const time = new Date(line.time ?? 0).toISOString();
    if (line.source === 'app' && level >= 40) {
      errors.push({ kind: 'console', level: level >= 50 ? 'error' : 'warn', message: line.msg ?? '', time });
    } else if (line.source !== 'app' && level >= 50) {
      const detail = line.err?.message ? `: ${line.err.message}` : '';
      errors.push({ kind: 'runtime', level: 'error', message: `${line.msg ?? ''}${detail}`, time });
    }
  }
  return errors;
}
