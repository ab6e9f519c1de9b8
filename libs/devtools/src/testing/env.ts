/** Reads a variable the test driver sets; a clear failure when a test runs outside `npm test`. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run integration tests through \`npm test\`, which provides it`);
  return value;
}
