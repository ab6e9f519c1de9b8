import type { BlobDriver } from '../r2/blob-driver.js';
import type { DoVersionIndex } from './do-version-index.js';

export interface DoObjectInfo {
  /** `<worker>-<Class>`: Miniflare's unique key of the namespace. */
  namespace: string;
  /** 64-hex object id, or `metadata` for the namespace's alarm database. */
  objectId: string;
  version: number;
  size: number;
  updatedAt: Date;
}

/** The operator's view of an app's Durable Objects in the store. */
export class DoAdmin {
  constructor(
    private readonly index: DoVersionIndex,
    private readonly blobs: BlobDriver,
  ) {}

  async list(appId: string): Promise<DoObjectInfo[]> {
    const entries = await this.index.list(appId);
    return [...entries]
      .map(([key, entry]) => {
        const [namespace = '', objectId = ''] = key.split('/');
        return { namespace, objectId, version: entry.version, size: entry.size, updatedAt: new Date(entry.updatedAt) };
      })
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.objectId.localeCompare(b.objectId));
  }

  /**
   * Removes an object from the store. Only meaningful while no runtime of the app is running: a
   * runtime that still has the object on its disk uploads it again at its next write.
   */
  async delete(appId: string, namespace: string, objectId: string): Promise<boolean> {
    const key = `${namespace}/${objectId}`;
    const entry = await this.index.get(appId, key);
    if (!entry) return false;
    await this.index.delete(appId, key);
    await this.blobs.delete([entry.blob]);
    return true;
  }
}
