import type { BlobDriver } from './blob-driver.js';

export interface ReaperLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Deletes blobs that no row points at any more, without pulling them from under a reader.
 *
 * A `get` that started before an overwrite or delete must still stream the old version (R2 gives
 * readers a snapshot). An open file survives unlink, but a multipart object opens its part blobs one
 * after another, and an S3 GET in progress is not guaranteed to survive a delete. So readers hold
 * a lease on the blobs they will read, and deletion waits until the last lease is released.
 *
 * Trade-off: leases are per process. With several gateways on one store, a reader in another
 * process is not protected; it then fails mid-stream instead of serving stale bytes.
 */
export class BlobReaper {
  private readonly leases = new Map<string, { count: number; freed: Array<() => void> }>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly blobs: BlobDriver,
    private readonly log: ReaperLogger,
  ) {}

  /** Marks `keys` in use; the returned function (idempotent) releases them. */
  lease(keys: readonly string[]): () => void {
    for (const key of keys) {
      const lease = this.leases.get(key);
      if (lease) lease.count++;
      else this.leases.set(key, { count: 1, freed: [] });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const key of keys) {
        const lease = this.leases.get(key);
        if (!lease || --lease.count > 0) continue;
        this.leases.delete(key);
        for (const wake of lease.freed) wake();
      }
    };
  }

  /**
   * Deletes `keys` once no reader holds them, in the background: a put must not wait for a slow
   * download of the version it replaced. A failed delete only leaks bytes, so it is logged.
   */
  reap(keys: readonly string[]): void {
    if (keys.length === 0) return;
    const task = this.deleteNow(keys)
      .catch((err: unknown) => this.log.warn({ err, keys }, 'r2: could not delete unreferenced blobs'))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Waits for the leases, then deletes; rejects if the driver does. */
  async deleteNow(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((k) => this.whenFree(k)));
    await this.blobs.delete(keys);
  }

  /** Resolves when every background deletion started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private whenFree(key: string): Promise<void> {
    const lease = this.leases.get(key);
    if (!lease) return Promise.resolve();
    return new Promise((resolve) => lease.freed.push(resolve));
  }
}
