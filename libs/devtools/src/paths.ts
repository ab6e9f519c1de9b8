import { fileURLToPath } from 'node:url';

/** The repository root, from this file's compiled location (libs/devtools/dist/paths.js). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
