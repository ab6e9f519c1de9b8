import type { ProviderRegistry } from '../providers/provider-registry.js';
import { ZBlueprint, ZConversationDecision } from './blueprint-schema.js';
import {
  ZPipelineConfig,
  sandboxFiles,
  type PipelineContext,
  type PipelineTemplate,
  type TPipelineConfigInput,
} from './pipeline-context.js';
import type { CheckpointStore, EventSink, Sandbox } from './ports.js';
import {
  BLUEPRINT_INSTRUCTIONS,
  CONVERSATION_INSTRUCTIONS,
  blueprintRequest,
  completionSummary,
  conversationRequest,
} from './prompts.js';
import { runPhase } from './run-phase.js';
import { selectTemplate } from './select-template.js';
import type { SessionActor } from './session-actor.js';
import { SessionRuns } from './session-runs.js';
import { currentFiles, filePurpose, type TSessionState } from './session-state.js';
import { generateStructured } from './structured-output.js';

export interface PhasicPipelineOptions {
  sessionId: string;
  registry: ProviderRegistry;
  sandbox: Sandbox;
  checkpoints: CheckpointStore;
  events: EventSink;
  /** At least one; the first is the fallback when nothing in the prompt points elsewhere. */
  templates: readonly PipelineTemplate[];
  config?: TPipelineConfigInput;
}

export interface PipelineOutcome {
  status: 'complete' | 'stopped' | 'failed';
  error?: { code: string; message: string };
}

/**
 * VibeSDK's "phasic" generation for one session: blueprint → template → phases (implement,
 * check, fix) → summary, and follow-up requests as small edit phases. The session's state lives
 * in a `SessionActor` checkpointed after every step, so a new instance opened on the same store
 * continues where a crashed or stopped one left off. One run at a time per instance; the API's
 * session lease makes it one instance per session.
 */
export class PhasicPipeline extends SessionRuns {
  private instanceId: string | undefined;

  private constructor(
    private readonly options: PhasicPipelineOptions,
    actor: SessionActor,
    private readonly config = ZPipelineConfig.parse(options.config ?? {}),
  ) {
    super(actor, options, 'phasic');
  }

  /** Opens the session: its last checkpoint, or a new state. An agentic session is refused. */
  static async open(options: PhasicPipelineOptions): Promise<PhasicPipeline> {
    return new PhasicPipeline(options, await SessionRuns.openActor(options.checkpoints, options.sessionId, 'phasic'));
  }

  /**
   * A follow-up: the conversation model answers (`conversation_response`) and, when the message
   * asks for a change, an edit phase makes it. A crash before the answer is checkpointed loses
   * the message: the caller sends it again.
   */
  protected async followUp(message: string, signal: AbortSignal | undefined): Promise<void> {
    const n = this.actor.state.completedSteps.filter((s) => s.startsWith('conversation:')).length;
    await this.actor.step(`conversation:${n}`, (state) => this.converse(state, message, signal));
  }

  protected async run(signal: AbortSignal | undefined): Promise<void> {
    const { actor, options, config } = this;
    const { registry, events, templates } = options;

    await actor.step('blueprint', async (state) => {
      const { value } = await generateStructured(registry, {
        operation: 'blueprint',
        instructions: BLUEPRINT_INSTRUCTIONS,
        messages: [{ role: 'user', content: blueprintRequest(state.query, templates) }],
        schema: ZBlueprint,
        attempts: config.structuredAttempts,
        ledger: actor.ledger,
        ...(signal ? { signal } : {}),
      });
      state.blueprint = value;
      state.conversation.push({ role: 'user', content: state.query });
      state.phases = value.phases.map((p) => ({
        ...p,
        kind: 'plan',
        status: 'pending',
        fixRounds: 0,
        remainingIssues: [],
      }));
    });

    await actor.step('template', async (state) => {
      const choice = selectTemplate(templates, state.query, state.blueprint!.template);
      state.template = choice.template.name;
      const totalFiles = new Set(state.phases.flatMap((p) => p.files.map((f) => f.path))).size;
      await events.emit({
        type: 'generation_started',
        message: `Building ${state.blueprint!.title} on the ${choice.template.name} template`,
        totalFiles,
      });
    });

    const ctx = await this.context(signal);
    for (let i = 0; i < actor.state.phases.length; i++) await runPhase(ctx, i);
    if (config.finalReview) {
      // Once, after the planned phases: later runs (follow-up edits) skip it.
      await actor.step('review', (state) => {
        state.phases.push({
          name: 'Final review',
          description: 'Review the app against its plan and fix what is wrong or missing',
          files: [],
          kind: 'review',
          status: 'pending',
          fixRounds: 0,
          remainingIssues: [],
        });
        return Promise.resolve();
      });
      for (let i = 0; i < actor.state.phases.length; i++) await runPhase(ctx, i);
    }

    await actor.step(`complete:${actor.state.phases.length}`, async (state) => {
      state.conversation.push({
        role: 'assistant',
        content: completionSummary(state.blueprint, state.phases, currentFiles(state).size),
      });
      await events.emit({
        type: 'generation_complete',
        instanceId: ctx.instanceId,
        ...(state.preview ? { previewURL: state.preview.previewURL } : {}),
      });
    });
  }

  /**
   * The run's context, with the preview created (or re-created after a crash) from the template
   * and every file of the session: the sandbox is rebuilt from the checkpoint, never trusted.
   */
  private async context(signal: AbortSignal | undefined): Promise<PipelineContext> {
    const ctx: PipelineContext = {
      registry: this.options.registry,
      sandbox: this.sandbox,
      events: this.options.events,
      config: this.config,
      templates: this.options.templates,
      actor: this.actor,
      signal,
      instanceId: this.instanceId ?? '',
      runtimeErrorsSince: undefined,
    };
    if (this.instanceId === undefined) {
      const preview = await this.sandbox.createPreview(
        {
          sessionId: this.actor.state.sessionId,
          template: this.actor.state.template!,
          files: sandboxFiles(currentFiles(this.actor.state)),
        },
        signal,
      );
      this.instanceId = ctx.instanceId = preview.instanceId;
    }
    return ctx;
  }

  private async converse(state: TSessionState, message: string, signal: AbortSignal | undefined): Promise<void> {
    const paths = [...currentFiles(state).keys()];
    const { value } = await generateStructured(this.options.registry, {
      operation: 'conversation',
      instructions: CONVERSATION_INSTRUCTIONS,
      messages: [
        ...state.conversation,
        { role: 'user', content: conversationRequest(message, state.blueprint, paths) },
      ],
      schema: ZConversationDecision,
      attempts: this.config.structuredAttempts,
      ledger: this.actor.ledger,
      ...(signal ? { signal } : {}),
    });
    state.conversation.push({ role: 'user', content: message }, { role: 'assistant', content: value.reply });
    if (value.changeRequest !== null) {
      const known = value.files.filter((p) => paths.includes(p));
      state.phases.push({
        name: `Change: ${value.changeRequest.slice(0, 60)}`,
        description: value.changeRequest,
        files: known.map((path) => ({ path, purpose: filePurpose(state, path) ?? '', changes: value.changeRequest })),
        kind: 'edit',
        request: value.changeRequest,
        status: 'pending',
        fixRounds: 0,
        remainingIssues: [],
      });
    }
    await this.options.events.emit({
      type: 'conversation_response',
      message: value.reply,
      conversationId: `${state.sessionId}:${state.conversation.length - 1}`,
      ...(value.changeRequest !== null ? { enhancedRequest: value.changeRequest } : {}),
    });
  }
}
