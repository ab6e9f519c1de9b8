import { Controller, Get, Res } from '@nestjs/common';
import { ok, type TEnvelope, type THealth, type TReadiness } from '@kiln/contracts';
import type { Response } from 'express';
import { HealthService } from './health.service.js';

@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Process is up. */
  @Get('healthz')
  healthz(): TEnvelope<THealth> {
    return ok(this.health.health());
  }

  /** Dependencies reachable; 503 (with the same report) when any is not. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response): Promise<TEnvelope<TReadiness>> {
    const report = await this.health.readiness();
    res.status(report.status === 'ok' ? 200 : 503);
    return ok(report);
  }
}
