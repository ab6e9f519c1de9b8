import { z } from 'zod';

/** One environment variable: how it is parsed, what it means, and its default (as the raw string). */
export interface EnvVar<T extends z.ZodType = z.ZodType> {
  schema: T;
  description: string;
  /** Raw string used when the variable is unset. No default means the variable is required. */
  default?: string;
  /** Optional variables without a default parse to `undefined` when unset. */
  optional?: boolean;
  /** Values such as passwords are never echoed back in error messages. */
  secret?: boolean;
}

export type EnvSpec = Record<string, EnvVar>;
export type EnvValues<S extends EnvSpec> = {
  [K in keyof S]: S[K]['optional'] extends true ? z.output<S[K]['schema']> | undefined : z.output<S[K]['schema']>;
};

export interface EnvProblem {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly service: string,
    readonly problems: EnvProblem[],
  ) {
    super(`${service}: invalid configuration\n` + problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export interface EnvDefinition<S extends EnvSpec> {
  service: string;
  vars: S;
  /** Parses every variable at once so a single start-up attempt reports all problems. */
  parse(env?: Record<string, string | undefined>): EnvValues<S>;
}

export function defineEnv<S extends EnvSpec>(service: string, vars: S): EnvDefinition<S> {
  return {
    service,
    vars,
    parse(env = process.env) {
      const values: Record<string, unknown> = {};
      const problems: EnvProblem[] = [];
      for (const [name, spec] of Object.entries(vars)) {
        const raw = env[name] === undefined || env[name] === '' ? spec.default : env[name];
        if (raw === undefined) {
          if (spec.optional) continue;
          problems.push({ variable: name, message: `is required (${spec.description})` });
          continue;
        }
        const result = spec.schema.safeParse(raw);
        if (result.success) {
          values[name] = result.data;
        } else {
          const reason = result.error.issues.map((i) => i.message).join('; ');
          const shown = spec.secret ? '' : ` (got ${JSON.stringify(raw)})`;
          problems.push({ variable: name, message: `${reason}${shown}` });
        }
      }
      if (problems.length > 0) throw new ConfigError(service, problems);
      return values as EnvValues<S>;
    },
  };
}
