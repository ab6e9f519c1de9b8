// Runs a JSON program of KV/R2 binding calls and returns every result in a normalised, comparable
// form. The same script runs against Miniflare's local bindings (the reference) and against Kiln's
// gateway; the differential test compares the two outputs step by step.

const b64 = (bytes) => {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
};
const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

function decodeArg(value, refs) {
  if (Array.isArray(value)) return value.map((v) => decodeArg(v, refs));
  if (value === null || typeof value !== 'object') return value;
  if ('$bytes' in value) return unb64(value.$bytes);
  if ('$buffer' in value) return unb64(value.$buffer).buffer;
  if ('$repeat' in value) return value.$repeat.repeat(value.times);
  if ('$repeatBytes' in value) return new Uint8Array(value.length).fill(value.$repeatBytes);
  if ('$stream' in value) {
    const bytes = new TextEncoder().encode(value.$stream);
    return new ReadableStream({
      start(c) {
        if (bytes.length) c.enqueue(bytes);
        c.close();
      },
    });
  }
  if ('$streamRepeat' in value) {
    // A stream of `times` copies of a string, in 1 MiB chunks, without a known length.
    const chunk = new TextEncoder().encode(value.$streamRepeat.repeat(1 << 20));
    let left = value.times;
    return new ReadableStream({
      pull(c) {
        if (left <= 0) return c.close();
        const n = Math.min(left, chunk.length);
        c.enqueue(chunk.subarray(0, n));
        left -= n;
      },
    });
  }
  if ('$fixedStream' in value) {
    const bytes = new TextEncoder().encode(value.$fixedStream);
    const { readable, writable } = new FixedLengthStream(bytes.length);
    const w = writable.getWriter();
    w.write(bytes).then(() => w.close());
    return readable;
  }
  if ('$headers' in value) return new Headers(decodeArg(value.$headers, refs));
  if ('$date' in value) return new Date(value.$date);
  if ('$nowPlus' in value) return Math.floor(Date.now() / 1000) + value.$nowPlus;
  if ('$ref' in value) return value.$ref.split('.').reduce((o, k) => (o == null ? o : o[k]), refs);
  if ('$undefined' in value) return undefined;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeArg(v, refs)]));
}

class Normaliser {
  constructor() {
    this.names = new Map();
  }
  /** Opaque ids (versions, upload ids, part etags, cursors) differ between implementations: number them by first appearance. */
  opaque(kind, value) {
    if (typeof value !== 'string' || value === '') return value;
    const key = `${kind}:${value}`;
    if (!this.names.has(key))
      this.names.set(key, `<${kind}${[...this.names.keys()].filter((k) => k.startsWith(`${kind}:`)).length + 1}>`);
    return this.names.get(key);
  }
  async value(v) {
    if (v === null || v === undefined || typeof v !== 'object') return v;
    if (v instanceof ArrayBuffer) return { $bytes: b64(v) };
    if (ArrayBuffer.isView(v)) return { $bytes: b64(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)) };
    if (v instanceof ReadableStream) return { $stream: b64(await new Response(v).arrayBuffer()) };
    if (v instanceof Map) {
      const out = {};
      for (const [k, x] of v) out[k] = await this.value(x);
      return { $map: out };
    }
    if (v instanceof Date) return { $date: v.toISOString() };
    if (typeof v.writeHttpMetadata === 'function') return this.r2Object(v);
    if (typeof v.uploadPart === 'function') return { key: v.key, uploadId: this.opaque('upload', v.uploadId) };
    // An uploaded part: its etag is an opaque token of the implementation's choosing.
    if (typeof v.partNumber === 'number' && typeof v.etag === 'string')
      return { partNumber: v.partNumber, etag: this.opaque('part', v.etag) };
    if (Array.isArray(v)) return Promise.all(v.map((x) => this.value(x)));
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'cursor') out[k] = this.opaque('cursor', x);
      else out[k] = await this.value(x);
    }
    return out;
  }
  async r2Object(o) {
    const headers = new Headers();
    o.writeHttpMetadata(headers);
    const out = {
      key: o.key,
      version: this.opaque('version', o.version),
      size: o.size,
      etag: o.etag.includes('-') ? `${this.opaque('mpetag', o.etag.split('-')[0])}-${o.etag.split('-')[1]}` : o.etag,
      httpEtag: o.httpEtag.includes('-') ? '<multipart>' : o.httpEtag,
      uploaded: o.uploaded instanceof Date && !Number.isNaN(o.uploaded.getTime()) ? '<date>' : String(o.uploaded),
      httpMetadata: await this.value(o.httpMetadata),
      customMetadata: o.customMetadata,
      range: o.range,
      checksums: Object.fromEntries(
        Object.entries(o.checksums.toJSON()).map(([k, x]) => [k, typeof x === 'string' ? x : x && hex(x)]),
      ),
      storageClass: o.storageClass,
      writtenHeaders: Object.fromEntries(headers),
    };
    if ('body' in o && o.body) out.body = { $bytes: b64(await o.arrayBuffer()) };
    else if ('body' in o) out.body = null;
    return out;
  }
}

async function clearAll(env) {
  for (;;) {
    const page = await env.KV.list();
    await Promise.all(page.keys.map((k) => env.KV.delete(k.name)));
    if (page.list_complete) break;
  }
  for (;;) {
    const page = await env.BUCKET.list({ limit: 1000 });
    if (page.objects.length) await env.BUCKET.delete(page.objects.map((o) => o.key));
    if (!page.truncated) break;
  }
}

async function runStep(step, env, refs) {
  const args = decodeArg(step.args ?? [], refs);
  const [ns, method] = step.op.split('.');
  if (ns === 'kv') return env.KV[method](...args);
  if (ns === 'r2') return env.BUCKET[method](...args);
  if (ns === 'upload') {
    const [ref, ...rest] = args;
    return ref[method](...rest);
  }
  if (ns === 'body') {
    // Reads a saved R2ObjectBody in a given form: text, json, arrayBuffer, blob.
    const [obj, form] = args;
    const v = await obj[form]();
    return form === 'blob' ? { size: v.size, type: v.type, text: await v.text() } : v;
  }
  throw new Error(`unknown op ${step.op}`);
}

export default {
  async fetch(request, env) {
    const { steps } = await request.json();
    await clearAll(env);
    const refs = {};
    const norm = new Normaliser();
    const results = [];
    for (const step of steps) {
      try {
        const value = await runStep(step, env, refs);
        if (step.save) refs[step.save] = value;
        results.push({ ok: step.keepRaw ? '<saved>' : await norm.value(value) });
      } catch (err) {
        const message = String(err && err.message).replace(/reference = \S+/, 'reference = <ref>');
        results.push({ error: { name: err && err.name, message } });
      }
    }
    return Response.json(results);
  },
};
