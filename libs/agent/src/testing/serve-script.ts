import { loadModelScript } from './model-script.js';
import { startScriptedModelServer } from './scripted-model-server.js';

/**
 * Offline demos: `node libs/agent/dist/testing/serve-script.js <script.json> [port]` serves a
 * script on 127.0.0.1 until interrupted; point an openai-compatible, anthropic or google provider
 * at the printed URL.
 */
const [scriptPath, port] = process.argv.slice(2);
if (!scriptPath) {
  console.error('usage: serve-script <script.json> [port]');
  process.exit(2);
}
const server = await startScriptedModelServer(await loadModelScript(scriptPath), { port: port ? Number(port) : 0 });
console.log(`scripted model server: ${server.baseURL} (${scriptPath})`);
const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
