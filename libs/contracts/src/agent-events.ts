import { z } from 'zod';

/**
 * Agent session WebSocket protocol (`/api/agent/:id/ws`).
 *
 * Message names and field names follow VibeSDK's protocol (cloudflare/vibesdk
 * `worker/api/websocketTypes.ts`, `worker/agents/schemas.ts`, `worker/services/sandbox/sandboxTypes.ts`)
 * so that its clients work against Kiln: a flat JSON object whose `type` picks the shape.
 * Kiln additions are optional fields only (marked "Kiln:"), which VibeSDK clients ignore.
 */

// --- shared shapes (VibeSDK: FileConceptSchema, FileOutputSchema, sandboxTypes) ---

export const ZFileConcept = z.object({
  path: z.string(),
  purpose: z.string(),
  /** What to change in an existing file; null for a new file. */
  changes: z.string().nullable().optional(),
});
export type TFileConcept = z.infer<typeof ZFileConcept>;

export const ZPhaseConcept = z.object({
  name: z.string(),
  description: z.string(),
  files: z.array(ZFileConcept),
});
export type TPhaseConcept = z.infer<typeof ZPhaseConcept>;

export const ZFileOutput = z.object({
  filePath: z.string(),
  fileContents: z.string(),
  filePurpose: z.string(),
});
export type TFileOutput = z.infer<typeof ZFileOutput>;

export const ZCodeIssue = z.object({
  message: z.string(),
  filePath: z.string(),
  line: z.number(),
  column: z.number().optional(),
  severity: z.enum(['error', 'warning', 'info']),
  ruleId: z.string().optional(),
  source: z.string().optional(),
});
export type TCodeIssue = z.infer<typeof ZCodeIssue>;

export const ZCodeIssueResponse = z.object({
  issues: z.array(ZCodeIssue),
  summary: z.object({ errorCount: z.number(), warningCount: z.number(), infoCount: z.number() }).optional(),
  rawOutput: z.string().optional(),
});

export const ZStaticAnalysis = z.object({
  success: z.boolean(),
  lint: ZCodeIssueResponse,
  typecheck: ZCodeIssueResponse,
  error: z.string().optional(),
});
export type TStaticAnalysis = z.infer<typeof ZStaticAnalysis>;

/** VibeSDK's runtime error is a pino log line: level 50 = error, 60 = fatal. */
export const ZRuntimeError = z.object({
  timestamp: z.string(),
  level: z.number(),
  message: z.string(),
  rawOutput: z.string(),
});
export type TRuntimeError = z.infer<typeof ZRuntimeError>;

export const ZIssueReport = z.object({
  runtimeErrors: z.array(ZRuntimeError),
  staticAnalysis: ZStaticAnalysis,
});

// --- server → client ---

export const ZGenerationStarted = z.object({
  type: z.literal('generation_started'),
  message: z.string(),
  totalFiles: z.number().int().nonnegative(),
});

export const ZPhaseGenerating = z.object({
  type: z.literal('phase_generating'),
  message: z.string(),
  phase: ZPhaseConcept.optional(),
  issues: ZIssueReport.optional(),
  userSuggestions: z.array(z.string()).optional(),
});

export const ZPhaseGenerated = z.object({
  type: z.literal('phase_generated'),
  message: z.string(),
  phase: ZPhaseConcept,
});

export const ZPhaseImplementing = z.object({
  type: z.literal('phase_implementing'),
  message: z.string(),
  phase: ZPhaseConcept,
  issues: ZIssueReport.optional(),
});

export const ZPhaseImplemented = z.object({
  type: z.literal('phase_implemented'),
  message: z.string(),
  phase: ZPhaseConcept,
});

export const ZFileGenerating = z.object({
  type: z.literal('file_generating'),
  filePath: z.string(),
  filePurpose: z.string(),
});

export const ZFileChunkGenerated = z.object({
  type: z.literal('file_chunk_generated'),
  filePath: z.string(),
  chunk: z.string(),
});

export const ZFileGenerated = z.object({
  type: z.literal('file_generated'),
  file: ZFileOutput,
});

export const ZStaticAnalysisResults = z.object({
  type: z.literal('static_analysis_results'),
  staticAnalysis: ZStaticAnalysis,
});

export const ZRuntimeErrorFound = z.object({
  type: z.literal('runtime_error_found'),
  errors: z.array(ZRuntimeError),
  count: z.number().int().nonnegative(),
});

export const ZDeploymentCompleted = z.object({
  type: z.literal('deployment_completed'),
  previewURL: z.string(),
  /** VibeSDK's Cloudflare tunnel URL; Kiln has none and sends the preview URL again. */
  tunnelURL: z.string(),
  instanceId: z.string(),
  message: z.string(),
});

