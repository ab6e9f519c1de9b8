import { fail } from '@kiln/contracts';
import { webConfig } from './config';

/**
 * Server side only: the route handlers' way to the API at KILN_API_URL. An unreachable API
 * becomes a 502 envelope, so the browser always gets `{ success, data, error }`.
 */
export async function callApi(path: string, init: RequestInit = {}): Promise<Response> {
  const base = webConfig().KILN_API_URL;
  try {
    return await fetch(new URL(path, base), { cache: 'no-store', ...init });
  } catch (err) {
    const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    return Response.json(fail({ code: 'DEPENDENCY_UNAVAILABLE', message: `API unreachable at ${base}: ${reason}` }), {
      status: 502,
    });
  }
}

/** The API's JSON answer passed on with its status (a new response: the API's transfer headers stay behind). */
export async function relayJson(res: Response): Promise<Response> {
  const body: unknown = await res
    .json()
    .catch(() =>
      fail({ code: 'DEPENDENCY_UNAVAILABLE', message: `the API answered ${res.status} with a body that is not JSON` }),
    );
  return Response.json(body, { status: res.status, headers: { 'cache-control': 'no-store' } });
}

/** A 400 envelope for a request the web app refuses before asking the API. */
export function badRequest(message: string): Response {
  return Response.json(fail({ code: 'BAD_REQUEST', message }), { status: 400 });
}

export function jsonPost(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
