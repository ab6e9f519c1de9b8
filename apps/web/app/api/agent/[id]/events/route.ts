import { callApi, relayJson } from '../../../../../lib/api-proxy';

export const dynamic = 'force-dynamic';

/**
 * The session's events as NDJSON, piped from the API as they come: every event so far, then live
 * ones until the run ends. Leaving the page aborts the API request too.
 */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  const res = await callApi(`/api/agent/${encodeURIComponent(id)}/events`, { signal: request.signal });
  if (!res.ok || !res.body || !res.headers.get('content-type')?.includes('ndjson')) return relayJson(res);
  return new Response(res.body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      // no-transform keeps `next start`'s compression from buffering the stream.
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
    },
  });
}
