import { z } from 'zod';

/** Parsers for the string values environment variables carry. */
export const envPort = z.coerce
  .number({ message: 'must be a port number' })
  .int('must be an integer port number')
  .min(1, 'must be a port number between 1 and 65535')
  .max(65535, 'must be a port number between 1 and 65535');

export const envPositiveInt = z.coerce
  .number({ message: 'must be a number' })
  .int('must be an integer')
  .positive('must be greater than 0');

export const envLogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  message: 'must be one of fatal, error, warn, info, debug, trace, silent',
});

export const envNodeEnv = z.enum(['development', 'production', 'test'], {
  message: 'must be one of development, production, test',
});

export function envUrl(protocols: string[]) {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `must be a URL with scheme ${protocols.map((p) => `${p}://`).join(' or ')}` },
  );
}

export const envHost = z.string().min(1, 'must be a host name or address');
