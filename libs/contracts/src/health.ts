import { z } from 'zod';

export const ZHealth = z.object({
  status: z.literal('ok'),
  service: z.string(),
  version: z.string(),
  uptimeSeconds: z.number().nonnegative(),
});
export type THealth = z.infer<typeof ZHealth>;

export const ZCheckStatus = z.enum(['ok', 'fail']);
export type TCheckStatus = z.infer<typeof ZCheckStatus>;

export const ZDependencyCheck = z.object({
  status: ZCheckStatus,
  latencyMs: z.number().nonnegative(),
  /** Why the check failed, as the dependency reported it. */
  error: z.string().optional(),
});
export type TDependencyCheck = z.infer<typeof ZDependencyCheck>;

export const ZReadiness = z.object({
  status: ZCheckStatus,
  checks: z.record(z.string(), ZDependencyCheck),
});
export type TReadiness = z.infer<typeof ZReadiness>;
