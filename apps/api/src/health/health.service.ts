import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { TDependencyCheck, THealth, TReadiness } from '@kiln/contracts';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { REDIS } from '../redis/redis.module.js';

const VERSION = process.env['npm_package_version'] ?? '0.1.0';

@Injectable()
export class HealthService {
  private readonly startedAt = Date.now();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  health(): THealth {
    return { status: 'ok', service: 'api', version: VERSION, uptimeSeconds: (Date.now() - this.startedAt) / 1000 };
  }

  async readiness(): Promise<TReadiness> {
    const [postgres, redis] = await Promise.all([
      this.check(async () => {
        await this.db.query('SELECT 1');
      }),
      this.check(async () => {
        const pong = await this.redis.ping();
        if (pong !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(pong)}`);
      }),
    ]);
    const status = postgres.status === 'ok' && redis.status === 'ok' ? 'ok' : 'fail';
    return { status, checks: { postgres, redis } };
  }

  private async check(probe: () => Promise<void>): Promise<TDependencyCheck> {
    const start = performance.now();
    const timeoutMs = this.config.READINESS_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return { status: 'ok', latencyMs: elapsed(start) };
    } catch (err) {
      return { status: 'fail', latencyMs: elapsed(start), error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function elapsed(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}
