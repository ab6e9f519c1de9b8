import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ZAgentClientMessage, ok, type TEnvelope } from '@kiln/contracts';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { AgentSessions, type TSessionSnapshot } from './agent-sessions.service.js';
import { PgCheckpointStore, type TSessionListItem } from './pg-checkpoint-store.js';
import { TICKET_TTL_SECONDS } from './session-tickets.js';

const ZStartSession = z.object({
  prompt: z.string().trim().min(1).max(8000),
  /** Whose preview caps it counts against (no accounts yet). */
  userId: z
    .string()
    .regex(/^[A-Za-z0-9._@-]{1,128}$/)
    .default('anonymous'),
  /** `phasic`: blueprint and phases; `agentic`: a tool-calling loop, for models that handle tools well. */
  mode: z.enum(['phasic', 'agentic']).default('phasic'),
});

const ZListSessions = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

interface TSocketTicket {
  /** Relative to the API; open it with `?ticket=<ticket>`. */
  websocketUrl: string;
  ticket: string;
  ticketExpiresInSeconds: number;
}

interface TSessionStarted extends TSocketTicket {
  sessionId: string;
  appId: string;
  eventsUrl: string;
}

/**
 * Agent sessions over HTTP: start one from a prompt, follow its events (VibeSDK's message names
 * and shapes, one JSON object per line), send it client messages.
 */
@Controller('agent')
export class AgentController {
  constructor(
    private readonly sessions: AgentSessions,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /**
   * Starts a session. The answer carries a single-use `ticket` for the session WebSocket
   * (`websocketUrl`, VibeSDK's protocol both ways) and the NDJSON `eventsUrl` for plain HTTP.
   */
  @Post()
  async start(@Body() body: unknown): Promise<TEnvelope<TSessionStarted>> {
    const input = ZStartSession.parse(body);
    const { sessionId, appId } = await this.sessions.start(input.prompt, input.userId, input.mode);
    return ok({ sessionId, appId, eventsUrl: `/api/agent/${sessionId}/events`, ...(await this.socket(sessionId)) });
  }

  /** The most recently active sessions, newest first (`?limit=`, 1–100, default 20). */
  @Get()
  async list(@Query('limit') limit?: string): Promise<TEnvelope<TSessionListItem[]>> {
    const { limit: n } = ZListSessions.parse({ limit });
    return ok(await PgCheckpointStore.recent(this.db, n));
  }

  /** A new single-use ticket for the session WebSocket (each connection spends one). */
  @Post(':id/tickets')
  async ticket(@Param('id') id: string): Promise<TEnvelope<TSocketTicket>> {
    return ok(await this.socket(id));
  }

  /** The session from its last checkpoint: status, phases, files (`?contents=1` for their text), preview, usage. */
  @Get(':id')
  async snapshot(@Param('id') id: string, @Query('contents') contents?: string): Promise<TEnvelope<TSessionSnapshot>> {
    return ok(await this.sessions.snapshot(id, { contents: contents === '1' || contents === 'true' }));
  }

  /** NDJSON: every event so far, then each as it happens, until the run ends. */
  @Get(':id/events')
  async events(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const gone = new AbortController();
    req.on('close', () => gone.abort());
    const events = this.sessions.events(id, gone.signal);
    // The first event (or the session's absence) decides the status before anything is sent.
    const first = await events.next();
    res.status(200).type('application/x-ndjson');
    res.flushHeaders();
    if (!first.done) res.write(`${JSON.stringify(first.value)}\n`);
    for await (const event of events) res.write(`${JSON.stringify(event)}\n`);
    res.end();
  }

  private async socket(id: string): Promise<TSocketTicket> {
    return {
      websocketUrl: `/api/agent/${id}/ws`,
      ticket: await this.sessions.ticket(id),
      ticketExpiresInSeconds: TICKET_TTL_SECONDS,
    };
  }

  @Post(':id/messages')
  @HttpCode(202)
  async message(@Param('id') id: string, @Body() body: unknown): Promise<TEnvelope<{ accepted: true }>> {
    await this.sessions.send(id, ZAgentClientMessage.parse(body));
    return ok({ accepted: true });
  }
}
