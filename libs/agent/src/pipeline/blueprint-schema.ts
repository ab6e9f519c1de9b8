import { z } from 'zod';
import { ZPhaseConcept } from '@kiln/contracts';

/** The plan the model writes before any code: what the app is, and the phases that build it. */
export const ZBlueprint = z.object({
  title: z.string().min(1).max(200),
  description: z.string().min(1).max(4000),
  /** The model's template choice; checked against the template list (see select-template.ts). */
  template: z.string().max(100).optional(),
  views: z
    .array(z.object({ name: z.string().min(1), description: z.string() }))
    .max(50)
    .default([]),
  dataModel: z
    .array(
      z.object({
        name: z.string().min(1),
        description: z.string().default(''),
        fields: z.array(z.string()).default([]),
      }),
    )
    .max(50)
    .default([]),
  phases: z.array(ZPhaseConcept).min(1).max(20),
  /**
   * Paths the running app must answer with GET without a server error (`/api/todos`): requested
   * through the preview after every build, so an error that only shows when the code runs
   * reaches the fix loop. `/` is always requested. A model's odd entries (full URLs, methods)
   * are dropped rather than failing the plan.
   */
  checkPaths: z
    .array(z.string())
    .default([])
    .transform((paths) => [...new Set(paths.filter((p) => /^\/[^\s]{0,200}$/.test(p)))].slice(0, 10)),
});
export type TBlueprint = z.infer<typeof ZBlueprint>;

/** What the conversation model answers to a follow-up message. */
export const ZConversationDecision = z.object({
  /** The answer shown to the user. */
  reply: z.string().min(1),
  /** The change to make, restated precisely; null when the message asks for no change. */
  changeRequest: z.string().nullable(),
  /** Existing files the change touches (a hint for the edit phase's context). */
  files: z.array(z.string()).default([]),
});
export type TConversationDecision = z.infer<typeof ZConversationDecision>;
