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
    // Query errors surface as typed errors (or the error filter's log); logging them here too
    // would double every expected failure, e.g. a unique violation turned into CONFLICT.
    logging: ['migration', 'warn'],
    extra: { max: poolMax, connectionTimeoutMillis: 5000 },
  };
}
