import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type EnvDefinition, type EnvSpec, renderEnvMarkdown } from '@kiln/config';
import { repoRoot } from '../paths.js';
import { launcherEnv } from '../start/config.js';

/** Each app's compiled config module and the name of its exported definition. */
const SOURCES: Array<[file: string, exportName: string]> = [
  ['apps/api/dist/config.js', 'apiEnv'],
  ['apps/web/dist/lib/config.js', 'webEnv'],
  ['apps/sandbox-runner/dist/config.js', 'runnerEnv'],
  ['libs/storage/dist/gateway/config.js', 'gatewayEnv'],
  ['libs/runtime/dist/config.js', 'runtimeEnv'],
];

const HEADER = `# Configuration

Every Kiln service reads its environment once at start-up and validates it with one zod schema.
A missing or bad value stops the service with a message naming the variable, for example:

\`\`\`
API (apps/api): invalid configuration
  API_PORT: must be a port number between 1 and 65535 (got "99999")
  DATABASE_URL: is required (PostgreSQL connection URL, …)
\`\`\`

This file is generated from those schemas by \`npm run docs:config\`; a unit test fails when it is
out of date. Secrets (URLs with passwords) are never echoed back in such messages.
\`npm run export\` reads the gateway's storage variables (\`DATABASE_URL\`, \`REDIS_URL\`, \`BLOB_*\`, \`S3_*\`).
`;

/** docs/configuration.md, rendered from the schemas the services really use. */
export async function renderConfigurationDoc(): Promise<string> {
  const sections: string[] = [];
  for (const [file, exportName] of SOURCES) {
    const mod = (await import(pathToFileURL(join(repoRoot, file)).href)) as Record<string, EnvDefinition<EnvSpec>>;
    const def = mod[exportName];
    if (!def) throw new Error(`${file} does not export ${exportName}`);
    sections.push(renderEnvMarkdown(def));
  }
  sections.push(renderEnvMarkdown(launcherEnv));
  return `${HEADER}\n${sections.join('\n')}`;
}

export const CONFIGURATION_DOC = join(repoRoot, 'docs', 'configuration.md');
