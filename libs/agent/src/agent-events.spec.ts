import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ZAgentClientMessage, ZAgentServerMessage } from '@kiln/contracts';

/** The session protocol schemas live in libs/contracts; the agent is their producer. */
describe('agent session protocol (VibeSDK shapes)', () => {
  const phase = {
    name: 'Data layer',
    description: 'D1 table and API',
    files: [{ path: 'worker/db.ts', purpose: 'queries', changes: null }],
  };
  const staticAnalysis = {
    success: false,
    lint: { issues: [] },
    typecheck: { issues: [{ message: "Cannot find name 'x'", filePath: 'src/a.ts', line: 3, severity: 'error' }] },
  };

  const valid = [
    { type: 'generation_started', message: 'Starting', totalFiles: 12 },
    { type: 'phase_generating', message: 'Planning the next phase' },
    { type: 'phase_generated', message: 'Planned', phase },
    { type: 'phase_implementing', message: 'Implementing', phase },
    { type: 'phase_implemented', message: 'Done', phase },
    { type: 'file_generating', filePath: 'src/a.ts', filePurpose: 'entry' },
    { type: 'file_chunk_generated', filePath: 'src/a.ts', chunk: 'export ' },
    { type: 'file_generated', file: { filePath: 'src/a.ts', fileContents: 'export {};\n', filePurpose: 'entry' } },
    { type: 'static_analysis_results', staticAnalysis },
    {
      type: 'runtime_error_found',
      errors: [{ timestamp: '2026-01-01T00:00:00Z', level: 50, message: 'boom', rawOutput: '{"level":50}' }],
      count: 1,
    },
    {
      type: 'deployment_completed',
      previewURL: 'http://p/',
      tunnelURL: 'http://p/',
      instanceId: 'abc',
      message: 'ready',
    },
    { type: 'generation_complete', previewURL: 'http://p/' },
    { type: 'conversation_response', message: 'Sure', isStreaming: true, tool: { name: 'deploy', status: 'start' } },
    { type: 'error', error: 'bad path', code: 'FILE_REJECTED', filePath: '../x' },
    { type: 'generation_stopped', message: 'Stopped' },
    { type: 'generation_resumed', message: 'Resumed' },
  ];

  for (const message of valid) {
    it(`accepts ${message.type}`, () => {
      assert.deepEqual(ZAgentServerMessage.parse(message), message);
    });
  }

  it('rejects unknown types and shapes that break a VibeSDK client', () => {
    assert.equal(ZAgentServerMessage.safeParse({ type: 'file_written', filePath: 'a' }).success, false);
    assert.equal(
      ZAgentServerMessage.safeParse({ type: 'file_generated', filePath: 'a', fileContents: '' }).success,
      false,
    );
    assert.equal(ZAgentServerMessage.safeParse({ type: 'error', message: 'no error field' }).success, false);
    assert.equal(ZAgentServerMessage.safeParse({ type: 'runtime_error_found', errors: [], count: -1 }).success, false);
    assert.equal(ZAgentServerMessage.safeParse({ type: 'error', error: 'x', code: 'MADE_UP' }).success, false);
  });

  it('parses the cancellation request and a user suggestion from the client', () => {
    assert.deepEqual(ZAgentClientMessage.parse({ type: 'stop_generation' }), { type: 'stop_generation' });
    assert.deepEqual(ZAgentClientMessage.parse({ type: 'user_suggestion', message: 'make it blue' }), {
      type: 'user_suggestion',
      message: 'make it blue',
    });
    assert.equal(ZAgentClientMessage.safeParse({ type: 'user_suggestion', message: '' }).success, false);
    assert.equal(ZAgentClientMessage.safeParse({ type: 'rm_rf' }).success, false);
  });
});
