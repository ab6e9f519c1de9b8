import { badRequest, callApi, jsonPost, relayJson } from '../../../lib/api-proxy';

export const dynamic = 'force-dynamic';

/** Starts an agent session (API `POST /api/agent`); the answer carries the session id to follow. */
export async function POST(request: Request): Promise<Response> {
  const body = (await request.json().catch(() => null)) as { prompt?: unknown; mode?: unknown } | null;
  const prompt = body?.prompt;
  const mode = body?.mode ?? 'phasic';
  if (typeof prompt !== 'string' || (mode !== 'phasic' && mode !== 'agentic')) {
    return badRequest("expected { prompt, mode: 'phasic' | 'agentic' } as JSON");
  }
  // The API checks the prompt itself (length, blank) and answers in its envelope.
  return relayJson(await callApi('/api/agent', jsonPost({ prompt, mode })));
}
