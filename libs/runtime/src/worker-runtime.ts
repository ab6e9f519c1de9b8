import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import type { DurableObjectSync } from '@kiln/storage';
import type { Logger } from 'pino';
import { miniflareOptions, type RuntimeTarget } from './miniflare-options.js';
import { readWranglerConfig, type WranglerConfig } from './wrangler-config.js';

/** Read at the start of each reload and logged with it (see `reload`). */
export const RELOAD_TOKEN_FILE = '.kiln/reload-token';

/** Why a reload ran; logged with it, so a caller can wait for the one it asked for. */
export type ReloadCause = 'watch' | 'signal' | 'api';

/** workerd's console levels as pino levels. */
const APP_LEVELS: Record<string, 'error' | 'warn' | 'info' | 'debug'> = {
  error: 'error',
  warn: 'warn',
  info: 'info',
  log: 'info',
  debug: 'debug',
};

/** Directories whose changes never alter the running Worker (`.kiln` is the sandbox runner's). */
const IGNORED = /(^|\/)(node_modules|\.git|\.wrangler|\.mf|\.kiln)(\/|$)/;

/**
 * One app's Worker in workerd. Its data lives behind the gateway, so a reload (new code or new
 * wrangler.jsonc) swaps the code without touching data; a reload restarts workerd, so for a moment
 * nothing listens (the sandbox runner's proxy sends requests refused then again).
 */
export class WorkerRuntime {
  private mf: Miniflare | undefined;
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  /** The configuration the running workerd was last started or reloaded with successfully. */
  private lastGood: WranglerConfig | undefined;
  /** Where workerd serves the app (the port Miniflare reported). */
  private url: URL | undefined;
  /** Bumped after every successful (re)load; tests and health checks read it. */
  generation = 0;

  /**
   * `sync` keeps the Durable Objects in `target.durableObjects.persistDir` in the object store: it
   * restores them before workerd starts and, in strict mode, holds each response until its writes
   * are uploaded.
   */
  constructor(
    private readonly target: RuntimeTarget,
    private readonly logger: Logger,
    private readonly sync?: DurableObjectSync,
  ) {}

  async start(): Promise<URL> {
    const config = await readWranglerConfig(this.target.appDir);
    if (this.sync) await this.sync.restore();
    this.mf = new Miniflare(this.options(config));
    const url = await this.mf.ready;
    this.lastGood = config;
    this.url = url;
    this.sync?.start();
    this.generation++;
    return url;
  }

  private options(config: WranglerConfig) {
    const sync = this.sync;
    const dos = this.target.durableObjects;
    const target =
      !sync || !dos || sync.mode !== 'strict'
        ? this.target
        : { ...this.target, durableObjects: { ...dos, afterRequest: () => sync.flush() } };
    return {
      ...miniflareOptions(config, target),
      // The app's console output, one JSON line each with its level (`source: "app"`), so the
      // runner can pick the app's errors out of the container's log.
      structuredWorkerdLogs: true,
      handleStructuredLogs: (log: { timestamp: number; level: string; message: string }) => this.appLog(log),
    };
  }

  private appLog(log: { timestamp: number; level: string; message: string }): void {
    const level = APP_LEVELS[log.level] ?? 'info';
    this.logger[level]({ source: 'app', appLevel: log.level, appTime: log.timestamp }, log.message);
  }

  /**
   * Re-reads the app from disk and applies it; a broken change keeps the previous version serving.
   * When the failure took workerd down with it (it could not start a thread under the pids limit,
   * say), the runtime starts again from the last configuration that worked.
   */
  reload(cause: ReloadCause = 'api'): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      if (!this.mf) return;
      // Whoever asked for a reload may have written a token first (the sandbox runner does): this
      // reload reads the files after it, so its end line with that token answers the request.
      const token = await readFile(join(this.target.appDir, RELOAD_TOKEN_FILE), 'utf8').then(
        (t) => t.trim(),
        () => undefined,
      );
      this.logger.info({ cause, token }, 'reload started');
      try {
        const config = await readWranglerConfig(this.target.appDir);
        await this.mf.setOptions(this.options(config));
        this.lastGood = config;
        this.generation++;
        this.logger.info({ generation: this.generation, cause, token }, 'worker reloaded');
      } catch (err) {
        this.logger.error({ err, cause, token }, 'reload failed; the previous version keeps serving');
        if (!(await this.serving())) await this.recover(cause, token);
      }
    });
    return this.reloading;
  }

  /** True when workerd accepts connections on the app's port. */
  private serving(): Promise<boolean> {
    const url = this.url;
    if (!url) return Promise.resolve(false);
    return new Promise((resolve) => {
      const socket = connect({ host: url.hostname, port: Number(url.port) });
      socket.setTimeout(2000);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(false));
    });
  }

  /** A new workerd with the last configuration that loaded, retried while resources are short. */
  private async recover(cause: ReloadCause, token: string | undefined): Promise<void> {
    const config = this.lastGood;
    if (!config) return;
    for (let attempt = 1; attempt <= 10; attempt++) {
      await this.mf?.dispose().catch(() => undefined);
      this.mf = undefined;
      try {
        this.mf = new Miniflare(this.options(config));
        this.url = await this.mf.ready;
        this.generation++;
        this.logger.warn(
          { attempt, generation: this.generation, cause, token },
          'runtime restarted after a failed reload',
        );
        return;
      } catch (err) {
        this.logger.error({ err, attempt }, 'runtime restart failed; retrying');
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
    this.logger.fatal({ cause }, 'runtime could not restart; the app is not served');
  }

  /**
   * Reloads now on request (SIGHUP from the sandbox runner): a watcher reload still waiting for
   * its debounce is dropped, since this one reads the same files, so when this reload's log line
   * (`cause: "signal"`) appears no other reload is pending.
   */
  reloadNow(cause: ReloadCause = 'signal'): Promise<void> {
    clearTimeout(this.reloadTimer);
    return this.reload(cause);
  }

  /** Reloads after file changes settle for `debounceMs`. */
  watch(debounceMs = 150): void {
    this.watcher = watch(this.target.appDir, { recursive: true }, (_event, file) => {
      if (file && IGNORED.test(file)) return;
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => void this.reload('watch'), debounceMs);
    });
  }

  dispatchFetch(...args: Parameters<Miniflare['dispatchFetch']>): ReturnType<Miniflare['dispatchFetch']> {
    if (!this.mf) throw new Error('runtime not started');
    return this.mf.dispatchFetch(...args);
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    clearTimeout(this.reloadTimer);
    await this.reloading;
    await this.mf?.dispose();
    this.mf = undefined;
    // After workerd is gone nothing writes any more: this upload is the complete final state.
    await this.sync?.stop();
  }
}
