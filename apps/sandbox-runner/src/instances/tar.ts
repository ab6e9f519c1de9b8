/**
 * The little of ustar the runner needs to talk to Docker's archive API: regular files out,
 * one entry in. Written here rather than pulled in as a dependency because it is ~60 lines and
 * every byte of it is about what may cross into a container.
 */
const BLOCK = 512;

export interface TarFile {
  path: string;
  data: Buffer;
  mode?: number;
}

export interface TarEntry {
  name: string;
  /** ustar typeflag: '0' file, '2' symlink, '5' directory, ... */
  type: string;
  data: Buffer;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** ustar keeps names in a 100-byte field plus a 155-byte prefix split at a slash. */
function splitName(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new RangeError(`path too long for ustar: ${path}`);
}

function header(file: TarFile & { type: '0' | '5' }, owner: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  const { name, prefix } = splitName(file.path);
  h.write(name, 0, 100);
  h.write(octal(file.mode ?? 0o644, 8), 100);
  h.write(octal(owner, 8), 108);
  h.write(octal(owner, 8), 116);
  h.write(octal(file.data.length, 12), 124);
  h.write(octal(mtime, 12), 136);
  h.write('        ', 148);
  h.write(file.type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

/**
 * Regular files owned by `owner` (uid = gid), preceded by entries for their parent folders:
 * Docker creates missing parents as root, which the app user then could not write into.
 */
export function packTar(files: TarFile[], owner: number): Buffer {
  const mtime = Math.floor(Date.now() / 1000);
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const file of files) {
    const segments = file.path.split('/').slice(0, -1);
    for (let i = 1; i <= segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      parts.push(header({ path: `${dir}/`, data: Buffer.alloc(0), mode: 0o755, type: '5' }, owner, mtime));
    }
    parts.push(header({ ...file, type: '0' }, owner, mtime), file.data);
    const pad = (BLOCK - (file.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** The first real entry of an archive (pax extended headers skipped). */
export function firstTarEntry(tar: Buffer): TarEntry | undefined {
  for (let offset = 0; offset + BLOCK <= tar.length;) {
    const h = tar.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) return undefined;
    const field = (start: number, len: number) => h.toString('utf8', start, start + len).replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const data = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'g') continue;
    const prefix = field(345, 155);
    const name = field(0, 100);
    return { name: prefix ? `${prefix}/${name}` : name, type, data: Buffer.from(data) };
  }
  return undefined;
}
