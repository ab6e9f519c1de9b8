import type { BlobRange } from './blob-driver.js';
import type { RangeSpec } from './r2-descriptors.js';
import { invalidRange } from './r2-errors.js';

/**
 * The bytes a `get` serves, or undefined for the whole object. Miniflare's rules, which the
 * Worker-visible results in remote-bindings.md §5 come from:
 * - object form: `suffix` is clamped to the size, `length` past the end is clamped, but an offset
 *   past the end, a zero length or a non-positive suffix is 416;
 * - `rangeHeader` (a Headers `range`): exactly one satisfiable range is served; anything else
 *   (unparsable, several ranges, unsatisfiable) serves the whole object, as Miniflare does.
 */
export function resolveRange(
  req: { range?: RangeSpec | undefined; rangeHeader?: string | undefined },
  size: number,
): BlobRange | undefined {
  if (req.rangeHeader !== undefined) {
    const ranges = parseRangeHeader(req.rangeHeader, size);
    return ranges?.length === 1 ? ranges[0] : undefined;
  }
  if (req.range === undefined) return undefined;
  let { offset, length } = req.range;
  const { suffix } = req.range;
  if (suffix !== undefined) {
    if (!(suffix > 0) || !Number.isInteger(suffix)) throw invalidRange();
    length = Math.min(suffix, size);
    offset = size - length;
  }
  offset ??= 0;
  length ??= size - offset;
  // Miniflare lets `offset === size` through when a length is given, then fails internally
  // ("Unspecified error"); a range starting at the end is unsatisfiable, so 416.
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || offset >= size || length <= 0)
    throw invalidRange();
  return { offset, length: Math.min(length, size - offset) };
}

const PREFIX = /^ *bytes *=/i;
const SPEC = /^ *(?<start>\d+)? *- *(?<end>\d+)? *$/;

/** RFC 9110 byte ranges clamped to `size`; undefined when the header is invalid or unsatisfiable. */
export function parseRangeHeader(header: string, size: number): BlobRange[] | undefined {
  const prefix = PREFIX.exec(header);
  if (prefix === null) return undefined;
  const rest = header.slice(prefix[0].length);
  if (rest.trim() === '') return [];
  const ranges: BlobRange[] = [];
  for (const spec of rest.split(',')) {
    const match = SPEC.exec(spec);
    if (match?.groups === undefined) return undefined;
    const { start, end } = match.groups;
    if (start !== undefined) {
      const first = Number(start);
      const last = end === undefined ? size - 1 : Math.min(Number(end), size - 1);
      if (first >= size || (end !== undefined && first > Number(end))) return undefined;
      ranges.push({ offset: first, length: last - first + 1 });
    } else if (end !== undefined) {
      const suffix = Number(end);
      if (suffix >= size) return [];
      if (suffix > 0) ranges.push({ offset: size - suffix, length: suffix });
    } else return undefined;
  }
  return ranges;
}
