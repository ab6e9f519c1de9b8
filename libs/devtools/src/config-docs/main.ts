import { writeFile } from 'node:fs/promises';
import { CONFIGURATION_DOC, renderConfigurationDoc } from './render.js';

await writeFile(CONFIGURATION_DOC, await renderConfigurationDoc());
process.stdout.write(`wrote ${CONFIGURATION_DOC}\n`);
