import { fetchReadiness } from '../../../lib/readiness';
import { webConfig } from '../../../lib/config';

export const dynamic = 'force-dynamic';

/** Same-origin proxy for the API's /readyz so the browser never needs the API's address. */
export async function GET(): Promise<Response> {
  const { status, body } = await fetchReadiness(webConfig().KILN_API_URL);
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}
