import { posix } from 'node:path';
import { type TAppFile, type TFileContent, ZAppFile, ZAppFilePath } from '@kiln/contracts';
import { APP_UID, APP_USER } from '../docker/container-spec.js';
import type { DockerEngine } from '../docker/docker-engine.js';
import { FileTooLargeError, InvalidFileError } from '../errors.js';
import { firstTarEntry, packTar } from './tar.js';

const APP_DIR = '/app';

/**
 * Files of an instance's app folder, through Docker's archive API. Paths are validated by the
 * contract (relative, no `..`); the archive is extracted by the engine inside the container's
 * own filesystem, so even a symlink planted by the app cannot lead a write onto the host.
 */
export class FileService {
  constructor(
    private readonly engine: DockerEngine,
    private readonly maxFileBytes: number,
  ) {}

  async write(container: string, files: TAppFile[]): Promise<void> {
    await this.engine.putArchive(container, APP_DIR, packTar(this.entries(files), APP_UID));
  }

  /**
   * The build context of a published instance's image: the runtime image with the app copied to
   * /app, owned by root (the app cannot change its own code) and not watched for changes.
   */
  imageContext(files: TAppFile[], runtimeImage: string): Buffer {
    const dockerfile = `FROM ${runtimeImage}\nCOPY app/ ${APP_DIR}/\nENV RUNTIME_WATCH=false\n`;
    const app = this.entries(files).map((e) => ({ ...e, path: `app/${e.path}` }));
    return packTar([{ path: 'Dockerfile', data: Buffer.from(dockerfile) }, ...app], 0);
  }

  /** Everything in the app folder, as a tar that `restore` puts back. */
  async snapshot(container: string): Promise<Buffer> {
    const tar = await this.engine.getArchive(container, `${APP_DIR}/.`);
    if (!tar) throw new InvalidFileError(`${container} has no app folder`);
    return tar;
  }

  async restore(container: string, tar: Buffer): Promise<void> {
    await this.engine.putArchive(container, APP_DIR, tar);
  }

  private entries(files: TAppFile[]): { path: string; data: Buffer }[] {
    return files.map((raw) => {
      const f = ZAppFile.parse(raw);
      const data = Buffer.from(f.content, f.encoding);
      if (data.length > this.maxFileBytes) throw new FileTooLargeError(f.path, this.maxFileBytes);
      return { path: f.path, data };
    });
  }

  async read(container: string, path: string): Promise<TFileContent> {
    const rel = this.checkPath(path);
    const tar = await this.engine.getArchive(container, posix.join(APP_DIR, rel));
    const entry = tar ? firstTarEntry(tar) : undefined;
    if (!entry) throw new InvalidFileError(`${rel} does not exist`);
    if (entry.type === '2' || entry.type === '1')
      throw new InvalidFileError(`${rel} is a link; links are not followed`);
    if (entry.type !== '0') throw new InvalidFileError(`${rel} is not a regular file`);
    if (entry.data.length > this.maxFileBytes) throw new FileTooLargeError(rel, this.maxFileBytes);
    return { path: rel, content: entry.data.toString('base64'), encoding: 'base64' };
  }

  /** The archive API cannot delete, so the app user removes the file inside the container. */
  async remove(container: string, path: string): Promise<void> {
    const rel = this.checkPath(path);
    const out = await this.engine.exec(
      container,
      ['node', '-e', 'require("fs").rmSync(process.argv[1], { recursive: true })', posix.join(APP_DIR, rel)],
      { user: APP_USER, workdir: APP_DIR, deadlineMs: 10_000 },
    );
    if (out.exitCode !== 0) throw new InvalidFileError(`${rel} could not be deleted (does it exist?)`);
  }

  private checkPath(path: string): string {
    const parsed = ZAppFilePath.safeParse(path);
    if (!parsed.success)
      throw new InvalidFileError(`invalid path ${JSON.stringify(path)}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }
}
