import { ZEnvelope, ZReadiness, fail, type TEnvelope, type TReadiness } from '@kiln/contracts';

const ZReadinessEnvelope = ZEnvelope(ZReadiness);

/** Asks the API for its readiness report; an unreachable or garbled API becomes a typed error. */
export async function fetchReadiness(
  apiUrl: string,
  timeoutMs = 3000,
): Promise<{ status: number; body: TEnvelope<TReadiness> }> {
  let res: Response;
  try {
    res = await fetch(new URL('/readyz', apiUrl), { cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    return {
      status: 502,
      body: fail({ code: 'DEPENDENCY_UNAVAILABLE', message: `API unreachable at ${apiUrl}: ${reason}` }),
    };
  }
  const parsed = ZReadinessEnvelope.safeParse(await res.json().catch(() => null));
  if (!parsed.success) {
    return {
      status: 502,
      body: fail({
        code: 'DEPENDENCY_UNAVAILABLE',
        message: `API at ${apiUrl} answered ${res.status} with an unexpected body`,
      }),
    };
  }
  return { status: res.status, body: parsed.data };
}
