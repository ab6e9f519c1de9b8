// Runs a JSON program of D1 binding calls (`env.DB`) and returns every outcome in a comparable
// form. The same script runs against Miniflare's local D1 (SQLite, the reference) and against
// Kiln's gateway (Postgres); d1-workerd.e2e.spec.ts compares the two outputs step by step.

// Blobs travel in the program as {"$blob": [bytes]} and are bound as Uint8Array, as apps do.
const decode = (value) =>
  value !== null && typeof value === 'object' && '$blob' in value ? new Uint8Array(value.$blob) : value;

const statement = (env, step) => env.DB.prepare(step.sql).bind(...(step.params ?? []).map(decode));

// What the Worker sees, minus what differs by nature between two engines: timings, sizes, the
// server's name and region (real D1 sends `served_by_region`/`served_by_primary`, Miniflare does
// not), rows scanned. The key sets are kept, so a missing or extra field still shows.
function result(r) {
  const { duration, size_after, served_by, rows_read: _read, rows_written: _written, ...rest } = r.meta ?? {};
  const meta = Object.fromEntries(Object.entries(rest).filter(([k]) => !k.startsWith('served_by_')));
  return {
    keys: Object.keys(r).sort(),
    metaKeys: Object.keys(r.meta ?? {})
      .filter((k) => !k.startsWith('served_by_') && k !== 'timings' && k !== 'total_attempts')
      .sort(),
    types: { duration: typeof duration, size_after: typeof size_after, served_by: typeof served_by },
    success: r.success,
    results: r.results,
    meta,
  };
}

const binary = (_key, v) =>
  v instanceof ArrayBuffer
    ? { $arrayBuffer: [...new Uint8Array(v)] }
    : ArrayBuffer.isView(v)
      ? { $view: [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] }
      : v;

async function run(env, step) {
  switch (step.op) {
    case 'all':
      return result(await statement(env, step).all());
    case 'run':
      return result(await statement(env, step).run());
    case 'first':
      return step.column === undefined
        ? await statement(env, step).first()
        : await statement(env, step).first(step.column);
    case 'raw':
      return await statement(env, step).raw(step.columnNames ? { columnNames: true } : undefined);
    case 'batch':
      return (await env.DB.batch(step.statements.map((s) => statement(env, s)))).map(result);
    case 'exec': {
      const { count, duration } = await env.DB.exec(step.sql);
      return { count, duration: typeof duration };
    }
    default:
      throw new TypeError(`unknown op ${step.op}`);
  }
}

export default {
  async fetch(req, env) {
    const { steps } = await req.json();
    const out = [];
    for (const step of steps) {
      try {
        out.push({ value: await run(env, step) });
      } catch (error) {
        out.push({ error: String(error?.message ?? error), cause: error?.cause ? String(error.cause.message) : null });
      }
    }
    return new Response(JSON.stringify(out, binary), { headers: { 'content-type': 'application/json' } });
  },
};
