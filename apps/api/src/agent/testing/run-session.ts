import { PhasicPipeline, ProviderRegistry } from '@kiln/agent';
import { RunnerClient, RunnerSandbox, loadPipelineTemplates } from '@kiln/runner-client';
import { appToken } from '@kiln/storage';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { PgCheckpointStore } from '../pg-checkpoint-store.js';

/**
 * One agent session in a process of its own, for the crash/resume test: prints every event as
 * an NDJSON line and exits 0 once the session is complete. Started again with the same session id
 * it resumes from the last checkpoint in Postgres.
 */
const ZArgs = z.object({
  sessionId: z.string(),
  appId: z.string(),
  prompt: z.string(),
  modelURL: z.string().url(),
  runnerUrl: z.string().url(),
  runnerToken: z.string(),
  gatewaySecret: z.string(),
  databaseUrl: z.string(),
  templatesDir: z.string(),
});

async function main(): Promise<void> {
  const args = ZArgs.parse(JSON.parse(process.argv[2] ?? '{}'));
  const source = new DataSource({ type: 'postgres', url: args.databaseUrl });
  await source.initialize();
  const choice = { provider: 'local', model: 'scripted-coder', contextWindow: 32_768, maxOutputTokens: 4096 };
  const pipeline = await PhasicPipeline.open({
    sessionId: args.sessionId,
    registry: new ProviderRegistry({
      providers: [{ kind: 'openai-compatible', id: 'local', baseURL: args.modelURL }],
      operations: { blueprint: choice, phaseGeneration: choice, fixing: choice, conversation: choice },
    }),
    sandbox: new RunnerSandbox(new RunnerClient(args.runnerUrl, args.runnerToken), {
      appId: args.appId,
      userId: 'resume-test',
      gatewayToken: appToken(args.gatewaySecret, args.appId),
    }),
    checkpoints: new PgCheckpointStore(source),
    events: { emit: (event) => void process.stdout.write(`${JSON.stringify(event)}\n`) },
    templates: await loadPipelineTemplates(args.templatesDir),
  });
  const outcome = await pipeline.generate(args.prompt);
  await source.destroy();
  process.exit(outcome.status === 'complete' ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
