import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type Repository } from 'typeorm';
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../common/errors.js';
import { AppEntity } from './app.entity.js';

export const ZCreateApp = z.object({
  slug: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'must be 1-63 lowercase letters, digits or inner dashes'),
  name: z.string().trim().min(1).max(200),
});
export type TCreateApp = z.infer<typeof ZCreateApp>;

const PG_UNIQUE_VIOLATION = '23505';

@Injectable()
export class AppsService {
  constructor(@InjectRepository(AppEntity) private readonly apps: Repository<AppEntity>) {}

  async create(input: TCreateApp): Promise<AppEntity> {
    const data = ZCreateApp.parse(input);
    try {
      return await this.apps.save(this.apps.create(data));
    } catch (err) {
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === PG_UNIQUE_VIOLATION) {
        throw new ConflictError(`an app with slug ${JSON.stringify(data.slug)} already exists`, err);
      }
      throw err;
    }
  }

  async get(id: string): Promise<AppEntity> {
    const app = z.uuid().safeParse(id).success ? await this.apps.findOneBy({ id }) : null;
    if (!app) throw new NotFoundError('app', id);
    return app;
  }
}
