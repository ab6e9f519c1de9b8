import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiEnv } from '../config.js';
import { agentModels } from './agent-models.js';

const base = { DATABASE_URL: 'postgres://kiln:pw@localhost:5432/kiln', REDIS_URL: 'redis://localhost:6379/0' };
const config = (env: Record<string, string>) => apiEnv.parse({ ...base, ...env });

describe("the agent's models from the API's configuration", () => {
  it('one OpenAI-compatible model for every operation, its output a quarter of the window', async () => {
    const models = await agentModels(
      config({
        AGENT_MODEL_BASE_URL: 'http://127.0.0.1:11434/v1',
        AGENT_MODEL: 'qwen',
        AGENT_MODEL_CONTEXT_WINDOW: '8192',
      }),
    );
    assert.deepEqual(models.providers, [
      { kind: 'openai-compatible', id: 'model', baseURL: 'http://127.0.0.1:11434/v1' },
    ]);
    assert.deepEqual(
      Object.values(models.operations).map((o) => [o.model, o.contextWindow, o.maxOutputTokens]),
      Array(4).fill(['qwen', 8192, 2048]),
    );
  });

  it('Anthropic and Gemini need a key, not a base URL; what is missing is named', async () => {
    const anthropic = await agentModels(
      config({ AGENT_PROVIDER: 'anthropic', AGENT_MODEL: 'claude-sonnet', AGENT_MODEL_API_KEY: 'sk-test' }),
    );
    assert.deepEqual(anthropic.providers, [{ kind: 'anthropic', id: 'model', apiKey: 'sk-test' }]);
    await assert.rejects(
      agentModels(config({ AGENT_PROVIDER: 'google', AGENT_MODEL: 'gemini' })),
      /set AGENT_MODEL_API_KEY/,
    );
    await assert.rejects(agentModels(config({})), /set AGENT_MODEL, AGENT_MODEL_BASE_URL, or AGENT_MODELS_FILE/);
  });

  it('AGENT_MODELS_FILE: several providers and a model per operation; a bad file is named with its problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiln-models-'));
    try {
      const big = { provider: 'hosted', model: 'claude-opus', contextWindow: 200_000, maxOutputTokens: 8192 };
      const small = { provider: 'local', model: 'qwen', contextWindow: 16_384, maxOutputTokens: 2048 };
      const file = join(dir, 'models.json');
      await writeFile(
        file,
        JSON.stringify({
          providers: [
            { kind: 'anthropic', id: 'hosted', apiKey: 'sk-test' },
            { kind: 'openai-compatible', id: 'local', baseURL: 'http://127.0.0.1:11434/v1' },
          ],
          operations: { blueprint: big, phaseGeneration: small, fixing: small, conversation: small },
        }),
      );
      const models = await agentModels(config({ AGENT_MODELS_FILE: file }));
      assert.equal(models.operations.blueprint.model, 'claude-opus');
      assert.equal(models.operations.fixing.provider, 'local');

      await writeFile(file, JSON.stringify({ providers: [], operations: {} }));
      await assert.rejects(agentModels(config({ AGENT_MODELS_FILE: file })), /AGENT_MODELS_FILE: providers: /);
      await writeFile(file, '{ not json');
      await assert.rejects(agentModels(config({ AGENT_MODELS_FILE: file })), /AGENT_MODELS_FILE is not JSON/);
      await assert.rejects(agentModels(config({ AGENT_MODELS_FILE: join(dir, 'none.json') })), /model file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
