import { z } from 'zod';
import type { ContainerSummary, DockerEngine } from '../docker/docker-engine.js';
import { firstTarEntry, packTar } from './tar.js';

/** Folder in /app the runner owns (root-owned; the app's files may not use it). */
export const RUNNER_DIR = '.kiln';
const IDENTITY_FILE = `${RUNNER_DIR}/instance.json`;
/** Read by the image's entrypoint before the runtime starts (infra/runtime/entrypoint.mjs). */
const ENV_FILE = `${RUNNER_DIR}/env.json`;

export const ZIdentity = z.object({
  app: z.string(),
  user: z.string(),
  class: z.enum(['preview', 'published']),
  created: z.string(),
});
export type Identity = z.infer<typeof ZIdentity>;

/**
 * Who an instance belongs to. A container created for an instance carries it in its labels. A
 * warm-pool container was created before anyone asked for it, and labels cannot change, so when
 * it is claimed the runner writes the identity into the container instead, as root into a
 * root-owned folder of /app: the app user (uid 10001) can neither change nor replace it, and a
 * restarted runner reads it back. Kept in a cache here by instance id, filled on claim and on
 * first read.
 */
export class IdentityStore {
  private readonly cache = new Map<string, Identity>();

  constructor(private readonly engine: DockerEngine) {}

  /** The archive that claims a pool container: identity and the runtime's environment. */
  static claimArchive(identity: Identity, env: Record<string, string>): Buffer {
    return packTar(
      [
        { path: IDENTITY_FILE, data: Buffer.from(JSON.stringify(identity)) },
        { path: ENV_FILE, data: Buffer.from(JSON.stringify(env)) },
      ],
      0,
    );
  }

  remember(id: string, identity: Identity): void {
    this.cache.set(id, identity);
  }

  forget(id: string): void {
    this.cache.delete(id);
  }

  /** Labels first; then the claimed pool container's file. Undefined for an unclaimed one. */
  async of(c: Pick<ContainerSummary, 'name' | 'labels'>): Promise<Identity | undefined> {
    const l = c.labels;
    if (l['kiln.app'] && l['kiln.user'])
      return {
        app: l['kiln.app'],
        user: l['kiln.user'],
        class: l['kiln.class'] === 'published' ? 'published' : 'preview',
        created: l['kiln.created'] ?? '',
      };
    // Keyed by instance id: a claim renames the container.
    const id = l['kiln.instance'] ?? c.name;
    const cached = this.cache.get(id);
    if (cached) return cached;
    const tar = await this.engine.getArchive(c.name, `/app/${IDENTITY_FILE}`);
    const entry = tar ? firstTarEntry(tar) : undefined;
    if (!entry) return undefined;
    const parsed = ZIdentity.safeParse(JSON.parse(entry.data.toString('utf8')));
    if (!parsed.success) return undefined;
    this.cache.set(id, parsed.data);
    return parsed.data;
  }
}
