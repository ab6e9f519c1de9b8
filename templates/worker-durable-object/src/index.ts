import type { Env } from './env';
import { page } from './page';

// The runtime finds Durable Object classes among the main module's exports.
export { ChatRoom } from './chat-room';

/**
 * `/` serves the chat page; `/api/rooms/<name>` answers the room's recent messages and
 * `/api/rooms/<name>/ws` opens its WebSocket. Every request for a room goes to the one object
 * named after it, wherever it runs.
 */
export default {
  fetch(request, env): Response | Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/') return new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    if (pathname === '/api/health') return Response.json({ ok: true });
    const room = /^\/api\/rooms\/([\w-]{1,64})(\/ws)?$/.exec(pathname);
    if (!room?.[1]) return new Response('Not found', { status: 404 });
    if (room[2] && request.headers.get('upgrade') !== 'websocket')
      return new Response('expected a WebSocket upgrade', { status: 426 });
    return env.ROOMS.get(env.ROOMS.idFromName(room[1])).fetch(request);
  },
} satisfies ExportedHandler<Env>;
