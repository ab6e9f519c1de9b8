/** Runs once when the Next server starts. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { validateConfigOrExit } = await import('./lib/validate-config');
    validateConfigOrExit();
  }
}
