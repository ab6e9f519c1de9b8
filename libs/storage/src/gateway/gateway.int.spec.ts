import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Miniflare } from 'miniflare';
import { type BindingMode, type KilnStack, startKilnStack } from '../testing/kiln-stack.js';

const WORKER = `export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    try {
      if (url.pathname === '/put') { await env.KV.put(url.searchParams.get('k'), url.searchParams.get('v')); return new Response('ok'); }
      if (url.pathname === '/get') return new Response(String(await env.KV.get(url.searchParams.get('k'))));
      if (url.pathname === '/r2put') { await env.BUCKET.put(url.searchParams.get('k'), url.searchParams.get('v')); return new Response('ok'); }
      if (url.pathname === '/r2get') { const o = await env.BUCKET.get(url.searchParams.get('k')); return new Response(o ? await o.text() : 'null'); }
      if (url.pathname === '/r2list') return Response.json((await env.BUCKET.list()).objects.map((o) => o.key));
      if (url.pathname === '/list') return Response.json((await env.KV.list()).keys.map((k) => k.name));
    } catch (e) { return new Response('error: ' + e.message, { status: 500 }); }
    return new Response('no route', { status: 404 });
  },
};`;

function worker(
  stack: KilnStack,
  mode: BindingMode,
  appId: string,
  options: { token?: string; kv?: string; r2?: string } = {},
): Miniflare {
  return new Miniflare({
    modules: true,
    script: WORKER,
    compatibilityDate: '2025-09-01',
    ...stack.bindingOptions(
      mode,
      appId,
      { kv: { KV: options.kv ?? 'main' }, r2: { BUCKET: options.r2 ?? 'files' } },
      options.token,
    ),
  });
}

async function text(mf: Miniflare, path: string): Promise<string> {
  return (await mf.dispatchFetch(`http://app${path}`)).text();
}

function raw(
  base: string,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: Buffer,
): Promise<{ status: number; reason: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: res.headers }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

for (const mode of ['direct', 'proxy'] as const)
  describe(`binding gateway (${mode} bindings): authentication and tenancy`, () => {
    let stack: KilnStack;
    const open: Miniflare[] = [];
    const mf = (s: KilnStack, appId: string, options?: { token?: string; kv?: string; r2?: string }) => {
      const m = worker(s, mode, appId, options);
      open.push(m);
      return m;
    };

    before(async () => {
      stack = await startKilnStack();
    });
    after(async () => {
      await Promise.allSettled(open.map((m) => m.dispose()));
      await stack?.close();
    });

    it("a Worker reads and writes its own app's KV and R2 data", async () => {
      const a = mf(stack, 'app-a');
      assert.equal(await text(a, '/put?k=greeting&v=hi'), 'ok');
      assert.equal(await text(a, '/get?k=greeting'), 'hi');
      assert.equal(await text(a, '/r2put?k=f.txt&v=file'), 'ok');
      assert.equal(await text(a, '/r2get?k=f.txt'), 'file');
    });

    it('the same keys in another app are separate data', async () => {
      const b = mf(stack, 'app-b');
      assert.equal(await text(b, '/get?k=greeting'), 'null');
      assert.equal(await text(b, '/r2get?k=f.txt'), 'null');
      assert.equal(await text(b, '/list'), '[]');
      assert.equal(await text(b, '/r2list'), '[]');
    });

    it("app B's token does not open app A's data", async () => {
      const { appToken } = await import('../gateway/auth.js');
      const stolen = mf(stack, 'app-a', { token: appToken(stack.secret, 'app-b') });
      assert.match(
        await text(stolen, '/get?k=greeting'),
        /^error: KV GET failed: 401 Unauthorized: the gateway token is not valid for app app-a$/,
      );
      assert.match(
        await text(stolen, '/r2get?k=f.txt'),
        /^error: get: Unauthorized: the gateway token is not valid for app app-a \(10002\)$/,
      );
    });

    it('a made-up token is refused and writes nothing', async () => {
      const forged = mf(stack, 'app-a', { token: 'A'.repeat(43) });
      assert.match(await text(forged, '/put?k=greeting&v=overwritten'), /KV PUT failed: 401/);
      assert.equal(await text(mf(stack, 'app-a'), '/get?k=greeting'), 'hi');
    });

    it('namespaces within one app are separate', async () => {
      const other = mf(stack, 'app-a', { kv: 'cache' });
      assert.equal(await text(other, '/get?k=greeting'), 'null');
    });

    it('malformed requests get a clear 4xx, never a crash', async () => {
      const route = new URL(stack.url('kv', 'app-a', 'main')).pathname;
      const noEnvelope = await raw(stack.gatewayUrl, route, {});
      assert.equal(noEnvelope.status, 400);
      assert.match(noEnvelope.reason, /Malformed binding request: missing MF-URL header/);
      const badUrl = await raw(stack.gatewayUrl, route, { 'mf-url': 'not a url' });
      assert.equal(badUrl.status, 400);
      const unknownRoute = await raw(stack.gatewayUrl, '/v1/app-a/kv', {});
      assert.equal(unknownRoute.status, 404);
      const badKind = await raw(stack.gatewayUrl, route.replace('/kv/', '/queue/'), {});
      assert.equal(badKind.status, 404);
      const badApp = await raw(stack.gatewayUrl, route.replace('app-a', 'APP_A'), {});
      assert.equal(badApp.status, 404);
      const r2Route = new URL(stack.url('r2', 'app-a', 'files')).pathname;
      const badDescriptor = await raw(stack.gatewayUrl, r2Route, {
        'mf-url': 'https://fake-host',
        'mf-header-cf-r2-request': '{not json',
      });
      assert.ok(badDescriptor.status >= 400 && badDescriptor.status < 500, `status ${badDescriptor.status}`);
      assert.ok(badDescriptor.headers['cf-r2-error'], 'R2 errors carry cf-r2-error');
      const health = await raw(stack.gatewayUrl, '/healthz', {});
      assert.equal(health.status, 200);
    });

    it('counts binding calls by kind and status at /metrics, with no app in the labels', async () => {
      const metrics = async () => (await fetch(`${stack.gatewayUrl}/metrics`)).text();
      const count = (text: string, labels: string) =>
        Number(new RegExp(`^kiln_binding_requests_total\\{${labels}[^}]*\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      const before = await metrics();
      const route = new URL(stack.url('kv', 'app-a', 'main')).pathname;
      await raw(stack.gatewayUrl, route, {}); // no envelope: 400
      const forged = new URL(stack.url('kv', 'app-a', 'main', 'x'.repeat(43))).pathname;
      await raw(stack.gatewayUrl, forged, {}); // bad token: 401
      const after = await metrics();
      assert.equal(count(after, 'kind="kv",status="400"') - count(before, 'kind="kv",status="400"'), 1);
      assert.equal(count(after, 'kind="kv",status="401"') - count(before, 'kind="kv",status="401"'), 1);
      assert.match(after, /^kiln_binding_request_duration_seconds_count\{[^}]*kind="kv"/m);
      assert.doesNotMatch(after, /app-a/);
    });

    it('refuses the WebSocket side channel', async () => {
      const route = new URL(stack.url('kv', 'app-a', 'main')).pathname;
      const res = await raw(stack.gatewayUrl, route, {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      }).catch((err: Error) => ({ status: -1, reason: err.message, headers: {} }));
      assert.ok(res.status === 404 || res.status === -1, `status ${res.status}`);
    });
  });
