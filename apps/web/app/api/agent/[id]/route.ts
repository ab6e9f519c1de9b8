import { callApi, relayJson } from '../../../../lib/api-proxy';

export const dynamic = 'force-dynamic';

/** The session from its last checkpoint (API `GET /api/agent/:id`): its plan before the events name it. */
export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  return relayJson(await callApi(`/api/agent/${encodeURIComponent(id)}`));
}
