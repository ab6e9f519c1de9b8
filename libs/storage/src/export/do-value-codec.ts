import { deserialize } from 'node:v8';
import { DoExportError } from './do-export-error.js';

/**
 * JSON for the values a Durable Object keeps, so the replay Worker can rebuild them on Cloudflare.
 *
 * KV-API values (`_cf_KV`) are V8-serialized (structured clone). Cloudflare gives no way to write
 * those bytes back (`_cf_*` tables are not writable through `ctx.storage.sql`), so the value has to
 * travel as a JS value and be stored again with `ctx.storage.put`. Plain JSON covers most of it;
 * everything structured clone carries and JSON does not (Date, Map, Set, bigint, binary, RegExp,
 * undefined, NaN/Infinity/-0) is a tagged object `{ "$kiln": type, ... }`. A plain object that
 * itself has a `$kiln` key is tagged too, so decoding is never ambiguous. What cannot be carried
 * (cycles, Error objects, boxed primitives, shared references are duplicated) is refused or noted.
 */
export type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'DataView',
] as const;

const base64 = (view: ArrayBufferView | ArrayBuffer) =>
  (view instanceof ArrayBuffer
    ? Buffer.from(view)
    : Buffer.from(view.buffer, view.byteOffset, view.byteLength)
  ).toString('base64');

/** A structured-clone value as JSON with `$kiln` tags; `where` names it in errors. */
export function encodeValue(value: unknown, where: string, seen: Set<object> = new Set()): Encoded {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Object.is(value, -0)) return { $kiln: 'number', v: '-0' };
      return Number.isFinite(value) ? value : { $kiln: 'number', v: String(value) };
    case 'bigint':
      return { $kiln: 'bigint', v: value.toString() };
    case 'undefined':
      return { $kiln: 'undefined' };
    case 'object':
      break;
    default:
      throw new DoExportError(`${where}: a ${typeof value} cannot be exported`);
  }
  if (value === null) return null;
  if (seen.has(value)) throw new DoExportError(`${where}: the value refers to itself; cycles cannot be exported`);
  seen.add(value);
  try {
    if (value instanceof Date) return { $kiln: 'Date', v: value.getTime() };
    if (value instanceof RegExp) return { $kiln: 'RegExp', source: value.source, flags: value.flags };
    if (value instanceof ArrayBuffer) return { $kiln: 'ArrayBuffer', v: base64(value) };
    if (ArrayBuffer.isView(value)) {
      const type = value.constructor.name;
      // Node deserializes V8 `Uint8Array`s as Buffers; on Cloudflare they were Uint8Arrays.
      const name = type === 'Buffer' ? 'Uint8Array' : type;
      if (!(TYPED_ARRAYS as readonly string[]).includes(name))
        throw new DoExportError(`${where}: a ${type} cannot be exported`);
      return { $kiln: name, v: base64(value) };
    }
    if (value instanceof Map)
      return {
        $kiln: 'Map',
        v: [...value].map(([k, v], i) => [encodeValue(k, `${where} key ${i}`, seen), encodeValue(v, where, seen)]),
      };
    if (value instanceof Set) return { $kiln: 'Set', v: [...value].map((v) => encodeValue(v, where, seen)) };
    if (Array.isArray(value)) return value.map((v, i) => encodeValue(v, `${where}[${i}]`, seen));
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null)
      throw new DoExportError(`${where}: a ${value.constructor?.name ?? 'non-plain object'} cannot be exported`);
    const entries = Object.entries(value).map(([k, v]) => [k, encodeValue(v, `${where}.${k}`, seen)] as const);
    if (Object.hasOwn(value, '$kiln')) return { $kiln: 'object', v: entries.map(([k, v]) => [k, v]) };
    return Object.fromEntries(entries);
  } finally {
    seen.delete(value);
  }
}

/** A `_cf_KV` value (V8 serialization, as workerd writes it) as tagged JSON. */
export function encodeKvValue(bytes: Uint8Array, key: string): Encoded {
  let value: unknown;
  try {
    value = deserialize(bytes);
  } catch (err) {
    throw new DoExportError(`KV key ${JSON.stringify(key)}: not a V8-serialized value`, { cause: err });
  }
  return encodeValue(value, `KV key ${JSON.stringify(key)}`);
}

/** A SQL column value as JSON: BLOBs as `{ $blob: base64 }`, integers beyond 2^53 as `{ $int: digits }`. */
export function encodeSqlValue(value: unknown, where: string): Encoded {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : { $int: value.toString() };
  if (value instanceof Uint8Array) return { $blob: base64(value) };
  throw new DoExportError(`${where}: unexpected SQLite value ${typeof value}`);
}

// The decoders below are embedded in the replay Worker with Function.prototype.toString, so they
// use only what both Node and workerd have (atob, typed arrays) and nothing from this module.

/** Rebuilds a value `encodeValue` produced (runs in the replay Worker). */
export function decodeValue(value: unknown): unknown {
  const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value === null || typeof value !== 'object') return value;
  const tagged = value as { $kiln?: string; v?: unknown; source?: string; flags?: string };
  if (typeof tagged.$kiln !== 'string') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeValue(v)]));
  }
  const v = tagged.v;
  switch (tagged.$kiln) {
    case 'number':
      return v === '-0' ? -0 : Number(v);
    case 'bigint':
      return BigInt(v as string);
    case 'undefined':
      return undefined;
    case 'Date':
      return new Date(v as number);
    case 'RegExp':
      return new RegExp(tagged.source ?? '', tagged.flags ?? '');
    case 'Map':
      return new Map((v as Array<[unknown, unknown]>).map(([k, x]) => [decodeValue(k), decodeValue(x)]));
    case 'Set':
      return new Set((v as unknown[]).map(decodeValue));
    case 'object':
      return Object.fromEntries((v as Array<[string, unknown]>).map(([k, x]) => [k, decodeValue(x)]));
    case 'ArrayBuffer':
      return bytes(v as string).buffer;
    case 'DataView':
      return new DataView(bytes(v as string).buffer);
    default: {
      const Typed = (globalThis as unknown as Record<string, new (b: ArrayBuffer) => unknown>)[tagged.$kiln];
      if (!/^(Big)?(Ui|I)nt(8|16|32|64)(Clamped)?Array$|^Float(32|64)Array$/.test(tagged.$kiln) || !Typed)
        throw new Error(`kiln replay: unknown value type ${tagged.$kiln}`);
      return new Typed(bytes(v as string).buffer);
    }
  }
}

/** A SQL value `encodeSqlValue` produced, as `ctx.storage.sql.exec` binds it (runs in the replay Worker). */
export function decodeSqlValue(value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    const tagged = value as { $blob?: string; $int?: string };
    if (typeof tagged.$blob === 'string') return Uint8Array.from(atob(tagged.$blob), (c) => c.charCodeAt(0)).buffer;
    if (typeof tagged.$int === 'string') return tagged.$int;
  }
  return value;
}
