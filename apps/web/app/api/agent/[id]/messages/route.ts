import { ZAgentClientMessage } from '@kiln/contracts';
import { badRequest, callApi, jsonPost, relayJson } from '../../../../../lib/api-proxy';

export const dynamic = 'force-dynamic';

/** A client message for the session (stop_generation, resume_generation, user_suggestion). */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  const parsed = ZAgentClientMessage.safeParse(await request.json().catch(() => null));
  if (!parsed.success)
    return badRequest('expected a client message: stop_generation, resume_generation or user_suggestion');
  return relayJson(await callApi(`/api/agent/${encodeURIComponent(id)}/messages`, jsonPost(parsed.data)));
}
