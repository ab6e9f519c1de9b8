import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { CONFIGURATION_DOC, renderConfigurationDoc } from './render.js';

describe('docs/configuration.md', () => {
  it('documents exactly the variables the services validate (regenerate with npm run docs:config)', async () => {
    assert.equal(await readFile(CONFIGURATION_DOC, 'utf8'), await renderConfigurationDoc());
  });
});
