import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';

const POOL_NAME = /-pool-([a-f0-9]{16})$/;

/**
 * Prepared preview containers: running, Miniflare loaded, waiting for an app. A create takes
 * one, writes the app's identity, environment and files into it and renames it; the pool is
 * refilled in the background. The pool lives in the engine (containers named `<runner>-pool-<id>`
 * labelled `kiln.pool`); this list is only which of them are known to be free, rebuilt by
 * reconciliation after a restart.
 */
export class WarmPool {
  private readonly free: string[] = [];
  /** Containers being created for the pool (reconciliation must not take them for orphans). */
  private readonly pending = new Set<string>();
  private filling: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly runner: string,
    readonly size: number,
    private readonly createContainer: (name: string, id: string) => Promise<void>,
    private readonly log: FastifyBaseLogger,
  ) {}

  static nameOf(runner: string, id: string): string {
    return `${runner}-pool-${id}`;
  }

  static isPoolName(name: string): boolean {
    return POOL_NAME.test(name);
  }

  static idOf(name: string): string | undefined {
    return POOL_NAME.exec(name)?.[1];
  }

  get available(): number {
    return this.free.length;
  }

  has(name: string): boolean {
    return this.free.includes(name);
  }

  isPending(name: string): boolean {
    return this.pending.has(name);
  }

  take(): string | undefined {
    return this.free.shift();
  }

  /** A free pool container found running by reconciliation; false when the pool is full. */
  adopt(name: string): boolean {
    if (this.free.length >= this.size || this.free.includes(name)) return this.free.includes(name);
    this.free.push(name);
    return true;
  }

  /** A container that is no longer usable (stopped, removed). */
  drop(name: string): void {
    const i = this.free.indexOf(name);
    if (i !== -1) this.free.splice(i, 1);
  }

  /** Tops the pool up in the background; one fill at a time. */
  refill(): void {
    if (this.closed) return;
    this.filling ??= this.fill()
      .catch((err: unknown) =>
        this.log.error({ err }, 'warm pool: cannot create a container; retrying at the next sweep'),
      )
      .finally(() => (this.filling = undefined));
  }

  /** No more fills; resolves once a running one has finished (the runner is shutting down). */
  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
  }

  /** Waits for a running fill (tests and benchmarks). */
  async settled(): Promise<void> {
    while (this.filling) await this.filling;
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.free.length < this.size) {
      const id = randomBytes(8).toString('hex');
      const name = WarmPool.nameOf(this.runner, id);
      this.pending.add(name);
      try {
        await this.createContainer(name, id);
        this.free.push(name);
      } finally {
        this.pending.delete(name);
      }
    }
  }
}
