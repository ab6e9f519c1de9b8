import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { InstancesDisabledError, UnauthorizedError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** onRequest hook: the API's service token, compared in constant time (of equal-length digests). */
export function requireServiceToken(token: string | undefined) {
  const expected = token === undefined ? undefined : digest(token);
  return (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (!expected) return done(new InstancesDisabledError());
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    done(timingSafeEqual(digest(given), expected) ? undefined : new UnauthorizedError());
  };
}
