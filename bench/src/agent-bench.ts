import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AgenticSession, InMemoryCheckpointStore, PhasicPipeline, ProviderRegistry, currentFiles } from '@kiln/agent';
import { loadModelScript, startScriptedModelServer } from '@kiln/agent/testing';
import type { TAgentServerMessage } from '@kiln/contracts';
import { RunnerClient, RunnerSandbox, loadPipelineTemplates } from '@kiln/runner-client';
import { appToken } from '@kiln/storage';
import { startKilnStack } from '@kiln/storage/testing';
import { RunnerProcess } from './runner-bench.js';

/**
 * Platform overhead of generating an app: the todo app of the agent e2e, with the model scripted
 * (zero model latency), so every millisecond is Kiln's — the pipeline, the runner, the container,
 * tsc and Vite in it. Stages are split at the session's events. Reference in the same run: the
 * same final app created directly on the runner and built, with no agent.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const RUNS = 3;
const SCRIPT = fileURLToPath(new URL('../../apps/api/test/scripts/todo-e2e.json', import.meta.url));
/** The same app in agentic mode: 7 model steps, 10 tool calls, one runtime error found and fixed. */
const AGENTIC_SCRIPT = fileURLToPath(new URL('../../apps/api/test/scripts/agentic-e2e.json', import.meta.url));

/** Which event ends which stage. */
const STAGES: [string, (e: TAgentServerMessage) => boolean][] = [
  ['blueprint, template choice, preview container', (e) => e.type === 'phase_generating'],
  ['phase 1: files streamed from the model', (e) => e.type === 'phase_generated'],
  [
    'phase 1: files written, tsc + Vite build in the container, reload, / and checkPaths requested',
    (e) => e.type === 'static_analysis_results',
  ],
  ['phase 1: runtime errors read, preview ready', (e) => e.type === 'deployment_completed'],
  ['phase 2: files streamed from the model', (e) => e.type === 'phase_generated'],
  [
    'phase 2: files written, tsc + Vite build in the container, reload, / and checkPaths requested',
    (e) => e.type === 'static_analysis_results',
  ],
  ['phase 2: runtime errors read, preview ready', (e) => e.type === 'deployment_completed'],
  ['final review (the model finds nothing to change)', (e) => e.type === 'code_reviewed'],
  ['summary', (e) => e.type === 'generation_complete'],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}

