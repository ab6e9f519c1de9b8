import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { typeormOptions } from './typeorm-options.js';

/**
 * Data source for the TypeORM CLI (`npm run migration:generate -w @kiln/api -- <Name>`).
 * It needs only DATABASE_URL.
 */
const url = process.env['DATABASE_URL'];
if (!url) throw new Error('DATABASE_URL must be set to generate or run migrations');
export default new DataSource({ ...typeormOptions(url, 2), migrationsRun: false });
