import { AgentError } from '../errors.js';
import { streamModel } from '../providers/model-call.js';
import { instructionTokens, promptBudgetTokens } from '../providers/prompt-budget.js';
import type { PhasicPipelineOptions } from '../pipeline/phasic-pipeline.js';
import { appFiles, sandboxFiles } from '../pipeline/pipeline-context.js';
import { selectTemplate } from '../pipeline/select-template.js';
import type { SessionActor } from '../pipeline/session-actor.js';
import { SessionRuns } from '../pipeline/session-runs.js';
import { currentFiles, type TSessionState, type TTranscriptEntry } from '../pipeline/session-state.js';
import {
  AGENTIC_INSTRUCTIONS,
  ZAgenticConfig,
  agenticFollowUp,
  agenticRequest,
  type TAgenticConfigInput,
} from './agentic-config.js';
import { runTool, type ToolCall, type ToolContext } from './run-tool.js';
import { AGENTIC_TOOLS, TOOLS_TOKENS } from './tools.js';
import { fitTranscript } from './transcript.js';

export { ZAgenticConfig, type TAgenticConfig, type TAgenticConfigInput } from './agentic-config.js';

/** The phasic pipeline's options; the config may add the loop's limits (`maxSteps`, …). */
export type AgenticSessionOptions = Omit<PhasicPipelineOptions, 'config'> & { config?: TAgenticConfigInput };

/**
 * The agentic mode of a session: instead of blueprint and phases, the model works on the app
 * through tools (read, write, edit, check, deploy) until it answers without a tool call. Each
 * model step and the results of its tool calls are one `SessionActor` step, keyed
 * `agentic:<request>:<step>` and checkpointed together: a resumed run continues after the last
 * completed step and never runs a tool call twice; a step in flight is redone, model call and all.
 * Same surface as `PhasicPipeline`; one run at a time per instance.
 */
export class AgenticSession extends SessionRuns {
  private instanceId: string | undefined;
  private runtimeErrorsSince: string | undefined;

  private constructor(
    private readonly options: AgenticSessionOptions,
    actor: SessionActor,
    private readonly config = ZAgenticConfig.parse(options.config ?? {}),
  ) {
    super(actor, options, 'agentic');
  }

  /** Opens the session: its last checkpoint, or a new state. A phasic session is refused. */
  static async open(options: AgenticSessionOptions): Promise<AgenticSession> {
    return new AgenticSession(options, await SessionRuns.openActor(options.checkpoints, options.sessionId, 'agentic'));
  }

  /** A follow-up request continues the same transcript as a new request of the loop. */
  protected async followUp(message: string): Promise<void> {
    await this.actor.step(`agentic:${requestCount(this.actor.state)}:request`, (state) => {
      state.transcript.push({ role: 'user', content: agenticFollowUp(message) });
      state.conversation.push({ role: 'user', content: message });
      return Promise.resolve();
    });
  }

  /** Template and preview, then the loop for the latest request, then its answer. */
  protected async run(signal: AbortSignal | undefined): Promise<void> {
    const { actor, options } = this;
    await actor.step('agentic:template', async (state) => {
      const { template } = selectTemplate(options.templates, state.query, undefined);
      state.template = template.name;
      const files = Object.keys(options.templates.find((t) => t.name === template.name)?.files ?? {});
      state.transcript.push({ role: 'user', content: agenticRequest(state.query, template.name, files) });
      state.conversation.push({ role: 'user', content: state.query });
      await options.events.emit({
        type: 'generation_started',
        message: `Building on the ${template.name} template`,
        totalFiles: 0,
      });
    });
    const instanceId = await this.ensurePreview(signal);

    const request = requestCount(actor.state) - 1;
    const answer = await this.loop(request, signal);
    await actor.step(`agentic:${request}:done`, async (state) => {
      state.conversation.push({ role: 'assistant', content: answer });
      await options.events.emit({
        type: 'conversation_response',
        message: answer,
        conversationId: `${state.sessionId}:${state.conversation.length - 1}`,
      });
      await options.events.emit({
        type: 'generation_complete',
        instanceId,
        ...(state.preview ? { previewURL: state.preview.previewURL } : {}),
      });
    });
  }

  /**
   * Model steps until the model answers without calling a tool; returns that answer. A request gets
   * `maxSteps` steps; a run that starts with them used up (the user resumed after STEP_LIMIT) gets
   * as many again, recorded as a step of its own so that a crash does not grant them twice.
   */
  private async loop(request: number, signal: AbortSignal | undefined): Promise<string> {
    const { actor, config } = this;
    const count = (pattern: RegExp) => actor.state.completedSteps.filter((k) => pattern.test(k)).length;
    let stepsThisRun = 0;
    for (;;) {
      const last = actor.state.transcript.at(-1);
      if (last?.role === 'assistant' && last.toolCalls.length === 0) return last.text;
      const step = count(new RegExp(`^agentic:${request}:\\d+$`));
      const extensions = count(new RegExp(`^agentic:${request}:more:\\d+$`));
      const allowed = config.maxSteps * (1 + extensions);
      if (step >= allowed && stepsThisRun === 0) {
        await actor.step(`agentic:${request}:more:${extensions}`, () => Promise.resolve());
        continue;
      }
      if (step >= allowed) {
        const calls = last?.role === 'tool' ? last.results.map((r) => r.toolName).join(', ') : 'none';
        throw new AgentError(
          'STEP_LIMIT',
          `the agent used all ${allowed} steps for this request without finishing (last tool calls: ${calls}); resume to give it ${config.maxSteps} more`,
        );
      }
      const key = `agentic:${request}:${step}`;
      await actor.step(key, (state) => this.modelStep(state, key, signal));
      stepsThisRun++;
    }
  }