export async function agentBench(log: (line: string) => void): Promise<string> {
  const stack = await startKilnStack({ blobs: 'fs', host: '0.0.0.0' });
  const runner = new RunnerProcess(
    2,
    // The runner's default memory: tsc and Vite run in the preview next to the app.
    { GATEWAY_URL: `http://kiln-gateway:${new URL(stack.gatewayUrl).port}`, INSTANCE_MEMORY_MB: '512' },
    'kiln-bench-agent',
  );
  await runner.start();
  const client = new RunnerClient(runner.base, runner.token);
  const templates = await loadPipelineTemplates(`${repoRoot}templates`);
  const stageRuns: number[][] = STAGES.map(() => []);
  const totals: number[] = [];
  const direct: number[] = [];
  const agentic: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      await runner.poolFull();
      const model = await startScriptedModelServer(await loadModelScript(SCRIPT));
      const appId = `bench-${randomBytes(3).toString('hex')}`;
      const choice = { provider: 'local', model: 'scripted-coder', contextWindow: 32_768, maxOutputTokens: 4096 };
      const marks: number[] = [];
      let stage = 0;
      const started = performance.now();
      const sandbox = new RunnerSandbox(client, {
        appId,
        userId: 'bench',
        gatewayToken: appToken(stack.secret, appId),
      });
      const pipeline = await PhasicPipeline.open({
        sessionId: appId,
        registry: new ProviderRegistry({
          providers: [{ kind: 'openai-compatible', id: 'local', baseURL: model.baseURL }],
          operations: { blueprint: choice, phaseGeneration: choice, fixing: choice, conversation: choice },
        }),
        sandbox,
        checkpoints: new InMemoryCheckpointStore(),
        events: {
          emit: (e) => {
            const next = STAGES[stage];
            if (next && next[1](e)) {
              marks.push(performance.now());
              stage++;
            }
          },
        },
        templates,
      });
      const outcome = await pipeline.generate('a todo app with a D1 table');
      const total = performance.now() - started;
      await model.close();
      if (outcome.status !== 'complete' || marks.length !== STAGES.length)
        throw new Error(`run ${run}: ${JSON.stringify(outcome)} after ${marks.length} of ${STAGES.length} stages`);
      marks.forEach((t, i) => stageRuns[i]?.push(t - (i === 0 ? started : (marks[i - 1] ?? started))));
      totals.push(total);
      log(`agent run ${run + 1}: prompt → preview ready ${total.toFixed(0)} ms`);

      // Reference: the finished app straight onto the runner, then its build, with no agent.
      const files = [...currentFiles(pipeline.state)].map(([path, content]) => ({ path, content }));
      const refStart = performance.now();
      const instance = await client.create({
        appId: `${appId}-ref`,
        userId: 'bench',
        template: 'vite-react-d1',
        files,
        gatewayToken: appToken(stack.secret, `${appId}-ref`),
      });
      const template = templates.find((t) => t.name === 'vite-react-d1');
      await client.exec(instance.id, { command: template?.buildCommand ?? [], timeoutMs: 120_000 });
      direct.push(performance.now() - refStart);
      await client.remove(instance.id);
      const mine = await client.get(pipeline.state.preview?.instanceId ?? '').catch(() => undefined);
      if (mine) await client.remove(mine.id);
    }
    for (let run = 0; run < RUNS; run++) {
      await runner.poolFull();
      const model = await startScriptedModelServer(await loadModelScript(AGENTIC_SCRIPT));
      const appId = `bench-${randomBytes(3).toString('hex')}`;
      const choice = { provider: 'local', model: 'scripted-coder', contextWindow: 32_768, maxOutputTokens: 4096 };
      const started = performance.now();
      const session = await AgenticSession.open({
        sessionId: appId,
        registry: new ProviderRegistry({
          providers: [{ kind: 'openai-compatible', id: 'local', baseURL: model.baseURL }],
          operations: { blueprint: choice, phaseGeneration: choice, fixing: choice, conversation: choice },
        }),
        sandbox: new RunnerSandbox(client, { appId, userId: 'bench', gatewayToken: appToken(stack.secret, appId) }),
        checkpoints: new InMemoryCheckpointStore(),
        events: { emit: () => undefined },
        templates,
      });
      const outcome = await session.generate('a todo app with a D1 table');
      const total = performance.now() - started;
      await model.close();
      if (outcome.status !== 'complete') throw new Error(`agentic run ${run}: ${JSON.stringify(outcome)}`);
      agentic.push(total);
      log(`agentic run ${run + 1}: prompt → preview ready ${total.toFixed(0)} ms`);
      const mine = await client.get(session.state.preview?.instanceId ?? '').catch(() => undefined);
      if (mine) await client.remove(mine.id);
    }
  } finally {
    await runner.stop();
    await stack.close();
  }
  const rows = STAGES.map(([name], i) => `| ${name} | ${median(stageRuns[i] ?? []).toFixed(1)} |`);
  const total = median(totals);
  return [
    '## Agent: platform overhead per generated app',
    '',
    `"a todo app with a D1 table" with the scripted model (zero model latency), ${RUNS} runs, median per stage:`,
    'the real provider code, the pipeline, the runner (warm pool of 2), the vite-react-d1 template with tsc and',
    'Vite run in the container, the gateway for D1. Reference in the same run: the finished app created',
    'directly on the runner and built, no agent.',
    '',
    '| stage | median ms |',
    '| --- | ---: |',
    ...rows,
    `| **prompt → preview ready** | **${total.toFixed(0)}** |`,
    `| reference: runner create + build of the final app | ${median(direct).toFixed(0)} |`,
    '',
    `Agentic mode, the same app (${RUNS} runs, median): **${median(agentic).toFixed(0)} ms** prompt → preview ready —`,
    '7 model steps and 10 tool calls, of which two get_errors (tsc + Vite build + requests through the preview; the',
    'first finds a failing query, an edit fixes it) and one deploy_preview (the build again, reload, readiness).',
    '',
    `Target: under 15 s on 2 cores (${total < 15_000 ? 'met' : 'missed'}, ${(total / 1000).toFixed(1)} s).`,
  ].join('\n');
}
