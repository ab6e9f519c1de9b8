import { ConfigError } from '@kiln/config';
import { webEnv } from './config';

/** A bad environment stops the web server at start-up with the variable's name. */
export function validateConfigOrExit(): void {
  try {
    webEnv.parse();
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
