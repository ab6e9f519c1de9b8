import { z } from 'zod';

/** Sandbox runner REST contract (apps/sandbox-runner): preview and published-app instances. */

export const ZInstanceId = z.string().regex(/^[a-f0-9]{16}$/, 'must be an instance id (16 hex digits)');

export const ZInstanceClass = z.enum(['preview', 'published']);
export type TInstanceClass = z.infer<typeof ZInstanceClass>;

/**
 * A path inside the app folder. Relative, forward slashes, no `.`/`..` segments: the runner writes
 * through Docker's archive API and must never be steered outside the app folder.
 */
export const ZAppFilePath = z
  .string()
  .min(1)
  .max(240)
  .refine((p) => !p.startsWith('/'), 'must be relative to the app folder')
  .refine((p) => !/[\\\0]/.test(p), 'must not contain backslashes or NUL')
  .refine(
    (p) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'must not contain empty, `.` or `..` segments',
  )
  .refine((p) => p.split('/')[0] !== '.kiln', 'must not be in `.kiln/`, which the runner reserves');

export const ZAppFile = z.object({
  path: ZAppFilePath,
  content: z.string(),
  encoding: z.enum(['utf8', 'base64']).default('utf8'),
});
export type TAppFile = z.infer<typeof ZAppFile>;

const RESERVED_ENV = /^(KILN_|RUNTIME_|NODE_OPTIONS$)/;

export const ZCreateInstance = z.object({
  appId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be an app id (lowercase letters, digits, dashes)'),
  userId: z.string().regex(/^[A-Za-z0-9._@-]{1,128}$/, 'must be a user id'),
  class: ZInstanceClass.default('preview'),
  /** A folder of the runner's templates directory, written before `files`. */
  template: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .optional(),
  files: z.array(ZAppFile).max(2000).default([]),
  /** Extra environment for the container; the runtime's own variables cannot be overridden. */
  env: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
        .refine((k) => !RESERVED_ENV.test(k), 'is reserved for the runtime'),
      z.string().max(4096),
    )
    .default({}),
  /** This app's binding-gateway token, minted by the API (which holds the gateway secret). */
  gatewayToken: z.string().min(16).optional(),
});
export type TCreateInstance = z.input<typeof ZCreateInstance>;

export const ZInstanceState = z.enum(['starting', 'ready', 'exited']);
export type TInstanceState = z.infer<typeof ZInstanceState>;

export const ZInstance = z.object({
  id: ZInstanceId,
  appId: z.string(),
  userId: z.string(),
  class: ZInstanceClass,
  /** `ready` only after the app answered an HTTP request inside the container. */
  state: ZInstanceState,
  createdAt: z.string(),
  previewPath: z.string(),
  /** `<id>.<PREVIEW_DOMAIN>` when the runner has a preview domain: the app at `/` of its own host. */
  previewHost: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  oomKilled: z.boolean(),
});
export type TInstance = z.infer<typeof ZInstance>;

export const ZWriteFiles = z.object({ files: z.array(ZAppFile).min(1).max(2000) });
export type TWriteFiles = z.input<typeof ZWriteFiles>;

export const ZFilePathQuery = z.object({ path: ZAppFilePath });

export const ZFileContent = z.object({ path: z.string(), content: z.string(), encoding: z.literal('base64') });
export type TFileContent = z.infer<typeof ZFileContent>;

export const ZExecRequest = z.object({
  /** argv, run without a shell (the image has none) as the app user in /app. */
  command: z.array(z.string().max(65536)).min(1).max(256),
  timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
});
export type TExecRequest = z.input<typeof ZExecRequest>;

export const ZExecResult = z.object({
  /** 124 when the timeout killed the command (as coreutils `timeout` reports it). */
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  /** The kernel's OOM killer ended a process of the instance (the command itself, normally). */
  oomKilled: z.boolean(),
  stdout: z.string(),
  stderr: z.string(),
  durationMs: z.number().nonnegative(),
});
export type TExecResult = z.infer<typeof ZExecResult>;

export const ZLogsQuery = z.object({
  tail: z.coerce.number().int().min(1).max(10_000).default(500),
  /** `true`: stream NDJSON lines `{stream, line}` as the instance writes them. */
  follow: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});

export const ZInstanceLogs = z.object({ stdout: z.string(), stderr: z.string() });
export type TInstanceLogs = z.infer<typeof ZInstanceLogs>;

/**
 * What went wrong in an instance's app, for the agent's fix loop: the app's console errors and
 * warnings and the runtime's own errors (a reload that failed on a syntax error) from the
 * container's log, and requests through the preview proxy that the app answered with a 5xx
 * (an uncaught exception answers 500 with its message and stack in the body).
 */
export const ZInstanceError = z.object({
  kind: z.enum(['console', 'runtime', 'request']),
  level: z.enum(['error', 'warn']),
  message: z.string(),
  time: z.string(),
  request: z.object({ method: z.string(), path: z.string(), status: z.number().int() }).optional(),
});
export type TInstanceError = z.infer<typeof ZInstanceError>;

export const ZInstanceErrorsQuery = z.object({
  /** Only errors at or after this instant (ISO 8601). */
  since: z.iso.datetime({ offset: true }).optional(),
});

/** `POST /instances/:id/reload`: whether the runtime applied the app's current files. */
export const ZReloadResult = z.object({
  reloaded: z.boolean(),
  /** Why not: the runtime's reload error (the previous version keeps serving), or not started. */
  error: z.string().nullable(),
});
export type TReloadResult = z.infer<typeof ZReloadResult>;
