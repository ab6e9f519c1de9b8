import { tool, type ToolSet } from 'ai';
import { z } from 'zod';
import { estimateTokens } from '../providers/prompt-budget.js';

/**
 * The agentic loop's tools: input schemas and descriptions only. They have no `execute`: the
 * model's calls come back to the loop, which runs them (run-tool.ts) inside a checkpointed step.
 */
export const TOOL_INPUTS = {
  list_files: z.object({
    dir: z.string().optional().describe('Only files under this folder (default: the whole app)'),
  }),
  read_file: z.object({ path: z.string().describe('Path relative to the app root') }),
  grep: z.object({
    pattern: z.string().min(1).describe('JavaScript regular expression, matched per line'),
    dir: z.string().optional().describe('Only files under this folder'),
    ignoreCase: z.boolean().optional(),
  }),
  write_file: z.object({
    path: z.string(),
    content: z.string().describe('The whole new content of the file'),
    purpose: z.string().optional().describe('What the file is for, in a few words'),
  }),
  edit_file: z.object({
    path: z.string(),
    search: z.string().min(1).describe('Text that occurs exactly once in the file, whitespace included'),
    replace: z.string(),
  }),
  delete_file: z.object({ path: z.string() }),
  run_command: z.object({
    argv: z.array(z.string().min(1)).min(1).describe('Program and arguments; no shell'),
    timeoutMs: z.number().int().min(100).optional(),
  }),
  get_errors: z.object({
    paths: z
      .array(z.string().regex(/^\/\S{0,200}$/))
      .max(10)
      .optional()
      .describe('Paths of the app to request (GET) after the build, e.g. /api/items; / is always requested'),
  }),
  deploy_preview: z.object({}),
} as const;

export type TToolName = keyof typeof TOOL_INPUTS;

const DESCRIPTIONS: Record<TToolName, string> = {
  list_files: 'List the files of the app (template files included), with their sizes.',
  read_file: 'Read a file of the app.',
  grep: 'Search the files of the app for a regular expression; returns path:line: text.',
  write_file: 'Create or overwrite a file with its whole content.',
  edit_file: 'Replace one exact, unique occurrence of `search` in a file with `replace`.',
  delete_file: 'Delete a file the session wrote.',
  run_command: 'Run a command in the app folder of the preview sandbox (argv, no shell), with a timeout.',
  get_errors:
    'Type-check and build the app, run it (request / and the given paths), and read the preview’s runtime errors.',
  deploy_preview: 'Build the app and update the running preview; returns its URL.',
};

export function isToolName(name: string): name is TToolName {
  return Object.hasOwn(TOOL_INPUTS, name);
}

export const AGENTIC_TOOLS = {
  list_files: tool({ description: DESCRIPTIONS.list_files, inputSchema: TOOL_INPUTS.list_files }),
  read_file: tool({ description: DESCRIPTIONS.read_file, inputSchema: TOOL_INPUTS.read_file }),
  grep: tool({ description: DESCRIPTIONS.grep, inputSchema: TOOL_INPUTS.grep }),
  write_file: tool({ description: DESCRIPTIONS.write_file, inputSchema: TOOL_INPUTS.write_file }),
  edit_file: tool({ description: DESCRIPTIONS.edit_file, inputSchema: TOOL_INPUTS.edit_file }),
  delete_file: tool({ description: DESCRIPTIONS.delete_file, inputSchema: TOOL_INPUTS.delete_file }),
  run_command: tool({ description: DESCRIPTIONS.run_command, inputSchema: TOOL_INPUTS.run_command }),
  get_errors: tool({ description: DESCRIPTIONS.get_errors, inputSchema: TOOL_INPUTS.get_errors }),
  deploy_preview: tool({ description: DESCRIPTIONS.deploy_preview, inputSchema: TOOL_INPUTS.deploy_preview }),
} satisfies ToolSet;

/** What the tool definitions cost in every request (they are sent as JSON schemas). */
export const TOOLS_TOKENS = estimateTokens(
  JSON.stringify(
    Object.entries(TOOL_INPUTS).map(([name, schema]) => ({
      type: 'function',
      function: { name, description: DESCRIPTIONS[name as TToolName], parameters: z.toJSONSchema(schema) },
    })),
  ),
);
