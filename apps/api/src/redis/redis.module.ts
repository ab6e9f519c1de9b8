import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { API_CONFIG, type ApiConfig } from '../config.js';

export const REDIS = Symbol('REDIS');

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [API_CONFIG],
      useFactory: (config: ApiConfig) => {
        const logger = new Logger('Redis');
        const redis = new Redis(config.REDIS_URL, {
          // Fail calls fast while Redis is down instead of queueing them without bound;
          // readiness reports the outage and ioredis keeps reconnecting in the background.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          lazyConnect: false,
        });
        let lastError = '';
        redis.on('error', (err: Error) => {
          if (err.message !== lastError) logger.warn(`redis: ${err.message}`);
          lastError = err.message;
        });
        redis.on('ready', () => {
          lastError = '';
        });
        return redis;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
