import type { DataSourceOptions } from 'typeorm';
import { AppEntity } from '../apps/app.entity.js';
import { migrations } from '../migrations/index.js';

export const entities = [AppEntity];

/** Schema changes only ever come from committed migrations, run at start-up. */
export function typeormOptions(databaseUrl: string, poolMax: number): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities,
    migrations,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error', 'migration'],
    extra: { max: poolMax, connectionTimeoutMillis: 5000 },
  };
}
