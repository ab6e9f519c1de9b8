import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal`, escalates to SIGKILL after `graceMs`, resolves when the process is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface StartChildOptions extends SpawnOptions {
  /** Called with each output line (stdout and stderr), already stripped of its newline. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export function startChild(name: string, command: string, args: string[], options: StartChildOptions): Child {
  const { onLine, ...spawnOptions } = options;
  // A process group of its own: Ctrl-C reaches only the supervisor, which then stops children in
  // order (front ends first, databases last) instead of all at once.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...spawnOptions });
  for (const stream of ['stdout', 'stderr'] as const) {
    const source = child[stream];
    if (source && onLine) createInterface({ input: source }).on('line', (line) => onLine(line, stream));
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: -1, signal: null }));
  });
  return {
    name,
    process: child,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `probe` until it resolves truthy, the child exits, or `timeoutMs` passes. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; child?: Child; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exited = false;
  void options.child?.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`${what}: process exited before it was ready`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${options.timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}