/** The final review of the finished app starts (VibeSDK's code review). */
export const ZCodeReviewing = z.object({
  type: z.literal('code_reviewing'),
  message: z.string(),
  issues: ZIssueReport.optional(),
});

export const ZCodeReviewed = z.object({
  type: z.literal('code_reviewed'),
  message: z.string(),
  review: z.object({
    /** What the reviewing model said about the app. */
    summary: z.string(),
    /** Files the review changed (then checked and fixed like a phase's). */
    filesChanged: z.array(z.string()),
  }),
});

export const ZGenerationComplete = z.object({
  type: z.literal('generation_complete'),
  instanceId: z.string().optional(),
  previewURL: z.string().optional(),
});

export const ZConversationResponse = z.object({
  type: z.literal('conversation_response'),
  message: z.string(),
  conversationId: z.string().optional(),
  enhancedRequest: z.string().optional(),
  pendingInputsCount: z.number().int().nonnegative().optional(),
  isStreaming: z.boolean().optional(),
  tool: z
    .object({
      name: z.string(),
      status: z.enum(['start', 'success', 'error']),
      args: z.record(z.string(), z.unknown()).optional(),
      result: z.string().optional(),
    })
    .optional(),
});

/** Stable codes for Kiln's `error` events (VibeSDK sends only the `error` text). */
export const ZAgentErrorCode = z.enum([
  'FILE_REJECTED',
  'FILE_TRUNCATED',
  'DIFF_NOT_APPLIED',
  'PROVIDER_ERROR',
  'PROVIDER_UNAVAILABLE',
  'CONTEXT_OVERFLOW',
  /** Kiln: the model's blueprint stayed invalid JSON (or off-schema) after the repair attempts. */
  'BLUEPRINT_INVALID',
  /** Kiln: the preview sandbox failed (create, write, exec, analysis). */
  'SANDBOX_ERROR',
  /** Kiln: problems the fix loop could not repair within its rounds. */
  'FIX_INCOMPLETE',
  /** Kiln: a client message on the session WebSocket that is not JSON or not a known message. */
  'INVALID_MESSAGE',
  'INTERNAL',
]);
export type TAgentErrorCode = z.infer<typeof ZAgentErrorCode>;

export const ZAgentError = z.object({
  type: z.literal('error'),
  error: z.string(),
  /** Kiln: a stable code for the failure. */
  code: ZAgentErrorCode.optional(),
  /** Kiln: the file the error is about, as the model wrote it. */
  filePath: z.string().optional(),
});

export const ZGenerationStopped = z.object({
  type: z.literal('generation_stopped'),
  message: z.string(),
  instanceId: z.string().optional(),
});

export const ZGenerationResumed = z.object({
  type: z.literal('generation_resumed'),
  message: z.string(),
  instanceId: z.string().optional(),
});

export const ZAgentServerMessage = z.discriminatedUnion('type', [
  ZGenerationStarted,
  ZPhaseGenerating,
  ZPhaseGenerated,
  ZPhaseImplementing,
  ZPhaseImplemented,
  ZFileGenerating,
  ZFileChunkGenerated,
  ZFileGenerated,
  ZStaticAnalysisResults,
  ZRuntimeErrorFound,
  ZDeploymentCompleted,
  ZCodeReviewing,
  ZCodeReviewed,
  ZGenerationComplete,
  ZConversationResponse,
  ZAgentError,
  ZGenerationStopped,
  ZGenerationResumed,
]);
export type TAgentServerMessage = z.infer<typeof ZAgentServerMessage>;
export type TAgentServerMessageType = TAgentServerMessage['type'];
/** The message of one `type`, e.g. `TAgentServerMessageOf<'file_generated'>`. */
export type TAgentServerMessageOf<T extends TAgentServerMessageType> = Extract<TAgentServerMessage, { type: T }>;

// --- client → server ---

export const ZGenerateAll = z.object({ type: z.literal('generate_all') });
export const ZStopGeneration = z.object({ type: z.literal('stop_generation') });
export const ZResumeGeneration = z.object({ type: z.literal('resume_generation') });
export const ZUserSuggestion = z.object({
  type: z.literal('user_suggestion'),
  message: z.string().min(1).max(20_000),
});

export const ZAgentClientMessage = z.discriminatedUnion('type', [
  ZGenerateAll,
  ZStopGeneration,
  ZResumeGeneration,
  ZUserSuggestion,
]);
export type TAgentClientMessage = z.infer<typeof ZAgentClientMessage>;
