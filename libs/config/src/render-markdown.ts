import type { EnvDefinition, EnvSpec } from './define-env.js';

/** Renders one service's variables as a markdown section for docs/configuration.md. */
export function renderEnvMarkdown<S extends EnvSpec>(def: EnvDefinition<S>): string {
  const rows = Object.entries(def.vars).map(([name, spec]) => {
    const fallback = spec.default !== undefined ? `\`${spec.default}\`` : spec.optional ? '(unset)' : '**required**';
    return `| \`${name}\` | ${fallback} | ${spec.description.replace(/\|/g, '\\|')} |`;
  });
  return [`## ${def.service}`, '', '| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows, ''].join('\n');
}
