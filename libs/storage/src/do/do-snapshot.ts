import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DoSyncError } from './do-errors.js';

/** Size and change time of an object's database and WAL; a different fingerprint means it wrote. */
export async function fingerprint(dbPath: string): Promise<string> {
  const part = async (path: string) => {
    const s = await stat(path, { bigint: true }).catch(() => undefined);
    return s ? `${s.size}@${s.mtimeNs}` : '-';
  };
  return `${await part(dbPath)}|${await part(`${dbPath}-wal`)}`;
}

const ATTEMPTS = 5;

/**
 * A consistent single-file copy of a live object database. workerd keeps the data in the WAL and
 * does not checkpoint it (remote-bindings.md §9), so the `.sqlite` alone is not the state. We copy
 * `.sqlite` + `-wal` while the fingerprint stays the same before and after the copy (a torn WAL
 * tail is ignored by SQLite's frame checksums; a checkpoint racing the copy changes the
 * fingerprint and we retry), then checkpoint the copy into one file with node:sqlite.
 */
export async function snapshotDatabase(dbPath: string): Promise<{ bytes: Buffer; fingerprint: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-do-snap-'));
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const before = await fingerprint(dbPath);
      const copy = join(dir, `${attempt}.sqlite`);
      await copyFile(dbPath, copy);
      await copyFile(`${dbPath}-wal`, `${copy}-wal`).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      if ((await fingerprint(dbPath)) !== before) continue;
      const db = new DatabaseSync(copy);
      try {
        db.exec('PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;');
      } finally {
        db.close();
      }
      return { bytes: await readFile(copy), fingerprint: before };
    }
    throw new DoSyncError('DO_SNAPSHOT_UNSTABLE', `${dbPath} kept changing during ${ATTEMPTS} snapshot attempts`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The snapshot rewritten without free pages (VACUUM on a copy). SQLite does not shrink a file when
 * rows are deleted, so without this an object that went over the size limit could never get back
 * under it by deleting data. Only run for snapshots over the limit: it rewrites the whole database.
 */
export async function compactSnapshot(bytes: Buffer): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-do-vacuum-'));
  try {
    const path = join(dir, 'object.sqlite');
    await writeFile(path, bytes);
    const db = new DatabaseSync(path);
    try {
      db.exec('VACUUM');
    } finally {
      db.close();
    }
    return await readFile(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** Throws DO_SNAPSHOT_CORRUPT unless `bytes` is a SQLite database that passes quick_check. */
export async function assertValidSnapshot(bytes: Buffer, what: string): Promise<void> {
  if (bytes.length < 512 || !bytes.subarray(0, HEADER.length).equals(HEADER))
    throw new DoSyncError('DO_SNAPSHOT_CORRUPT', `${what}: not a SQLite database (${bytes.length} bytes)`);
  const dir = await mkdtemp(join(tmpdir(), 'kiln-do-check-'));
  const path = join(dir, `${randomBytes(8).toString('hex')}.sqlite`);
  try {
    await writeFile(path, bytes);
    let result: unknown;
    try {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        result = db.prepare('PRAGMA quick_check').get();
      } finally {
        db.close();
      }
    } catch (err) {
      throw new DoSyncError('DO_SNAPSHOT_CORRUPT', `${what}: ${(err as Error).message}`, { cause: err });
    }
    const verdict: unknown = result && typeof result === 'object' ? Object.values(result)[0] : undefined;
    if (verdict !== 'ok') throw new DoSyncError('DO_SNAPSHOT_CORRUPT', `${what}: quick_check says ${String(verdict)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
