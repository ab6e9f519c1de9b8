import type { TAgentServerMessage } from '@kiln/contracts';
import { AgentError } from '../errors.js';
import { FileOutputProcessor, type FileOutputResult } from '../files/file-output-processor.js';
import { streamModel, type ModelCallRequest } from '../providers/model-call.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { EventSink } from './ports.js';

export interface StreamFilesRequest extends ModelCallRequest {
  readFile: (path: string) => string | undefined;
  purposeOf: (path: string) => string | undefined;
}

/**
 * One model call whose answer is file blocks: streamed through the file-block processor, which
 * emits `file_generating` / `file_chunk_generated` / `file_generated` (or `error` for a refused
 * block) as the text arrives. The caller writes `written` — complete files only. A cancelled
 * call throws `AgentError('ABORTED')` and its partial answer is discarded whole.
 */
export async function streamFiles(
  registry: ProviderRegistry,
  events: EventSink,
  request: StreamFilesRequest,
): Promise<FileOutputResult> {
  const pending: TAgentServerMessage[] = [];
  const processor = new FileOutputProcessor({
    readFile: request.readFile,
    purposeOf: request.purposeOf,
    emit: (e) => pending.push(e),
  });
  const flush = async () => {
    for (const e of pending.splice(0)) await events.emit(e);
  };
  let truncated = false;
  for await (const event of streamModel(registry, request)) {
    if (event.type === 'text') {
      processor.push(event.text);
      await flush();
    } else if (event.type === 'aborted') {
      throw new AgentError('ABORTED', 'generation stopped');
    } else if (event.type === 'finish') {
      truncated = event.finishReason === 'length';
    }
  }
  const result = processor.end({ truncated });
  await flush();
  return result;
}