  /** One model call and its tool calls; the transcript gets the step and its results. */
  private async modelStep(state: TSessionState, key: string, signal: AbortSignal | undefined): Promise<void> {
    const reply = await this.callModel(state, signal);
    state.transcript.push({
      role: 'assistant',
      text: reply.text,
      // A call whose arguments did not parse is kept without them; its result says what was wrong.
      toolCalls: reply.calls.map((c) => ({ toolCallId: c.toolCallId, toolName: c.toolName, input: storedInput(c) })),
    });
    if (reply.calls.length === 0) {
      // An answer the output limit cut off is not the final one: the model is asked to go on.
      if (reply.cutOff) state.transcript.push({ role: 'user', content: CUT_OFF_NOTE, note: true });
      return;
    }

    const before = appFiles({ templates: this.options.templates, actor: this.actor });
    const ctx: ToolContext = {
      actor: this.actor,
      templates: this.options.templates,
      sandbox: this.sandbox,
      events: this.options.events,
      config: this.config,
      instanceId: this.instanceId!,
      step: key,
      signal,
      touched: new Set(),
      runtimeErrorsSince: this.runtimeErrorsSince,
    };
    try {
      const results: Extract<TTranscriptEntry, { role: 'tool' }>['results'] = [];
      for (const call of reply.calls) {
        if (signal?.aborted) throw new AgentError('ABORTED', 'stopped between tool calls');
        const outcome = await runTool(ctx, call);
        results.push({ toolCallId: call.toolCallId, toolName: call.toolName, ...outcome });
        await this.options.events.emit({
          type: 'conversation_response',
          message: `${call.toolName}: ${outcome.isError ? 'error' : 'done'}`,
          tool: {
            name: call.toolName,
            status: outcome.isError ? 'error' : 'success',
            result: outcome.output.slice(0, 500),
          },
        });
      }
      state.transcript.push({ role: 'tool', results });
      this.runtimeErrorsSince = ctx.runtimeErrorsSince;
    } catch (error) {
      // The actor rolls the state back; the preview must follow it.
      await this.restorePreview(before, ctx.touched);
      throw error;
    }
  }

  private async callModel(
    state: TSessionState,
    signal: AbortSignal | undefined,
  ): Promise<{ text: string; calls: ToolCall[]; cutOff: boolean }> {
    const { registry } = this.options;
    const { contextWindow, maxOutputTokens } = registry.config.operations.phaseGeneration;
    const budget = promptBudgetTokens(contextWindow, maxOutputTokens) - instructionTokens(AGENTIC_INSTRUCTIONS);
    const { messages } = fitTranscript(state.transcript, budget - TOOLS_TOKENS);
    let text = '';
    let cutOff = false;
    const calls: ToolCall[] = [];
    for await (const event of streamModel(registry, {
      operation: 'phaseGeneration',
      instructions: AGENTIC_INSTRUCTIONS,
      messages: [],
      transcript: messages,
      tools: AGENTIC_TOOLS,
      ledger: this.actor.ledger,
      ...(signal ? { signal } : {}),
    })) {
      if (event.type === 'text') text += event.text;
      else if (event.type === 'tool-call') calls.push(event);
      else if (event.type === 'finish') cutOff = event.finishReason === 'length';
      else if (event.type === 'aborted') throw new AgentError('ABORTED', 'model call cancelled');
    }
    return { text, calls, cutOff };
  }

  /**
   * The preview of this process, created (or re-created after a crash) from the template and
   * every file of the session: the sandbox is rebuilt from the checkpoint, never trusted.
   */
  private async ensurePreview(signal: AbortSignal | undefined): Promise<string> {
    if (this.instanceId === undefined) {
      const preview = await this.sandbox.createPreview(
        {
          sessionId: this.actor.state.sessionId,
          template: this.actor.state.template!,
          files: sandboxFiles(currentFiles(this.actor.state)),
        },
        signal,
      );
      this.instanceId = preview.instanceId;
      this.runtimeErrorsSince = undefined;
    }
    return this.instanceId;
  }

  /** Puts back in the preview what a rolled-back step wrote; without a signal: it must not be cut short. */
  private async restorePreview(before: ReadonlyMap<string, string>, touched: ReadonlySet<string>): Promise<void> {
    if (touched.size === 0 || this.instanceId === undefined) return;
    const gone = [...touched].filter((p) => !before.has(p));
    try {
      await this.sandbox.writeFiles(this.instanceId, sandboxFiles(before, touched));
      if (gone.length) await this.sandbox.deleteFiles(this.instanceId, gone);
    } catch {
      // The next run creates the preview again from the checkpoint.
      this.instanceId = undefined;
    }
  }
}

const CUT_OFF_NOTE =
  'Your last answer was cut off at the output limit. Go on in smaller pieces: call a tool, or answer briefly.';

/** Requests in the transcript: the first prompt and every follow-up (Kiln's notes are none). */
function requestCount(state: TSessionState): number {
  return state.transcript.filter((e) => e.role === 'user' && !e.note).length;
}

function storedInput(call: ToolCall): unknown {
  const plain = typeof call.input === 'object' && call.input !== null && !Array.isArray(call.input);
  return call.invalid || !plain ? {} : call.input;
}
