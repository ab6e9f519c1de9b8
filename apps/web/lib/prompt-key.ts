/** Where the home page leaves a new session's prompt for its builder page (sessionStorage). */
export function promptKey(sessionId: string): string {
  return `kiln:prompt:${sessionId}`;
}
